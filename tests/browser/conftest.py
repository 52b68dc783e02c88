"""Fixtures for the real-browser tests: one app server and one Chromium for the whole run.

``app_server`` runs ``streamlit run app.py`` on a free 127.0.0.1 port from the repo root and
stops it afterwards; ``chromium`` is Debian's /usr/bin/chromium driven by PyPI playwright.
Each test gets a fresh browser context (so a fresh Streamlit session) through ``session_page``.
A missing Chromium is a failure with a clear message, never a skip.
"""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

import pytest

from tests.browser import helpers


@pytest.fixture(scope="session")
def app_server():
    """The app served on 127.0.0.1:<free port>; yields the StreamlitServer (``.url``).

    Set MNIST_LAB_URL=http://127.0.0.1:<port> to test an already running server instead
    (handy while iterating; CI leaves it unset).
    """
    if os.environ.get("MNIST_LAB_URL"):
        yield SimpleNamespace(url=os.environ["MNIST_LAB_URL"].rstrip("/"))
        return
    server = helpers.StreamlitServer(name="browser-tests-server")
    try:
        server.start()
    except helpers.BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def session_page(request, app_server, chromium):
    """A fresh Streamlit session: (page, console log), at the app's home page.

    On failure a screenshot lands in artifacts/screenshots/FAILED-<test>.png.
    """
    page, console = helpers.new_page(chromium)
    helpers.open_app(page, app_server.url)
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
