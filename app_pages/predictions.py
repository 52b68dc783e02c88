"""Predictions: how the active model does on the 10,000 MNIST test images.

The evaluation (one prediction pass over the test set) comes from app_pages.common.evaluation_of,
cached per model. The confusion matrix and the filters rerun the page; paging and the image
inspector live in a fragment, so a page turn only redraws the grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages.common import ActiveModel, Dataset, active_model, dataset_or_stop, evaluation_of, load_default
from mnist_core import Evaluation, ModelConfig
from mnist_core.charts.predictions import (
    cell_from_selection,
    confusion_figure,
    grid_figure,
    index_from_selection,
    probability_figure,
)
from mnist_core.gallery import (
    SORT_ORDERS,
    compose_grid,
    enlarge,
    framed_tiles,
    page_count,
    page_of,
    select_indices,
    tile_box,
    tile_centres,
)

PAGE_SIZE = 100  # images per grid page: 10 rows of 10
FIRST = 10  # the lesson's step predicts the first ten test images
TRUE_KEY = "predictions_true"  # filter: true digit 0-9, or ANY
PREDICTED_KEY = "predictions_predicted"  # filter: predicted digit 0-9, or ANY
MISTAKES_KEY = "predictions_mistakes_only"
ORDER_KEY = "predictions_order"  # a key of mnist_core.gallery.SORT_ORDERS
PAGE_KEY = "predictions_page"  # 1-based grid page
INSPECT_KEY = "predictions_inspect"  # test index shown large
SHOWN_KEY = "predictions_shown"  # list of the test indices on the current grid page
MATRIX_VERSION_KEY = "predictions_matrix_version"  # bumped to clear the chart's own selection
GRID_VERSION_KEY = "predictions_grid_version"  # bumped when the filters change
GRID_DISPLAY_SCALE = 0.72  # the grid column shows the 956-px picture at about 690 px
ANY = "Any"  # filter value meaning "any digit" (None would show as an empty selectbox)
DIGIT_OPTIONS = [ANY, *range(10)]


def main() -> None:
    st.title("Predictions", anchor=False)
    st.caption("How the active model does on the 10,000 test images it never saw while training.")
    dataset = dataset_or_stop()
    active = active_model()
    if active is None:
        _explain_missing_model()
        st.stop()
    with st.spinner(f"Scoring {active.name} on 10,000 test images…"):
        evaluation = evaluation_of(active)
    _init_state()
    render_summary(active, evaluation)
    render_first_ten(dataset, evaluation)
    render_confusion_and_classes(evaluation)
    render_browser(dataset, evaluation)


def _explain_missing_model() -> None:
    st.info(
        "**What to do:** train a model on the Train page (when it completes, it becomes the active "
        "model), or "
        "restore the shipped file with `git checkout models/default.keras`, or retrain it with "
        "`python -m mnist_core.train --preset best`, then reload this page.",
        icon=":material/build:",
    )
    st.page_link("app_pages/train.py", label="Go to Train", icon=":material/model_training:")


def _init_state() -> None:
    for key, default in (
        (TRUE_KEY, ANY),
        (PREDICTED_KEY, ANY),
        (MISTAKES_KEY, False),
        (ORDER_KEY, "index"),
        (PAGE_KEY, 1),
        (GRID_VERSION_KEY, 0),
        (MATRIX_VERSION_KEY, 0),
    ):
        st.session_state.setdefault(key, default)


# --- Summary and the lesson's step ------------------------------------------------------------


def render_summary(active: ActiveModel, evaluation: Evaluation) -> None:
    """Which model, and its test loss, accuracy and number of mistakes."""
    st.markdown(f"Model: **{active.name}** · {_describe(active)}")
    mistakes = int((evaluation.predicted != evaluation.labels).sum())
    accuracy, loss, wrong = st.columns(3)
    accuracy.metric("Test accuracy", f"{evaluation.accuracy:.2%}", border=True)
    loss.metric(
        "Test loss", f"{evaluation.loss:.4f}", border=True, help="Mean cross-entropy on the test set."
    )
    wrong.metric("Mistakes", f"{mistakes:,} of {len(evaluation.labels):,}", border=True)


def _describe(active: ActiveModel) -> str:
    if active.run is not None:
        return active.run.config.describe()
    _, metadata = load_default()
    try:
        return ModelConfig.from_dict(metadata.get("config") or {}).describe()
    except ValueError:
        return "settings unknown (no valid sidecar)"


def render_first_ten(dataset: Dataset, evaluation: Evaluation) -> None:
    """The lesson's step: predict the first ten test images and compare with their labels."""
    st.subheader("The lesson's step: predict the first ten test images", anchor=False)
    first = evaluation.probabilities[0]
    top = int(first.argmax())
    st.code(
        "predictions = model.predict(test_images[:10])\n"
        f"predictions[0].argmax()   # {top}\n"
        f"predictions[0][{top}]        # {first[top]:.8f}\n"
        f"test_labels[0]            # {int(evaluation.labels[0])}",
        language="python",
    )
    st.caption(
        "Each test image with, big, the digit the model predicts and, small, its confidence: "
        "green frame when the prediction equals the true label, red when not."
    )
    count = min(FIRST, len(evaluation.labels))
    right = evaluation.predicted[:count] == evaluation.labels[:count]
    tiles = framed_tiles(dataset.x_test[:count], right, scale=2, border=3)
    for index, column in enumerate(st.columns(count)):
        with column:
            st.image(tiles[index], width="stretch")
            st.metric(
                f"#{index} · true {int(evaluation.labels[index])}",
                int(evaluation.predicted[index]),
                f"{evaluation.confidence[index]:.1%}",
                delta_color="normal" if right[index] else "inverse",
                delta_arrow="off",
            )


# --- Confusion matrix and per-class table ----------------------------------------------------


def render_confusion_and_classes(evaluation: Evaluation) -> None:
    st.subheader("Where it goes wrong", anchor=False)
    matrix_column, table_column = st.columns([3, 2], gap="medium")
    with matrix_column:
        _render_confusion(evaluation)
    with table_column:
        _render_per_class(evaluation)


def _pair_filter() -> tuple[int, int] | None:
    true_digit, predicted_digit = st.session_state[TRUE_KEY], st.session_state[PREDICTED_KEY]
    return None if ANY in (true_digit, predicted_digit) else (true_digit, predicted_digit)


def _matrix_key() -> str:
    return f"predictions_confusion_{st.session_state[MATRIX_VERSION_KEY]}"


def _render_confusion(evaluation: Evaluation) -> None:
    st.caption(
        "Rows: the true digit. Columns: what the model predicted. Green: right; red: mistakes, "
        "darker when more. **Click a cell** to show those images below."
    )
    st.plotly_chart(
        confusion_figure(evaluation.confusion, highlight=_pair_filter()),
        key=_matrix_key(),
        on_select=_apply_matrix_click,
        selection_mode="points",
        config={"displayModeBar": False},
    )


def _apply_matrix_click() -> None:
    """on_select callback: filter the grid to the clicked (true, predicted) cell."""
    state = st.session_state.get(_matrix_key())
    cell = cell_from_selection(state["selection"] if state else None)
    if cell is None:
        return
    st.session_state[TRUE_KEY], st.session_state[PREDICTED_KEY] = cell
    if cell[0] == cell[1]:
        st.session_state[MISTAKES_KEY] = False  # a diagonal cell holds only right answers
    _reset_paging()


def _render_per_class(evaluation: Evaluation) -> None:
    st.caption(
        "**Precision**: of the images predicted as this digit, the share that really are. "
        "**Recall**: of the test images of this digit, the share the model found."
    )
    st.dataframe(
        per_class_table(evaluation),
        hide_index=False,  # the digit, as a narrow index column
        key="predictions_per_class",
        column_config={
            "Images": st.column_config.NumberColumn(width="small", help="Test images of this digit."),
            "Precision": st.column_config.NumberColumn(format="percent", width="small"),
            "Recall": st.column_config.NumberColumn(format="percent", width="small"),
            "Confused with": st.column_config.TextColumn(
                width="small", help="The wrong digit this digit is most often predicted as, and how often."
            ),
        },
    )


def per_class_table(evaluation: Evaluation) -> pd.DataFrame:
    """One row per digit (the index): precision, recall, the most frequent confusion, test images."""
    confusion = evaluation.confusion
    off_diagonal = confusion - np.diag(np.diag(confusion))
    confused_with = off_diagonal.argmax(axis=1)
    return pd.DataFrame(
        {
            "Precision": evaluation.precision,
            "Recall": evaluation.recall,
            "Confused with": [
                f"{digit} ({off_diagonal[row, digit]}×)" if off_diagonal[row, digit] else "—"
                for row, digit in enumerate(confused_with)
            ],
            "Images": confusion.sum(axis=1),
        },
        index=pd.Index(np.arange(10), name="Digit"),
    )


# --- The browsable grid ---------------------------------------------------------------------


def render_browser(dataset: Dataset, evaluation: Evaluation) -> None:
    """Filters (they rerun the page, so the matrix outline follows them) and the paged grid."""
    st.subheader("Browse the test images", anchor=False)
    true_column, predicted_column, order_column, mistakes_column, clear_column = st.columns(
        [2, 2, 3, 2, 2], vertical_alignment="bottom"
    )
    true_column.selectbox("True digit", DIGIT_OPTIONS, key=TRUE_KEY, on_change=_reset_paging)
    predicted_column.selectbox("Predicted digit", DIGIT_OPTIONS, key=PREDICTED_KEY, on_change=_reset_paging)
    order_column.selectbox(
        "Sort", list(SORT_ORDERS), format_func=SORT_ORDERS.get, key=ORDER_KEY, on_change=_reset_paging
    )
    mistakes_column.toggle("Only mistakes", key=MISTAKES_KEY, on_change=_reset_paging)
    filtered = _filters_active()
    clear_column.button(
        "Show all",
        key="predictions_clear",
        on_click=_clear_filters,
        disabled=not filtered,
        icon=":material/filter_alt_off:",
        help="Clear the filters and the confusion-matrix selection.",
    )
    indices = select_indices(
        evaluation.labels,
        evaluation.predicted,
        evaluation.confidence,
        true_digit=_digit_or_none(st.session_state[TRUE_KEY]),
        predicted_digit=_digit_or_none(st.session_state[PREDICTED_KEY]),
        mistakes_only=st.session_state[MISTAKES_KEY],
        order=st.session_state[ORDER_KEY],
    )
    render_grid_pages(dataset, evaluation, indices)


def _digit_or_none(value: int | str) -> int | None:
    return None if value == ANY else int(value)


def _filters_active() -> bool:
    return (
        st.session_state[TRUE_KEY] != ANY
        or st.session_state[PREDICTED_KEY] != ANY
        or bool(st.session_state[MISTAKES_KEY])
    )


def _reset_paging() -> None:
    st.session_state[PAGE_KEY] = 1
    st.session_state[GRID_VERSION_KEY] += 1
    st.session_state.pop(INSPECT_KEY, None)


def _clear_filters() -> None:
    st.session_state[TRUE_KEY] = ANY
    st.session_state[PREDICTED_KEY] = ANY
    st.session_state[MISTAKES_KEY] = False
    st.session_state[MATRIX_VERSION_KEY] += 1  # a fresh chart key drops the chart's selection
    _reset_paging()


def _turn_page(step: int) -> None:
    st.session_state[PAGE_KEY] += step
    st.session_state.pop(INSPECT_KEY, None)


@st.fragment
def render_grid_pages(dataset: Dataset, evaluation: Evaluation, indices: np.ndarray) -> None:
    """One page of the grid as ONE composed picture, the pager and the inspector (a fragment)."""
    pages = page_count(len(indices), PAGE_SIZE)
    st.session_state[PAGE_KEY] = min(max(1, int(st.session_state[PAGE_KEY])), pages)
    page = st.session_state[PAGE_KEY]
    shown = page_of(indices, page - 1, PAGE_SIZE)
    st.session_state[SHOWN_KEY] = [int(index) for index in shown]
    _render_pager(page, pages, len(shown), len(indices))
    if len(shown) == 0:
        st.info(
            "No test image matches these filters. Change them or click **Show all**.",
            icon=":material/search_off:",
        )
        return
    options = [int(index) for index in shown]
    if st.session_state.get(INSPECT_KEY) not in options:
        st.session_state[INSPECT_KEY] = options[0]
    grid_column, inspect_column = st.columns([7, 3], gap="medium")
    with grid_column:
        _render_grid(dataset, evaluation, shown, options.index(st.session_state[INSPECT_KEY]), page)
    with inspect_column:
        _render_inspector(dataset, evaluation, options)


def _render_grid(
    dataset: Dataset, evaluation: Evaluation, shown: np.ndarray, inspected: int, page: int
) -> None:
    """The page's digits as one picture; clicking a tile opens it in the inspector."""
    grid = compose_grid(dataset.x_test[shown], evaluation.predicted[shown], evaluation.labels[shown], shown)
    hover = [
        f"#{index} · predicted {evaluation.predicted[index]} · true {evaluation.labels[index]}"
        f" · {evaluation.confidence[index]:.1%} sure"
        for index in shown
    ]
    figure = grid_figure(
        grid,
        tile_centres(len(shown)),
        shown.tolist(),
        hover,
        highlight=tile_box(inspected),
        height=round(grid.shape[0] * GRID_DISPLAY_SCALE),
    )
    key = _grid_key(page)
    st.plotly_chart(
        figure,
        key=key,
        on_select=lambda: _apply_grid_click(key),
        selection_mode="points",
        config={"displayModeBar": False},
    )


def _grid_key(page: int) -> str:
    """Per page and filter set, so a stale tile selection never carries over."""
    return f"predictions_grid_{st.session_state[GRID_VERSION_KEY]}_{page}"


def _apply_grid_click(key: str) -> None:
    """on_select callback: show the clicked tile in the inspector."""
    state = st.session_state.get(key)
    index = index_from_selection(state["selection"] if state else None)
    if index is not None:
        st.session_state[INSPECT_KEY] = index


def _render_pager(page: int, pages: int, shown: int, total: int) -> None:
    previous_column, number_column, next_column, caption_column = st.columns(
        [1, 1, 1, 4], vertical_alignment="center"
    )
    previous_column.button(
        "Previous",
        key="predictions_previous",
        icon=":material/chevron_left:",
        disabled=page <= 1,
        on_click=_turn_page,
        args=(-1,),
        width="stretch",
    )
    number_column.number_input(
        "Page",
        min_value=1,
        max_value=pages,
        step=1,
        key=PAGE_KEY,
        label_visibility="collapsed",
        on_change=lambda: st.session_state.pop(INSPECT_KEY, None),
    )
    next_column.button(
        "Next",
        key="predictions_next",
        icon=":material/chevron_right:",
        icon_position="right",
        disabled=page >= pages,
        on_click=_turn_page,
        args=(1,),
        width="stretch",
    )
    first = (page - 1) * PAGE_SIZE + 1 if shown else 0
    caption_column.caption(
        f"Page {page} of {pages} · images {first:,}–{first + shown - 1 if shown else 0:,} "
        f"of {total:,} matching · green frame: right, red: wrong · #n is the test-set index"
    )


def _render_inspector(dataset: Dataset, evaluation: Evaluation, options: list[int]) -> None:
    index = st.selectbox(
        "Inspect an image from this page",
        options,
        format_func=lambda i: f"#{i} · pred {evaluation.predicted[i]} · true {evaluation.labels[i]}",
        key=INSPECT_KEY,
    )
    label, predicted = int(evaluation.labels[index]), int(evaluation.predicted[index])
    image_column, metric_column = st.columns([3, 2], vertical_alignment="center")
    image_column.image(enlarge(dataset.x_test[index], 196), caption=f"Test image #{index}", width="content")
    with metric_column:
        st.metric(
            "Prediction",
            predicted,
            f"{evaluation.confidence[index]:.1%} sure",
            delta_color="normal" if predicted == label else "inverse",
            delta_arrow="off",
        )
        st.metric("True digit", label)
    st.plotly_chart(
        probability_figure(evaluation.probabilities[index], label),
        key="predictions_probabilities",
        config={"displayModeBar": False},
    )


main()
