"""What Predictions remembers in a session: its filters, grid page and inspected image, and the
link in the address bar that carries them (true, predicted, mistakes, sort, page)."""

from __future__ import annotations

import streamlit as st

from mnist_core.serving.browsing import LINK_PARAMS, Filters, filters_from_params, filters_to_params
from mnist_core.text.links import bad_link_value

PAGE_SIZE = 100  # images per grid page: 10 rows of 10
TRUE_KEY = "predictions_true"  # filter: true digit 0-9, or ANY
PREDICTED_KEY = "predictions_predicted"  # filter: predicted digit 0-9, or ANY
MISTAKES_KEY = "predictions_mistakes_only"
ORDER_KEY = "predictions_order"  # a key of mnist_core.serving.browsing.SORT_ORDERS
PAGE_KEY = "predictions_page"  # 1-based grid page
INSPECT_KEY = "predictions_inspect"  # test index shown large
SHOWN_KEY = "predictions_shown"  # list of the test indices on the current grid page
MATRIX_VERSION_KEY = "predictions_matrix_version"  # bumped to clear the chart's own selection
GRID_VERSION_KEY = "predictions_grid_version"  # bumped when the filters change
LINK_KEY = "predictions_link"  # the query parameters last written: a different URL is a shared link
ANY = "Any"  # filter value meaning "any digit" (None would show as an empty selectbox)
DIGIT_OPTIONS = [ANY, *range(10)]


def init_state() -> None:
    defaults = {TRUE_KEY: ANY, PREDICTED_KEY: ANY, MISTAKES_KEY: False, ORDER_KEY: "index", PAGE_KEY: 1,
                GRID_VERSION_KEY: 0, MATRIX_VERSION_KEY: 0}
    for key, default in defaults.items():
        st.session_state.setdefault(key, default)
    apply_link()


def apply_link() -> None:
    """A link's filters and page (true, predicted, mistakes, sort, page), when the URL says
    something other than what this page last wrote there: a shared link, or a reload."""
    params = {name: st.query_params[name] for name in LINK_PARAMS if name in st.query_params}
    if params == st.session_state.get(LINK_KEY, {}):
        return
    filters, page, problems = filters_from_params(params)
    st.session_state[TRUE_KEY] = ANY if filters.true_digit is None else filters.true_digit
    st.session_state[PREDICTED_KEY] = ANY if filters.predicted_digit is None else filters.predicted_digit
    st.session_state[MISTAKES_KEY] = filters.mistakes_only
    st.session_state[ORDER_KEY] = filters.order
    st.session_state[PAGE_KEY] = page
    st.session_state[GRID_VERSION_KEY] += 1
    st.session_state[MATRIX_VERSION_KEY] += 1
    st.session_state.pop(INSPECT_KEY, None)
    for problem in problems:
        st.warning(bad_link_value(problem.name, problem.value, problem.allowed, problem.shown),
                   icon=":material/link_off:")


def write_link(page: int) -> None:
    """Mirror the filters and page in the URL, so the address bar is a link to this view."""
    params = filters_to_params(filters(), page)
    if {name: st.query_params[name] for name in LINK_PARAMS if name in st.query_params} != params:
        for name in LINK_PARAMS:
            st.query_params.pop(name, None)
        st.query_params.update(params)
    st.session_state[LINK_KEY] = params


def filters() -> Filters:
    digit = {ANY: None, **{value: int(value) for value in range(10)}}
    return Filters(digit[st.session_state[TRUE_KEY]], digit[st.session_state[PREDICTED_KEY]],
                   bool(st.session_state[MISTAKES_KEY]), st.session_state[ORDER_KEY])


def reset_paging() -> None:
    st.session_state[PAGE_KEY] = 1
    st.session_state[GRID_VERSION_KEY] += 1
    st.session_state.pop(INSPECT_KEY, None)


def clear_filters() -> None:
    st.session_state[TRUE_KEY] = st.session_state[PREDICTED_KEY] = ANY
    st.session_state[MISTAKES_KEY] = False
    st.session_state[MATRIX_VERSION_KEY] += 1  # a fresh chart key drops the chart's selection
    reset_paging()


def turn_page(step: int) -> None:
    st.session_state[PAGE_KEY] += step
    st.session_state.pop(INSPECT_KEY, None)
