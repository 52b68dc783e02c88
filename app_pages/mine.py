"""Your digits: a personal test set drawn here, scored beside MNIST's, exported and imported, and
a fine-tune of the network on it. The set lives in this session only (ui/digit_set.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core import BlankImageError
from mnist_core.charts.gallery import png_data_url, tile_strip
from mnist_core.digits.collection import prompt_digit
from mnist_core.reading.preprocess import canvas_to_mnist_steps
from mnist_core.text import digits as text
from mnist_core.text.runs import job_error_text
from mnist_core.training.keeper import KEEP_SECONDS
from mnist_core.training.queue import JobError
from mnist_core.training.tuning import MIN_TUNE_DIGITS, FinetuneJob, split_held_out
from ui.canvas import drawing_canvas
from ui.digit_set import add_drawing, digit_set, just_added, show_notice
from ui.digit_views import files, keras_bytes_of, model_choices, scores, show_report, the_set
from ui.job_view import render_live
from ui.session import FINETUNE_RUN_KEY, ActiveModel, runs, start_run, sync_runs
from ui.widgets import explain_missing_model

CANVAS = "mine_canvas"
MODE_KEY = "mine_mode"
PER_DIGIT_KEY = "mine_per_digit"
POSITION_KEY = "mine_prompt_position"  # session_state: place in the prompted round (0-based)
FREE_LABEL_KEY = "mine_free_label"
PEN_WIDTH = 20


def keep_prompted(label: int) -> None:
    if add_drawing(CANVAS, label):
        st.session_state[POSITION_KEY] = st.session_state.get(POSITION_KEY, 0) + 1


def restart_round() -> None:
    st.session_state[POSITION_KEY] = 0


@st.fragment
def collect() -> None:
    """The canvas, what it becomes (28x28), and Keep with the prompted or chosen label. A fragment: a
    stroke reruns only this part; a Keep reruns the page, whose set, scores and files change."""
    if just_added():
        st.rerun()
    mode = st.segmented_control("Mode", ["Prompted", "Free"], default="Prompted", key=MODE_KEY,
                                required=True)
    canvas_column, side_column = st.columns([3, 4], gap="medium")
    label = None
    with side_column:
        if mode == "Prompted":
            per_digit = st.number_input("How many of each digit", 1, 50, 2, key=PER_DIGIT_KEY)
            position = st.session_state.get(POSITION_KEY, 0)
            label = prompt_digit(position, int(per_digit))
            if label is None:
                st.success(f"Round complete: {10 * int(per_digit)} digits kept.")
                st.button("Another round", on_click=restart_round, key="mine_round")
            else:
                st.markdown(f"## {text.prompt(label)}")
                st.caption(text.prompt_progress(position, 10 * int(per_digit)) + " · " + text.PROMPTED_HELP)
        else:
            label = st.segmented_control("Label", list(range(10)), default=0, key=FREE_LABEL_KEY,
                                         required=True)
            st.caption(text.FREE_HELP)
    with canvas_column:
        rgba = drawing_canvas(PEN_WIDTH, lambda: st.caption(f"Pen {PEN_WIDTH} px"), key=CANVAS)
    try:
        steps = None if rgba is None else canvas_to_mnist_steps(rgba)
    except BlankImageError:
        steps = None
    with side_column:
        if steps is not None:
            st.image(png_data_url((steps.centred * 255).astype(np.uint8)), width=84,
                     caption="What is kept (28×28)", alt="The digit as it is kept, 28×28")
        if label is not None:
            st.button(f"Keep as {label}", key="mine_keep", type="primary", icon=":material/add:",
                      on_click=keep_prompted if mode == "Prompted" else add_drawing,
                      args=(label,) if mode == "Prompted" else (CANVAS, label),
                      disabled=steps is None or digit_set().full, shortcut="Enter",
                      help="Keep this drawing with this label (key: Enter).")
        show_notice(CANVAS)


def finetune(model: ActiveModel) -> None:
    st.caption(text.FINETUNE_INTRO)
    digits = digit_set()
    tune, held = split_held_out(digits.labels)
    run = runs().get(st.session_state.get(FINETUNE_RUN_KEY) or "")
    if run is not None and not run.finished:
        render_live(run, "mine_live")
        return
    if run is not None:
        show_report(run)
    if len(tune) < MIN_TUNE_DIGITS:
        st.info(text.too_few_to_tune(len(tune), MIN_TUNE_DIGITS))
        return
    st.markdown(text.split_line(len(tune), len(held)))
    if len(held):
        st.image(png_data_url(tile_strip(digits.images[held], columns=20, scale=2)), caption="Held out",
                 alt="The digits held out")
    keras_bytes = keras_bytes_of(model)
    if st.button(f"Fine-tune {model.name} on your digits", key="mine_finetune", type="primary",
                 icon=":material/tune:", disabled=keras_bytes is None,
                 help=text.CANNOT_TUNE if keras_bytes is None else None):
        job = FinetuneJob(model.name, keras_bytes, digits.images[tune], digits.labels[tune],
                          digits.images[held], digits.labels[held])
        try:
            tuned = start_run(job.config(model.network), job)
        except JobError as error:  # this session's run is busy, or the queue is full
            st.error(job_error_text(error))
            return
        tuned.name = text.tuned_run_name(tuned.name, model.name)
        st.session_state[FINETUNE_RUN_KEY] = tuned.id
        st.rerun()


st.title("Your digits")
st.caption(text.INTRO)
st.info(text.privacy(KEEP_SECONDS / 60), icon=":material/lock:")
sync_runs()
st.subheader("1 · Collect")
collect()
digits = digit_set()
if not len(digits):
    st.subheader("Import")
    files()
    st.caption(text.EMPTY_SET)
    st.stop()
choices = model_choices()
if not choices:
    explain_missing_model()
    st.stop()
st.subheader("2 · Score")
names = {model.key: model for model in choices}
key = st.selectbox("Model", list(names), format_func=lambda key: names[key].name, key="mine_model")
predicted = scores(names[key])
st.subheader("3 · Your set")
the_set(predicted)
st.subheader("4 · Export and import")
files()
st.subheader("5 · Fine-tune")
finetune(names[key])
