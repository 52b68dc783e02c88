"""The Break-it page's models and curves (the shipped ones shared by the whole server process,
``st.cache_resource``; a session's own model measured in the background) and its sections:
every model's answers, the adversarial pixels, the robustness curves."""

from __future__ import annotations

import hashlib
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import streamlit as st

from mnist_core.charts.drawing import probability_bars
from mnist_core.charts.gallery import png_data_url
from mnist_core.charts.lab import curve_markdown, curves_figure, enlarged, perturbation_picture
from mnist_core.config import MODELS_DIR
from mnist_core.errors import MnistLabError
from mnist_core.lab import attacks
from mnist_core.lab import curves as lab_curves
from mnist_core.lab.curves import AXES, CurveCache, Curves
from mnist_core.lab.state import MAX_BUDGET, MAX_EPSILON
from mnist_core.lab.transforms import Edits
from mnist_core.serving.model_files import load_network
from mnist_core.text import lab as text
from mnist_core.text.lab import MISSING_MODEL, MODEL_NAMES
from ui.lab_controls import ATTACK_KEY, CONTROL_FIELDS, W, state_from_widgets
from ui.resources import load_dataset
from ui.session import DEFAULT_KEY, active_model

SHIPPED = ("seed", "default", "convnet")  # models/<key>.keras, in the page's order
CHART = {"displayModeBar": False}


@dataclass(frozen=True)
class LabModel:
    """One model on the page: ``key`` (a shipped name or a run id), ``name`` as shown, its network
    (a ``Classifier``), and its curves (None while a session model's are being measured)."""

    key: str
    name: str
    network: object
    curves: Curves | None


@st.cache_resource(show_spinner="Loading the shipped models…")
def shipped_models() -> tuple[tuple[LabModel, ...], tuple[str, ...]]:
    """The shipped seed, default and convnet networks with their shipped curves (None when the
    curves file is missing or stale: ``measured`` then has them measured in the background),
    and a note per model that could not be loaded."""
    models, problems = [], []
    for key in SHIPPED:
        path = MODELS_DIR / f"{key}.keras"
        try:
            network, _ = load_network(path)
        except MnistLabError as error:
            reason = f"no file models/{key}.keras" if not path.is_file() else error
            preset = "best" if key == "default" else key
            problems.append(MISSING_MODEL.format(name=MODEL_NAMES[key], reason=reason, key=key,
                                                 preset=preset))
            continue
        models.append(LabModel(key, MODEL_NAMES[key], network, lab_curves.load_shipped(path, network)))
    return tuple(models), tuple(problems)


@st.cache_resource(show_spinner=False, on_release=CurveCache.close)
def curve_cache() -> CurveCache:
    """The server's one background computation of the curves of session models (and of shipped
    models whose curves file is missing or stale)."""
    return CurveCache()


def session_model() -> LabModel | None:
    """The session's active model when it is not the shipped default (None otherwise)."""
    active = active_model()
    if active is None or active.key == DEFAULT_KEY:
        return None
    return LabModel(active.key, active.name, active.network, None)


def measured(model: LabModel) -> tuple[LabModel, Future | None]:
    """``model`` with its curves when they are known or measured; else as it is, with the Future
    of the background thread measuring them (started on the first call for that model)."""
    if model.curves is not None:
        return model, None
    dataset = load_dataset()
    future = curve_cache().submit(model.network, dataset.x_test, dataset.y_test)
    if future.done() and future.exception() is None:
        return LabModel(model.key, model.name, model.network, future.result()), None
    return model, future


def render_answers(models: list[LabModel], image: np.ndarray, truth: int | None, prefix: str) -> None:
    columns = st.columns(len(models))
    probabilities = [model.network.probabilities(image)[0] for model in models]
    for column, model, values in zip(columns, models, probabilities, strict=True):
        with column:
            st.markdown(text.reads(model.name, values, truth))
            st.caption(text.MODEL_NOTES.get(model.key, text.SESSION_MODEL_NOTE))
            st.plotly_chart(probability_bars(values, height=180), key=f"{prefix}_{model.key}", config=CHART)


def render_fgsm(models: list[LabModel], image: np.ndarray, truth: int | None, epsilon: float) -> None:
    st.subheader("Adversarial pixels", divider="gray")
    st.markdown(text.FGSM_HELP)
    st.slider("ε (how far each pixel may move)", 0.0, MAX_EPSILON, step=0.01, key=W["eps"])
    columns = st.columns(len(models))
    for column, model in zip(columns, models, strict=True):
        label = truth if truth is not None else int(model.network.probabilities(image)[0].argmax())
        attacked = attacks.fgsm(model.network, image, [label], epsilon)[0]
        with column:
            pictures = st.columns(2)
            pictures[0].image(
                png_data_url(perturbation_picture(attacked - image.reshape(-1), epsilon)),
                caption=text.PERTURBATION_CAPTION.format(name=model.name),
                width="stretch",
            )
            pictures[1].image(
                png_data_url(enlarged(attacked.reshape(28, 28), 4)),
                caption="The attacked digit",
                width="stretch",
            )
            st.markdown(text.reads(model.name, model.network.probabilities(attacked)[0], truth))


def render_targeted(models: list[LabModel], image: np.ndarray) -> None:
    st.markdown(
        "**Targeted: make it read as a digit you choose.** "
        + text.TARGETED_HELP.format(steps=attacks.TARGETED_STEPS)
    )
    target_column, budget_column = st.columns(2)
    target_column.segmented_control("Make it read as", list(range(10)), key=W["target"])
    budget_column.slider("Budget (largest change of any pixel)", 0.0, MAX_BUDGET, step=0.01, key=W["budget"])
    target, budget = st.session_state.get(W["target"]), state_from_widgets().budget
    if target is None:
        return
    key = (hashlib.sha1(image.tobytes()).hexdigest(), target, budget, tuple(model.key for model in models))
    stored = st.session_state.get(ATTACK_KEY)
    if stored is None or stored[0] != key:
        results = [attacks.targeted(model.network, image, target, budget) for model in models]
        st.session_state[ATTACK_KEY] = stored = (key, results)
    columns = st.columns(len(models))
    for column, model, result in zip(columns, models, stored[1], strict=True):
        with column:
            st.image(png_data_url(enlarged(result.images[0].reshape(28, 28), 4)), width=112)
            st.markdown(
                text.targeted_outcome(
                    model.name, target, bool(result.success[0]), int(result.steps[0]), budget
                )
            )


def explain_edits(models: list[LabModel], edits: Edits) -> None:
    """A few sentences for each change on screen; for shifts, the measured accuracy of each model."""
    measured = {model.name: model.curves for model in models if model.curves is not None}
    default = Edits()
    changed = [
        name
        for name, fields in CONTROL_FIELDS.items()
        if any(getattr(edits, field) != getattr(default, field) for field in fields)
    ]
    if not changed:
        st.caption(text.NO_CHANGE)
    for name in changed:
        st.markdown(text.CONTROL_HELP[name])
    for axis, pixels in (("shift_x", edits.shift_x), ("shift_y", edits.shift_y)):
        if pixels:
            st.markdown(text.shift_result(measured, pixels, axis))


def render_curves(models: list[LabModel]) -> None:
    st.subheader("Robustness over all 10,000 test digits", divider="gray")
    st.markdown(text.CURVES_HELP)
    measured = {model.name: model.curves for model in models if model.curves is not None}
    axis = (
        st.segmented_control(
            "Change",
            list(AXES),
            format_func=lambda name: text.CURVE_TITLES[name],
            default="shift_x",
            key="lab_curve_axis",
        )
        or "shift_x"
    )
    if measured:
        st.plotly_chart(curves_figure(measured, axis), key="lab_curves", config=CHART)
        with st.expander("The same figures as a table"):
            st.markdown(curve_markdown(measured, axis))
    by_key = {model.key: model.curves for model in models if model.curves is not None}
    if axis in ("shift_x", "shift_y"):
        st.markdown(text.shift_result(measured, 4, axis))
        if "seed" in by_key and "convnet" in by_key:
            augmented = by_key["default"].at("shift_x", 4) if "default" in by_key else None
            st.markdown(text.shift_gap(by_key["seed"].at("shift_x", 4), by_key["convnet"].at("shift_x", 4),
                                       augmented))
    elif axis == "epsilon" and "seed" in by_key and "convnet" in by_key:
        st.markdown(
            text.convnet_fooled(by_key["seed"].at("epsilon", 0.1), by_key["convnet"].at("epsilon", 0.1), 0.1)
        )
    else:
        st.markdown(
            text.CONTROL_HELP[
                "stroke" if axis == "stroke" else axis if axis in text.CONTROL_HELP else "shift"
            ]
        )


