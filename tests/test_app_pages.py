"""Every page of app.py's navigation opens in a fresh session without an exception, and stays a
thin script (the team's limit of about 250 lines).

A fresh AppTest is a new browser session: empty session state, nothing trained, the shipped
default model active.
"""

from __future__ import annotations

import pytest

from tests.apptest import PAGES, ROOT

PAGE_LINES = 250  # a page script lays out; text, statistics and figures live in mnist_core


def test_every_page_script_is_in_the_navigation_and_has_tests_of_its_own():
    """The navigation lists every script in app_pages/ (so the tests below open each one), Home
    first, and some tests/test_app_*.py opens each page by its path."""
    scripts = sorted(f"app_pages/{path.name}" for path in (ROOT / "app_pages").glob("*.py")
                     if path.name != "__init__.py")
    assert sorted(PAGES) == scripts and PAGES[0] == "app_pages/home.py", PAGES
    page_tests = " ".join(path.read_text() for path in (ROOT / "tests").glob("test_app_*.py")
                          if path.name != "test_app_pages.py")
    assert [page for page in PAGES if f'"{page}"' not in page_tests] == []


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_in_a_fresh_session_without_an_exception(app_test, page):
    at = app_test(page)
    assert not at.error, [error.value for error in at.error]
    assert at.title, f"{page} rendered no title"
    sidebar = [element.value for element in [*at.sidebar.caption, *at.sidebar.markdown]]
    assert "Active model" in sidebar, sidebar
    assert "**Default model** · shipped `models/default.keras`" in sidebar, "a fresh session: the default"


@pytest.mark.parametrize("page", PAGES)
def test_page_script_stays_thin(page):
    lines = len((ROOT / page).read_text().splitlines())
    assert lines <= PAGE_LINES, (f"{page} has {lines} lines: move text or statistics into mnist_core, or a "
                                 "page-only helper into ui/widgets.py or the page's *_views.py")
