"""Fixtures for the real-browser tests: one app server and one Chromium for the whole run.

``app_server`` (tests/conftest.py) runs ``streamlit run app.py`` on a free 127.0.0.1 port and
stops it afterwards; ``chromium`` is Debian's /usr/bin/chromium driven by PyPI playwright.
Each test gets a fresh browser context (so a fresh Streamlit session) through ``session_page``.
A missing Chromium is a failure with a clear message, never a skip.
"""

from __future__ import annotations

import re

import pytest

from harness import browser
from tests.browser import helpers


@pytest.fixture
def session_page(request, app_server, chromium):
    """A fresh Streamlit session: (page, console log), at the app's home page.

    On failure a screenshot lands in artifacts/screenshots/FAILED-<test>.png.
    """
    page, console = browser.new_page(chromium)
    browser.open_app(page, app_server.url)
    yield page, console
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        helpers.screenshot(page, f"FAILED-{name}", full_page=True)
        if hasattr(app_server, "log_tail"):  # shown by pytest with the failure
            print(f"--- last lines of {app_server.log_path}:\n{app_server.log_tail(60)}")
    page.context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each test's call report on the item, for the failure screenshot above."""
    report = yield
    if report.when == "call":
        item.report_call = report
    return report
