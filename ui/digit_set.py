"""A session's own digits (``mnist_core.digits.DigitSet``) in ``st.session_state``, and adding the
drawing on a canvas to them (the Your digits page's Keep, Draw's "Wrong? Tell it the right digit").

The set lives in this session only (and, for a reload, in the server's memory under the browser's
cookie, as the session's runs do: ``ui.session.KEPT_KEYS``): nothing is written to disk.
"""

from __future__ import annotations

import streamlit as st

from mnist_core import BlankImageError
from mnist_core.digits.collection import MAX_DIGITS, DigitSet
from mnist_core.text import digits as text
from ui.canvas import clear_canvas, current_drawing
from ui.session import DIGITS_KEY

ADDED_KEY = "my_digits_added"  # session_state: True from an add until the page that made it reruns


def digit_set() -> DigitSet:
    """This session's set (empty at first)."""
    return st.session_state.setdefault(DIGITS_KEY, DigitSet.empty())


def replace(digits: DigitSet) -> None:
    st.session_state[DIGITS_KEY] = digits


def _notice_key(canvas_key: str) -> str:
    return f"{canvas_key}_notice"  # session_state: (kind, message) of the last add from that canvas


def add_drawing(canvas_key: str, label: int, clear: bool = True) -> bool:
    """on_click: add the drawing on canvas ``canvas_key`` with ``label``; clear the canvas if asked.
    Leaves a notice (kept, blank, or the set is full) for ``show_notice``; True when added."""
    digits = digit_set()
    rgba = current_drawing(canvas_key)
    notice = _notice_key(canvas_key)
    if digits.full:
        st.session_state[notice] = ("error", text.set_full(MAX_DIGITS))
        return False
    try:
        if rgba is None:
            raise BlankImageError(text.BLANK_DRAWING)
        replace(digits.add_canvas(rgba, label))
    except BlankImageError:
        st.session_state[notice] = ("warning", text.BLANK_DRAWING)
        return False
    st.session_state[notice] = ("success", text.kept(label, len(digit_set())))
    st.session_state[ADDED_KEY] = True
    if clear:
        clear_canvas(canvas_key)
    return True


def just_added() -> bool:
    """True once after an add (a fragment that added a digit reruns the whole page with it)."""
    return st.session_state.pop(ADDED_KEY, False)


def show_notice(canvas_key: str) -> None:
    """The notice of the last add from canvas ``canvas_key``, until the next one replaces it."""
    notice = st.session_state.get(_notice_key(canvas_key))
    if notice is None:
        return
    kind, message = notice
    {"success": st.success, "warning": st.warning, "error": st.error}[kind](message)
