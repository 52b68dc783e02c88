"""Small page-only pieces every page may use: links to pages, step headers, code blocks,
the note shown when there is no model.

Layout only: the words come from ``mnist_core`` (e.g. ``mnist_core.lesson.source``) or the page.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from mnist_core.text.runs import NO_MODEL_HELP

CODE_BOX_LINES = 24  # code longer than this scrolls inside a box ...
CODE_BOX_HEIGHT = 440  # ... this many pixels high
# Side-by-side code and results at 1280 px: narrower page margins and 12-px code give each
# column room for a 56-character line (the lesson's longest is 54) beside the results.
SIDE_BY_SIDE_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
[data-testid="stCode"] pre, [data-testid="stCode"] code { font-size: 12px; }
</style>"""


def page_link(page: str, label: str, icon: str) -> None:
    """A link to another page (``app_pages/x.py``), or a plain note while that page is not
    in the navigation."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        st.caption(f"{label} (that page is not available in this version of the app).")


def side_by_side_layout() -> None:
    """Call once at the top of a page that shows code beside its results (see SIDE_BY_SIDE_CSS)."""
    st.html(SIDE_BY_SIDE_CSS)


def step_header(number: int, title: str, explanation: str) -> tuple:
    """A numbered step's title (anchor ``#step-N``) and explanation; returns two equal columns
    (code, result)."""
    st.subheader(f"{number} · {title}", anchor=f"step-{number}", divider="gray")
    st.markdown(explanation)
    return st.columns([1, 1], gap="medium")


def code_block(text: str) -> None:
    """Python code as written: long lines scroll sideways (never wrap mid-statement), long
    blocks scroll inside a box of CODE_BOX_HEIGHT pixels."""
    long = text.count("\n") > CODE_BOX_LINES
    st.code(text, language="python", height=CODE_BOX_HEIGHT if long else "content", wrap_lines=False)


def printout(text: str, caption: str = "What those lines print, just now:") -> None:
    """What some lines of code print, computed just now, under the code that prints it."""
    st.caption(caption)
    code_block(text)


def code_step(number: int, title: str, explanation: str, tabs: dict[str, tuple[str | None, list[str]]],
              links: list[tuple[str, str, str]]) -> tuple:
    """A numbered step (``step_header``): its code column holds ``tabs`` (title -> (caption or
    None, code blocks)), its result column ends with ``links`` (page, label, icon).
    Returns (code column, result area above the links)."""
    code, result = step_header(number, title, explanation)
    for tab, (caption, blocks) in zip(code.tabs(list(tabs)), tabs.values(), strict=True):
        with tab:
            if caption:
                st.caption(caption)
            for block in blocks:
                code_block(block)
    body = result.container()
    with result:
        for page, label, icon in links:
            page_link(page, label, icon)
    return code, body


def explain_missing_model() -> None:
    """What to do when there is no model to use (neither a usable run nor the shipped default)."""
    st.info(NO_MODEL_HELP, icon=":material/build:")
    page_link("app_pages/train.py", "Go to Train", ":material/model_training:")
