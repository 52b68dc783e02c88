"""The "Your digits" page's views of the session's set: its grid with relabel and delete, a model's
scores on it beside MNIST's, export and import, and a fine-tune's before and after."""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core import DigitFileError, ModelFileError
from mnist_core.charts.gallery import compose_grid, contact_sheet, png_data_url
from mnist_core.config import MODELS_DIR
from mnist_core.digits.collection import MAX_DIGITS
from mnist_core.digits.files import import_into, to_npz
from mnist_core.digits.scoring import score
from mnist_core.serving.evaluation import Evaluation, evaluate
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_network
from mnist_core.serving.network import DenseNetwork
from mnist_core.text import digits as text
from mnist_core.text.format import percent
from mnist_core.text.lab import MODEL_NAMES
from mnist_core.text.runs import outcome_text
from ui.digit_set import digit_set, replace
from ui.job_view import status_box
from ui.resources import load_dataset, load_default
from ui.session import (
    DEFAULT_KEY,
    DEFAULT_NAME,
    DRAWN_INPUT_KEY,
    ActiveModel,
    active_model,
    evaluation_of,
    runs,
)

SELECTED_KEY = "mine_selected"
IMPORTED_KEY = "mine_imported"  # session_state: file id of the last import handled
OUTCOME_KEY = "mine_import_outcome"  # session_state: (kind, message) of the last import
GRID_PAGE = 50  # digits per page of the set's grid


def relabel(label: int) -> None:
    digits, index = digit_set(), st.session_state.get(SELECTED_KEY)
    if index is not None and 0 <= index < len(digits):
        replace(digits.relabel(index, label))


def delete_selected() -> None:
    digits, index = digit_set(), st.session_state.get(SELECTED_KEY)
    if index is not None and 0 <= index < len(digits):
        replace(digits.delete(index))
        if index >= len(digit_set()):
            st.session_state[SELECTED_KEY] = max(0, len(digit_set()) - 1)


def the_set(predicted: np.ndarray | None) -> None:
    """The grid (framed red where the chosen model is wrong), and one digit's relabel and delete."""
    digits = digit_set()
    counts = digits.counts()
    st.caption(f"{len(digits):,} of at most {MAX_DIGITS:,} digits · per digit: "
               + ", ".join(f"{digit}: {count}" for digit, count in enumerate(counts)))
    pages = max(1, -(-len(digits) // GRID_PAGE))
    grid_column, edit_column = st.columns([3, 2], gap="medium")
    with grid_column:
        page = st.number_input("Page", 1, pages, pages, key="mine_page") if pages > 1 else 1
        shown = np.arange((page - 1) * GRID_PAGE, min(page * GRID_PAGE, len(digits)))
        guesses = digits.labels[shown] if predicted is None else predicted[shown]
        st.image(png_data_url(compose_grid(digits.images[shown], guesses, digits.labels[shown], shown)),
                 caption="Each digit with its number; under it the label, or, when the chosen model reads it "
                 "otherwise, its answer and the true label (red).")
    with edit_column:
        index = st.number_input("Digit number", 0, len(digits) - 1, len(digits) - 1, key=SELECTED_KEY)
        drawn, kept = st.columns(2)
        drawn.image(png_data_url(digits.thumbnails[index]), width=80, caption="Drawn")
        kept.image(png_data_url(digits.images[index]), width=80,
                   caption=f"Kept, label {digits.labels[index]}")
        st.caption(text.KEYS_HELP)
        with st.container(horizontal=True):
            for label in range(10):
                st.button(str(label), key=f"mine_label_{label}", on_click=relabel, args=(label,),
                          shortcut=str(label), help=f"Relabel as {label} (key {label})")
        st.button("Delete", key="mine_delete", icon=":material/delete:", on_click=delete_selected,
                  shortcut="Delete", help="Delete this digit (key: Delete)")


SHIPPED_PREFIX = "shipped:"  # model key of a shipped model besides the default: "shipped:seed"
SHIPPED_EXTRA = ("seed", "convnet")  # models/<name>.keras offered when present


@st.cache_resource(show_spinner=False)
def shipped_extra_models() -> tuple[ActiveModel, ...]:
    """The lesson's shipped network (models/seed.keras) and the convnet (models/convnet.keras), those
    present, once per process (read-only, shared)."""
    found = []
    for name in SHIPPED_EXTRA:
        try:
            network, _ = load_network(MODELS_DIR / f"{name}.keras")
        except ModelFileError:
            continue  # not shipped in this copy: not offered
        found.append(ActiveModel(SHIPPED_PREFIX + name, f"{MODEL_NAMES[name]} (shipped)", network, None))
    return tuple(found)


@st.cache_resource(show_spinner="Scoring the model on the 10,000 test images…", max_entries=4)
def _shipped_evaluation(key: str, _network) -> Evaluation:
    dataset = load_dataset()
    return evaluate(_network, dataset.x_test, dataset.y_test)


def mnist_evaluation(model: ActiveModel) -> Evaluation:
    """The model's MNIST test evaluation, computed once (per process for shipped models)."""
    if model.key.startswith(SHIPPED_PREFIX):
        return _shipped_evaluation(model.key, model.network)
    return evaluation_of(model)


def keras_bytes_of(model: ActiveModel) -> bytes | None:
    """The model's .keras file to fine-tune from; None when it cannot be tuned here (a convnet: the
    fine-tune rebuilds a dense chain) or has no file."""
    if not isinstance(model.network, DenseNetwork):
        return None
    if model.run is not None:
        return model.run.keras_bytes
    name = model.key.removeprefix(SHIPPED_PREFIX) if model.key.startswith(SHIPPED_PREFIX) else None
    path = DEFAULT_MODEL_PATH if name is None else MODELS_DIR / f"{name}.keras"
    return path.read_bytes() if path.is_file() else None


def model_choices() -> list[ActiveModel]:
    """The active model first, then this session's runs that can classify, the shipped default and
    the other shipped models present."""
    active = active_model()
    choices = [] if active is None else [active]
    for run in runs().values():
        if run.usable and (active is None or run.id != active.key):
            choices.append(ActiveModel(run.id, run.name, run.network, run))
    if active is not None and active.key != DEFAULT_KEY:
        try:
            choices.append(ActiveModel(DEFAULT_KEY, DEFAULT_NAME, load_default()[0], None))
        except ModelFileError:
            pass  # the active run is offered; the missing default is explained on Draw and Predictions
    return choices + list(shipped_extra_models())


def scores(model: ActiveModel) -> np.ndarray:
    """The model on the set beside MNIST; returns the predictions int64 (N,)."""
    from mnist_core.charts.digits import class_accuracy_figure
    from mnist_core.charts.predictions import confusion_figure

    result = score(model.network, digit_set())
    mnist = mnist_evaluation(model)
    mine_column, mnist_column, gap_column = st.columns(3)
    mine_column.metric("Your digits", percent(result.accuracy),
                       help=f"{result.correct_total} of {result.count} right")
    mnist_column.metric("MNIST test", percent(mnist.accuracy), help="10,000 test images")
    gap_column.metric("Gap", text.change_points(mnist.accuracy, result.accuracy).replace("+", "+ "))
    chart_column, matrix_column = st.columns(2)
    chart_column.plotly_chart(class_accuracy_figure(result.class_accuracy(), mnist.recall, result.counts),
                              key="mine_class_chart", config={"displayModeBar": False})
    matrix_column.plotly_chart(confusion_figure(result.evaluation.confusion), key="mine_confusion",
                               config={"displayModeBar": False})
    mistakes = result.mistakes()
    with st.expander(f"Mistakes ({len(mistakes)}), most confident first", expanded=bool(len(mistakes))):
        if not len(mistakes):
            st.write("None: every digit of your set is read right.")
        else:
            evaluation = result.evaluation
            st.image(png_data_url(compose_grid(digit_set().images[mistakes], evaluation.predicted[mistakes],
                                               evaluation.labels[mistakes], mistakes)))
            rows = [{"Digit number": int(index), "Label": int(evaluation.labels[index]),
                     "Read as": int(evaluation.predicted[index]),
                     **{str(digit): float(evaluation.probabilities[index, digit]) for digit in range(10)}}
                    for index in mistakes]
            st.dataframe(rows, hide_index=True, column_config={
                str(digit): st.column_config.NumberColumn(format="percent") for digit in range(10)})
            break_one(mistakes, evaluation)
    return result.evaluation.predicted


def break_one(mistakes: np.ndarray, evaluation) -> None:
    """Open one mistake in Break it, as "My drawing" (the input Draw leaves there)."""
    pick, go = st.columns([3, 1], vertical_alignment="bottom")
    index = pick.selectbox("Break one of them", mistakes, key="mine_break_pick", format_func=lambda i: (
        f"#{i}: a {evaluation.labels[i]} read as {evaluation.predicted[i]}"))
    if go.button("Open in Break it", icon=":material/science:", key="mine_break", help=text.BREAK_HELP):
        st.session_state[DRAWN_INPUT_KEY] = digit_set().images[int(index)] / np.float32(255)
        st.switch_page("app_pages/lab.py", query_params={"input": "drawing"})


def files() -> None:
    digits = digit_set()
    with st.container(horizontal=True):
        st.download_button("Export (.npz)", to_npz(digits), "my-digits.npz", "application/octet-stream",
                           icon=":material/download:", key="mine_export", disabled=not len(digits),
                           help="x_test uint8 (N, 28, 28) and y_test uint8 (N,), as Keras' mnist.npz")
        st.download_button("Contact sheet (.png)", contact_sheet(digits), "my-digits.png", "image/png",
                           icon=":material/image:", key="mine_sheet", disabled=not len(digits))
    uploaded = st.file_uploader("Import a set you exported (.npz): its digits are added to yours",
                                type=["npz"], key="mine_import")
    if uploaded is not None and st.session_state.get(IMPORTED_KEY) != uploaded.file_id:
        st.session_state[IMPORTED_KEY] = uploaded.file_id
        before = len(digit_set())
        try:
            replace(import_into(digit_set(), uploaded.getvalue()))
        except DigitFileError as error:
            st.session_state[OUTCOME_KEY] = ("error", text.import_failed(uploaded.name, str(error)))
        else:
            added = len(digit_set()) - before
            st.session_state[OUTCOME_KEY] = ("success", text.imported(added, len(digit_set())))
        st.rerun()
    outcome = st.session_state.get(OUTCOME_KEY)
    if outcome is not None:
        (st.error if outcome[0] == "error" else st.success)(outcome[1])


def show_report(run) -> None:
    status_box(run, f"**{run.name}**: {outcome_text(run)}")
    report = run.report
    if not report:
        return
    held, mnist = st.columns(2)
    if report["held_before"] is not None:
        held.metric(f"Held-out digits ({report['held_count']})", percent(report["held_after"]),
                    delta=text.change_points(report["held_before"], report["held_after"]),
                    help=f"before: {percent(report['held_before'])}")
    mnist.metric("MNIST test (10,000)", percent(report["mnist_after"]),
                 delta=text.change_points(report["mnist_before"], report["mnist_after"]),
                 help=f"before: {percent(report['mnist_before'])}")
    if run.keras_bytes is not None:
        st.download_button("Download the tuned model (.keras)", run.keras_bytes, "tuned.keras",
                           key="mine_tuned_download", icon=":material/download:")
