"""Break it: move, turn, thin, blur or attack a digit and compare the networks' answers.

Layout only: transformations, attacks and curves are in mnist_core.lab, words in
mnist_core.text.lab, figures in mnist_core.charts.lab. What is shown (input, every slider, the
attack's ε, target and budget) lives in the URL's query parameters, so a link opens the same view.
"""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import streamlit as st

from mnist_core.charts.gallery import png_data_url
from mnist_core.charts.lab import enlarged
from mnist_core.lab import transforms
from mnist_core.text import lab as text
from ui.lab_controls import (
    NOTES_KEY,
    SOURCE_LABELS,
    W,
    pick,
    reset_edits,
    state_from_widgets,
    sync_from_url,
    write_params,
)
from ui.lab_views import (
    LabModel,
    curve_cache,
    explain_edits,
    measured,
    render_answers,
    render_curves,
    render_fgsm,
    render_targeted,
    session_model,
    shipped_models,
)
from ui.resources import dataset_or_stop
from ui.session import DRAWN_INPUT_KEY, active_model, evaluation_of


def render_input(dataset, mistakes: np.ndarray) -> tuple[np.ndarray, int | None, str, str]:
    """The input picker; returns the chosen image float32 (28, 28), its true digit (None for a
    drawing), its caption and its source ("test" or "drawing")."""
    source_column, index_column, buttons = st.columns([2, 2, 3], vertical_alignment="bottom")
    source_column.segmented_control(
        "Input", list(SOURCE_LABELS), key=W["source"], format_func=SOURCE_LABELS.get, help=text.INPUT_HELP
    )
    index_column.number_input("Test digit # (0–9,999)", 0, len(dataset.x_test) - 1, step=1, key=W["test"])
    random_column, mistake_column = buttons.columns(2)
    generator = np.random.default_rng()
    random_column.button(
        "Random digit",
        key="lab_random",
        icon=":material/casino:",
        width="stretch",
        on_click=lambda: pick(generator.integers(len(dataset.x_test))),
    )
    mistake_column.button(
        "Random mistake",
        key="lab_mistake",
        icon=":material/error:",
        width="stretch",
        disabled=not len(mistakes),
        help="A test digit the active model reads wrong.",
        on_click=lambda: pick(generator.choice(mistakes)),
    )
    drawn = st.session_state.get(DRAWN_INPUT_KEY)
    if st.session_state.get(W["source"]) == "drawing":
        if drawn is not None:
            return np.asarray(drawn, dtype="float32"), None, "Your drawing, as Draw prepared it", "drawing"
        st.info(text.NO_DRAWING, icon=":material/draw:")
    index = state_from_widgets().test
    return dataset.x_test[index] / np.float32(255), int(dataset.y_test[index]), f"Test digit #{index}", "test"


# The sliders, column by column: (column, URL key, label, (lowest, highest), step or None for
# Streamlit's default, topic of its help in text.CONTROL_HELP).
SLIDERS = (
    (0, "dx", "Shift right / left (px)", (-transforms.MAX_SHIFT, transforms.MAX_SHIFT), None, "shift"),
    (0, "dy", "Shift down / up (px)", (-transforms.MAX_SHIFT, transforms.MAX_SHIFT), None, "shift"),
    (0, "rot", "Rotation (degrees, + is counter-clockwise)",
     (-transforms.MAX_ROTATION, transforms.MAX_ROTATION), 5, "rotation"),
    (1, "scale", "Scale", transforms.SCALE_RANGE, 0.05, "scale"),
    (1, "stroke", "Stroke width (px thinner − / thicker +)", (-transforms.MAX_STROKE, transforms.MAX_STROKE),
     None, "stroke"),
    (1, "noise", "Gaussian noise (standard deviation)", (0.0, transforms.MAX_NOISE), 0.05, "noise"),
)


def render_sliders() -> None:
    columns = st.columns(3)
    for column, name, label, (lowest, highest), step, topic in SLIDERS:
        columns[column].slider(label, lowest, highest, step=step, key=W[name], help=text.CONTROL_HELP[topic])
    third = columns[2]
    third.segmented_control(
        "Erase", list(transforms.ERASE_KINDS), key=W["erase"], help=text.CONTROL_HELP["erase"]
    )
    if st.session_state.get(W["erase"]) in ("band", "box"):
        row, column = third.columns(2)
        row.number_input("Erase at row", 0, 27, key=W["row"])
        column.number_input(
            "… and column", 0, 27, key=W["col"], disabled=st.session_state[W["erase"]] != "box"
        )
    third.toggle("Invert", key=W["invert"], help=text.CONTROL_HELP["invert"])
    third.button("Reset the changes", icon=":material/restart_alt:", on_click=reset_edits)


@st.fragment
def render_playground(dataset, models: list[LabModel], mistakes: np.ndarray) -> None:
    """Input, sliders, picture, answers and attacks: a fragment, so a slider move reruns only this."""
    for note in st.session_state.pop(NOTES_KEY, []):
        st.warning(note, icon=":material/link_off:")
    image, truth, caption, source = render_input(dataset, mistakes)
    picture_column, controls_column = st.columns([1, 3], gap="medium")
    with controls_column:
        render_sliders()
    state = state_from_widgets(source)
    changed = transforms.apply(image, state.edits)
    picture_column.image(
        png_data_url(enlarged(changed)),
        width="stretch",
        caption=caption + ("" if state.edits.is_identity else ", changed"),
    )
    render_answers(models, changed, truth, "lab_bars")
    explain_edits(models, state.edits)
    render_fgsm(models, changed, truth, state.epsilon)
    render_targeted(models, changed)
    write_params(state_from_widgets(source))


@st.fragment(run_every=1.0)
def render_pending(pending: list[tuple[LabModel, Future]]) -> None:
    """While models' curves are measured in the background: progress, then a full rerun to show them."""
    if all(future.done() for _, future in pending):
        st.rerun(scope="app")
    for model, _ in pending:
        share = curve_cache().progress(model.network)
        st.info(text.CURVES_PENDING.format(name=model.name, share=share), icon=":material/hourglass_top:")


st.title(text.TITLE)
st.markdown(text.INTRO)
dataset = dataset_or_stop()
shipped, problems = shipped_models()
for problem in problems:
    st.warning(problem, icon=":material/warning:")
own = session_model()
listed = list(shipped[:2]) + ([own] if own is not None else []) + list(shipped[2:])
if not listed:
    st.stop()
models, futures = zip(*(measured(model) for model in listed), strict=True)
active = active_model()
mistakes = evaluation_of(active).mistakes if active is not None else np.zeros(0, dtype=np.int64)
sync_from_url(len(dataset.x_test))
render_playground(dataset, list(models), mistakes)
render_curves(list(models))
failed = [
    (model, future)
    for model, future in zip(models, futures, strict=True)
    if future is not None and future.done()
]
for model, future in failed:
    st.error(text.CURVES_FAILED.format(name=model.name, reason=future.exception()))
pending = [
    (model, future)
    for model, future in zip(models, futures, strict=True)
    if future is not None and not future.done()
]
if pending:
    render_pending(pending)
