"""The Break-it page's controls: which widget holds what, and the page's state mirrored in the URL
(read when a link opens the page, written after every change)."""

from __future__ import annotations

import streamlit as st

from mnist_core.lab.state import LabState, parse_params, to_params
from mnist_core.lab.transforms import Edits
from ui.session import DRAWN_INPUT_KEY

STATE_KEY = "lab_state"  # session_state: the LabState shown, mirrored in st.query_params
APPLIED_KEY = "lab_applied_params"  # session_state: the query parameters last read or written
NOTES_KEY = "lab_url_notes"  # session_state: notes on URL values just ignored
ATTACK_KEY = "lab_targeted"  # session_state: (input fingerprint, target, budget) -> results
W = {
    name: f"lab_{name}"
    for name in (
        "source",
        "test",
        "dx",
        "dy",
        "rot",
        "scale",
        "stroke",
        "noise",
        "erase",
        "row",
        "col",
        "invert",
        "eps",
        "target",
        "budget",
    )
}
SOURCE_LABELS = {"test": "A test digit", "drawing": "My drawing"}
CONTROL_FIELDS = {
    "shift": ("shift_x", "shift_y"),
    "rotation": ("rotation",),
    "scale": ("scale",),
    "stroke": ("stroke",),
    "noise": ("noise",),
    "erase": ("erase",),
    "invert": ("invert",),
}


def sync_from_url(test_count: int) -> None:
    """Read the URL into the widgets when it changed (a shared link, a link from another page)."""
    params = st.query_params.to_dict()
    if STATE_KEY in st.session_state and params == st.session_state.get(APPLIED_KEY):
        return
    state, notes = parse_params(params, test_count, DRAWN_INPUT_KEY in st.session_state)
    st.session_state[NOTES_KEY] = notes
    set_widgets(state)
    st.session_state[APPLIED_KEY] = params


def set_widgets(state: LabState) -> None:
    values = {
        "source": state.source,
        "test": state.test,
        "dx": state.edits.shift_x,
        "dy": state.edits.shift_y,
        "rot": int(state.edits.rotation),
        "scale": state.edits.scale,
        "stroke": state.edits.stroke,
        "noise": state.edits.noise,
        "erase": state.edits.erase,
        "row": state.edits.erase_row,
        "col": state.edits.erase_column,
        "invert": state.edits.invert,
        "eps": state.epsilon,
        "target": state.target,
        "budget": state.budget,
    }
    for name, value in values.items():
        st.session_state[W[name]] = value
    st.session_state[STATE_KEY] = state


def state_from_widgets(source: str | None = None) -> LabState:
    """The state the widgets show (a widget not on screen, or emptied, counts as its default);
    ``source`` overrides the input actually shown."""
    default = LabState()

    def value(name: str, fallback):
        found = st.session_state.get(W[name])
        return fallback if found is None else found

    edits = Edits(
        int(value("dx", 0)),
        int(value("dy", 0)),
        float(value("rot", 0)),
        float(value("scale", 1.0)),
        int(value("stroke", 0)),
        float(value("noise", 0.0)),
        value("erase", "none"),
        int(value("row", default.edits.erase_row)),
        int(value("col", default.edits.erase_column)),
        bool(value("invert", False)),
    )
    return LabState(
        source or value("source", "test"),
        int(value("test", 0)),
        edits,
        float(value("eps", default.epsilon)),
        st.session_state.get(W["target"]),
        float(value("budget", default.budget)),
    )


def write_params(state: LabState) -> None:
    """Mirror what is shown in the URL, so the address bar is a link to this view."""
    params = to_params(state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[APPLIED_KEY] = params
    st.session_state[STATE_KEY] = state


def reset_edits() -> None:
    state = st.session_state[STATE_KEY]
    set_widgets(LabState(state.source, state.test, Edits(), state.epsilon, state.target, state.budget))


def pick(test: int) -> None:
    st.session_state[W["source"]] = "test"
    st.session_state[W["test"]] = int(test)


