"""Every page opens in a fresh session (a new AppTest) without an exception.

A fresh AppTest is a new browser session: empty session state, nothing trained, the shipped
default model active. Importing TensorFlow and loading MNIST make the first page slow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

APP = Path(__file__).resolve().parent.parent / "app.py"
PAGES = ["pages/home.py", "pages/dataset.py", "pages/train.py", "pages/predictions.py", "pages/draw.py"]


@pytest.fixture(autouse=True)
def navigation_app(monkeypatch):
    """Make AppTest run app.py (st.navigation, the sidebar) around the page, as the server does.

    With a pages/ folder AppTest starts in Streamlit's old "pages directory" mode and, after
    ``switch_page``, runs the page file alone. The real server leaves that mode for good once
    app.py calls st.navigation; setting the class flag the same way gives the real app.
    """

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            PagesManager.uses_pages_directory = False
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(app_test_module, "PagesManager", NavigationPagesManager)


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
