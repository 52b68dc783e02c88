"""Every page of app.py's navigation opens in a fresh session without an exception, and stays a
thin script (the team's limit of about 250 lines).

A fresh AppTest is a new browser session: empty session state, nothing trained, the shipped
default model active.
"""

from __future__ import annotations

import pytest

from tests.apptest import PAGES, ROOT

PAGE_LINES = 250  # a page script lays out; text, statistics and figures live in mnist_core


def test_every_page_of_the_navigation_is_tested():
    assert len(PAGES) >= 5 and PAGES[0] == "app_pages/home.py", PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_opens_in_a_fresh_session_without_an_exception(app_test, page):
    at = app_test(page)
    assert not at.error, [error.value for error in at.error]
    assert at.title, f"{page} rendered no title"
    assert at.sidebar.metric or at.sidebar.markdown, "the sidebar says which model is active"


@pytest.mark.parametrize("page", PAGES)
def test_page_script_stays_thin(page):
    lines = len((ROOT / page).read_text().splitlines())
    assert lines <= PAGE_LINES, (f"{page} has {lines} lines: move text or statistics into mnist_core, or a "
                                 "page-only helper into ui/widgets.py or the page's *_views.py")
