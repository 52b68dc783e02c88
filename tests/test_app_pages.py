"""Every page of app.py's navigation opens in a fresh session without an exception, and stays a
thin script (the team's limit of about 250 lines).

A fresh AppTest is a new browser session: empty session state, nothing trained, the shipped
default model active.
"""

from __future__ import annotations

import pytest

from tests.apptest import PAGES, ROOT

PAGE_LINES = 250  # a page script lays out; text, statistics and figures live in mnist_core


def test_every_page_script_is_in_the_navigation():
    """The navigation lists every script in app_pages/ (so the tests below open each one), Home first."""
    scripts = sorted(f"app_pages/{path.name}" for path in (ROOT / "app_pages").glob("*.py")
                     if path.name != "__init__.py")
    assert sorted(PAGES) == scripts and PAGES[0] == "app_pages/home.py", PAGES


UNTESTED_YET: dict[str, str] = {}  # page -> why it has no tests of its own yet (a strict xfail)


@pytest.mark.parametrize("page", [
    pytest.param(page, marks=pytest.mark.xfail(strict=True, reason=UNTESTED_YET[page]))
    if page in UNTESTED_YET else page for page in PAGES
])
def test_page_has_tests_of_its_own(page):
    """A test module of its own (not this one, nor test_robustness.py's sweep of every page)
    names the page by its path. Strict xfail: remove the entry when its tests land."""
    page_tests = " ".join(path.read_text() for path in (ROOT / "tests").glob("test_*.py")
                          if path.name not in ("test_app_pages.py", "test_robustness.py"))
    assert f'"{page}"' in page_tests


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
