"""Predictions: how the active model does on the 10,000 MNIST test images.

The evaluation comes from ui.session.evaluation_of (once per model). What depends only
on the model is built once and shared read-only (ui/prediction_views.py). The
explorer (matrix, table, filters) is a fragment, and the grid with its pager and inspector a
fragment inside it: a click reruns only the part it changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core import Evaluation
from mnist_core.charts.gallery import enlarge, png_data_url
from mnist_core.charts.predictions import cell_from_selection, index_from_selection
from mnist_core.serving.browsing import (
    SORT_ORDERS,
    filtered,
    page_caption,
    page_count,
    page_of,
)
from mnist_core.text.links import bad_link_value
from mnist_core.text.runs import settings_summary
from ui import prediction_state as state
from ui.accessibility import TILES_KEY_PREFIX
from ui.prediction_views import (
    PER_CLASS_COLUMNS,
    ModelViews,
    confusion_view,
    model_views,
    outlined_grid,
    probability_view,
)
from ui.resources import Dataset, dataset_or_stop
from ui.session import ActiveModel, active_model, evaluation_of, model_record

CHART_CONFIG = {"displayModeBar": False}


def render_summary(active: ActiveModel, evaluation: Evaluation) -> None:
    """Which model, and its test loss, accuracy and number of mistakes."""
    config = model_record(active)[1]
    settings = settings_summary(config) if config else "settings unknown (no valid sidecar)"
    st.markdown(f"Model: **{active.name}** · {settings}")
    accuracy, loss, wrong = st.columns(3)
    accuracy.metric("Test accuracy", f"{evaluation.accuracy:.2%}", border=True)
    loss.metric("Test loss", f"{evaluation.loss:.4f}", border=True,
                help="Mean cross-entropy on the test set.")
    wrong.metric("Mistakes", f"{evaluation.mistake_count:,} of {len(evaluation.labels):,}", border=True)


def render_first_ten(views: ModelViews, evaluation: Evaluation) -> None:
    """The lesson's step: predict the first ten test images and compare with their labels."""
    st.subheader("The lesson's step: predict the first ten test images", anchor=False)
    first = evaluation.probabilities[0]
    top = int(first.argmax())
    st.code(
        f"predictions = model.predict(test_images[:10])\npredictions[0].argmax()   # {top}\n"
        f"predictions[0][{top}]        # {first[top]:.8f}\n"
        f"test_labels[0]            # {evaluation.labels[0]}",
        language="python",
    )
    st.caption(
        "Each test image with, big, the digit the model predicts and, small, its confidence: "
        "green frame when the prediction equals the true label, red when not."
    )
    tiles = st.container(key=f"{TILES_KEY_PREFIX}first_ten")  # ten small images, no ten "Fullscreen" stops
    for index, column in enumerate(tiles.columns(len(views.first_tiles))):
        right = evaluation.predicted[index] == evaluation.labels[index]
        truth, read = evaluation.labels[index], evaluation.predicted[index]
        column.image(views.first_tiles[index], width="stretch",
                     alt=f"Test image {index}, a {truth}, read as {read}")
        column.metric(f"#{index} · true {evaluation.labels[index]}", int(evaluation.predicted[index]),
                      f"{evaluation.confidence[index]:.1%}", delta_color="normal" if right else "inverse",
                      delta_arrow="off")


@st.fragment
def render_explorer(model_key: str, dataset: Dataset, evaluation: Evaluation) -> None:
    """The matrix, the per-class table and the filtered grid: a click here reruns only this."""
    views = model_views(model_key, evaluation, dataset)
    st.subheader("Where it goes wrong", anchor=False)
    matrix_column, table_column = st.columns([1, 1], gap="medium")
    with matrix_column:
        st.caption("Rows: the true digit. Columns: what the model predicted. Green: right; red: mistakes, "
                   "darker when more. **Click a cell** to show those images below.")
        cell = state.filters().cell
        st.plotly_chart(confusion_view(model_key, cell, views),
                        key=_matrix_key(), on_select=_apply_matrix_click, selection_mode="points",
                        config=CHART_CONFIG)
        with st.expander("The matrix as a table"):  # its text alternative; the filters below reach any cell
            st.dataframe(confusion_table(evaluation.confusion), key="predictions_confusion_table")
    with table_column:
        st.caption("**Precision**: of the images predicted as this digit, the share that really are. "
                   "**Recall**: of the test images of this digit, the share the model found.")
        st.dataframe(views.per_class, key="predictions_per_class", column_config=PER_CLASS_COLUMNS)
    render_filters()
    render_grid_pages(model_key, dataset, evaluation, filtered(evaluation, state.filters()))


def confusion_table(confusion: np.ndarray) -> pd.DataFrame:
    """The confusion matrix int (10, 10) as a table: rows "true 0".., columns "read as 0".."""
    return pd.DataFrame(confusion, index=[f"true {digit}" for digit in range(10)],
                        columns=[f"read as {digit}" for digit in range(10)])


def _matrix_key() -> str:
    return f"predictions_confusion_{st.session_state[state.MATRIX_VERSION_KEY]}"


def _apply_matrix_click() -> None:
    """on_select callback: filter the grid to the clicked (true, predicted) cell."""
    chart = st.session_state.get(_matrix_key())
    cell = cell_from_selection(chart["selection"] if chart else None)
    if cell is None:
        return
    st.session_state[state.TRUE_KEY], st.session_state[state.PREDICTED_KEY] = cell
    if cell[0] == cell[1]:
        st.session_state[state.MISTAKES_KEY] = False  # a diagonal cell holds only right answers
    state.reset_paging()


def render_filters() -> None:
    st.subheader("Browse the test images", anchor=False)
    true_column, predicted_column, order_column, mistakes_column, clear_column = st.columns(
        [2, 2, 4, 2, 2], vertical_alignment="bottom")  # the sort box fits "Most confident mistakes first"
    true_column.selectbox("True digit", state.DIGIT_OPTIONS, key=state.TRUE_KEY, on_change=state.reset_paging)
    predicted_column.selectbox("Predicted digit", state.DIGIT_OPTIONS, key=state.PREDICTED_KEY,
                               on_change=state.reset_paging)
    order_column.selectbox("Sort", list(SORT_ORDERS), format_func=SORT_ORDERS.get, key=state.ORDER_KEY,
                           on_change=state.reset_paging)
    mistakes_column.toggle("Only mistakes", key=state.MISTAKES_KEY, on_change=state.reset_paging)
    clear_column.button("Show all", key="predictions_clear", on_click=state.clear_filters,
                        disabled=not state.filters().active, icon=":material/filter_alt_off:",
                        help="Clear the filters and the confusion-matrix selection.")


@st.fragment
def render_grid_pages(model_key: str, dataset: Dataset, evaluation: Evaluation, indices: np.ndarray) -> None:
    """One page of the grid as ONE picture, the pager and the inspector: a page turn or a
    tile click reruns only this."""
    pages = page_count(len(indices), state.PAGE_SIZE)
    asked = int(st.session_state[state.PAGE_KEY])
    st.session_state[state.PAGE_KEY] = page = min(max(1, asked), pages)
    if asked > page:
        st.warning(bad_link_value("page", str(asked), f"a page of these {pages}", f"page {page}"),
                   icon=":material/link_off:")
    state.write_link(page)
    shown = [int(index) for index in page_of(indices, page - 1, state.PAGE_SIZE)]
    st.session_state[state.SHOWN_KEY] = shown
    _render_pager(page, pages, page_caption(page, pages, len(shown), len(indices), state.PAGE_SIZE))
    if not shown:
        st.info("No test image matches these filters. Change them or click **Show all**.",
                icon=":material/search_off:")
        return
    if st.session_state.get(state.INSPECT_KEY) not in shown:
        st.session_state[state.INSPECT_KEY] = shown[0]
    grid_column, inspect_column = st.columns([7, 3], gap="medium")
    key = f"predictions_grid_{st.session_state[state.GRID_VERSION_KEY]}_{page}"  # no stale tile selection
    inspected = shown.index(st.session_state[state.INSPECT_KEY])
    figure = outlined_grid(model_key, tuple(shown), inspected, evaluation, dataset)
    grid_column.plotly_chart(figure, key=key, config=CHART_CONFIG,
                             on_select=lambda: _apply_grid_click(key), selection_mode="points")
    with inspect_column:
        _render_inspector(model_key, dataset, evaluation, shown)


def _apply_grid_click(key: str) -> None:
    """on_select callback: show the clicked tile in the inspector."""
    chart = st.session_state.get(key)
    index = index_from_selection(chart["selection"] if chart else None)
    if index is not None:
        st.session_state[state.INSPECT_KEY] = index


def _render_pager(page: int, pages: int, caption: str) -> None:
    previous_column, number_column, next_column, caption_column = st.columns([1, 1, 1, 4],
                                                                             vertical_alignment="center")
    previous_column.button("Previous", key="predictions_previous", icon=":material/chevron_left:",
                           disabled=page <= 1, on_click=state.turn_page, args=(-1,), width="stretch")
    number_column.number_input("Page", min_value=1, max_value=pages, step=1, key=state.PAGE_KEY,
                               label_visibility="collapsed",
                               on_change=lambda: st.session_state.pop(state.INSPECT_KEY, None))
    next_column.button("Next", key="predictions_next", icon=":material/chevron_right:", icon_position="right",
                       disabled=page >= pages, on_click=state.turn_page, args=(1,), width="stretch")
    caption_column.caption(f"{caption} · under each image: the predicted digit (and the true one when "
                           "wrong) · green frame: right, red: wrong · hover an image for its test-set index "
                           "and confidence")


def _render_inspector(model_key: str, dataset: Dataset, evaluation: Evaluation, options: list[int]) -> None:
    index = st.selectbox(
        "Inspect an image from this page", options, key=state.INSPECT_KEY,
        format_func=lambda i: f"#{i} · pred {evaluation.predicted[i]} · true {evaluation.labels[i]}",
    )
    label, predicted = int(evaluation.labels[index]), int(evaluation.predicted[index])
    image_column, metric_column = st.columns([3, 2], vertical_alignment="center")
    image_column.image(png_data_url(enlarge(dataset.x_test[index], 196)), caption=f"Test image #{index}",
                       width="content", alt=f"Test image {index}, a {label}, enlarged")
    metric_column.metric("Prediction", predicted, f"{evaluation.confidence[index]:.1%} sure",
                         delta_color="normal" if predicted == label else "inverse", delta_arrow="off")
    metric_column.metric("True digit", label)
    st.page_link("app_pages/network.py", label="Look inside", icon=":material/hub:",
                 query_params={"test": index})  # full width: the metric column clips it at 1280 px
    st.page_link("app_pages/lab.py", icon=":material/science:", query_params={"test": index},
                 label="Why this mistake? Break it in the lab" if predicted != label
                 else "Break it in the lab")
    st.plotly_chart(probability_view(model_key, index, evaluation),
                    key="predictions_probabilities", config=CHART_CONFIG)


st.title("Predictions", anchor=False)
st.caption("How the active model does on the 10,000 test images it never saw while training.")
dataset = dataset_or_stop()
active = active_model()
if active is None:
    st.stop()
evaluation = evaluation_of(active)
views = model_views(active.key, evaluation, dataset)
state.init_state()
render_summary(active, evaluation)
render_first_ten(views, evaluation)
render_explorer(active.key, dataset, evaluation)
