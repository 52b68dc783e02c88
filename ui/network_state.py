"""What Inside the network shows in a session (input, layer, unit, second class) and the link
in the address bar that carries it, model included; the callbacks of its charts and boxes."""

from __future__ import annotations

import dataclasses

import streamlit as st

from mnist_core.charts.network import index_from_selection
from mnist_core.inspection.selection import Selection, parse_selection
from mnist_core.text.network import link_note_text
from mnist_core.text.runs import MODEL_PARAM
from ui.session import DRAWN_INPUT_KEY

STATE_KEY = "network_selection"  # session_state: the Selection shown, mirrored in st.query_params
APPLIED_KEY = "network_applied_params"  # session_state: the query parameters last written
TEST_WIDGET, COMPARE_WIDGET = "network_test_index", "network_compare"
LAYER_WIDGET, UNIT_WIDGET, TOP_WIDGET = "network_pick_layer", "network_pick_unit", "network_pick_top"

def update(**changes) -> None:
    st.session_state[STATE_KEY] = dataclasses.replace(st.session_state[STATE_KEY], **changes)


def pick_typed_test() -> None:
    """on_change of the index box: show that test image (an emptied box changes nothing)."""
    typed = st.session_state[TEST_WIDGET]
    if typed is not None:
        update(test=int(typed), drawing=False)


def pick_top_image() -> None:
    """on_change of the top images' box: the keyboard's way to a click on one of them."""
    picked = st.session_state[TOP_WIDGET]
    if picked is not None:
        update(test=int(picked), drawing=False)
        st.session_state[TOP_WIDGET] = None


def on_click(chart_key: str, **fixed) -> None:
    """A click on a chart whose points carry an index: the unit (with ``layer``) or a test image."""
    index = index_from_selection(st.session_state[chart_key].selection)
    if index is not None:
        update(**fixed, **({"unit": index} if "layer" in fixed else {"test": index, "drawing": False}))


def current_selection(test_count: int, hidden_units: tuple[int, ...]) -> Selection:
    """The Selection from the URL when it changed (a shared link, Look inside), else this session's."""
    params = st.query_params.to_dict()
    if STATE_KEY not in st.session_state or params != st.session_state.get(APPLIED_KEY):
        has_drawing = DRAWN_INPUT_KEY in st.session_state
        selection, notes = parse_selection(params, test_count, hidden_units, has_drawing)
        for note in notes:  # each says what is shown instead
            st.warning(link_note_text(note), icon=":material/link_off:")
        st.session_state[STATE_KEY] = selection
    return st.session_state[STATE_KEY]


def write_params(selection: Selection, model_key: str) -> None:
    """Mirror what is shown in the URL, so the address bar is a link to this view, model included."""
    params = {MODEL_PARAM: model_key, **selection.to_params()}
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[APPLIED_KEY] = params
