"""A session's own digits (``mnist_core.digits.DigitSet``) in ``st.session_state``, and adding the
drawing on a canvas to them (the Your digits page's Keep, Draw's "Wrong? Tell it the right digit").

The set lives in this session only: nothing is written to disk.
"""

from __future__ import annotations

import streamlit as st

from mnist_core import BlankImageError
from mnist_core.digits.collection import MAX_DIGITS, DigitSet
from mnist_core.text import digits as text
from ui.canvas import clear_canvas, current_drawing

DIGITS_KEY = "my_digits"  # session_state: this session's DigitSet
NOTICE_KEY = "my_digits_notice"  # session_state: (kind, message) of the last add, shown once


def digit_set() -> DigitSet:
    """This session's set (empty at first)."""
    return st.session_state.setdefault(DIGITS_KEY, DigitSet.empty())


def replace(digits: DigitSet) -> None:
    st.session_state[DIGITS_KEY] = digits


def add_drawing(canvas_key: str, label: int, clear: bool = True) -> bool:
    """on_click: add the drawing on canvas ``canvas_key`` with ``label``; clear the canvas if asked.
    Leaves a notice (kept, blank, or the set is full); True when the digit was added."""
    digits = digit_set()
    rgba = current_drawing(canvas_key)
    if digits.full:
        st.session_state[NOTICE_KEY] = ("error", text.set_full(MAX_DIGITS))
        return False
    try:
        if rgba is None:
            raise BlankImageError(text.BLANK_DRAWING)
        replace(digits.add_canvas(rgba, label))
    except BlankImageError:
        st.session_state[NOTICE_KEY] = ("warning", text.BLANK_DRAWING)
        return False
    st.session_state[NOTICE_KEY] = ("success", text.kept(label, len(digit_set())))
    if clear:
        clear_canvas(canvas_key)
    return True


def show_notice() -> None:
    """The last add's notice, once."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice is None:
        return
    kind, message = notice
    {"success": st.success, "warning": st.warning, "error": st.error}[kind](message)
