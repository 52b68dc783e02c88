"""Every page opens in a fresh session (a new AppTest) without an exception.

A fresh AppTest is a new browser session: empty session state, nothing trained, the shipped
default model active. Importing TensorFlow and loading MNIST make the first page slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGES = [
    "app_pages/home.py",
    "app_pages/dataset.py",
    "app_pages/train.py",
    "app_pages/predictions.py",
    "app_pages/network.py",
    "app_pages/draw.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_in_a_fresh_session_without_an_exception(page, monkeypatch):
    monkeypatch.chdir(APP.parent)  # .streamlit/config.toml is read from the working folder
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.switch_page(page)
    at.run(timeout=120)
    assert not at.exception, [exception.message for exception in at.exception]
    assert not at.error, [error.value for error in at.error]
    assert at.title, f"{page} rendered no title"
    assert at.sidebar.metric or at.sidebar.markdown, "the sidebar says which model is active"
