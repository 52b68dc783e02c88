"""Fixtures for the real-browser tests: one app server and one Chromium for the whole run.

``app_server`` runs ``streamlit run app.py`` on a free 127.0.0.1 port and
stops it afterwards; ``chromium`` is Debian's /usr/bin/chromium driven by PyPI playwright.
Each test gets a fresh browser context (so a fresh Streamlit session) through ``session_page``.
A missing Chromium is a failure with a clear message, never a skip.
"""

from __future__ import annotations

import os
import re
from types import SimpleNamespace

import pytest

from harness import browser
from tests.browser import helpers


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium (playwright Browser) for every browser test of the run.

    Playwright's sync API allows one instance per thread, so every test that drives a
    browser takes this fixture.
    """
    from harness import browser

    try:
        browser.require_chromium()
    except browser.BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        yield chrome
        chrome.close()


@pytest.fixture(scope="session")
def app_server():
    """The app served on 127.0.0.1:<free port> for the whole run; yields the StreamlitServer (``.url``).

    Set MNIST_LAB_URL=http://127.0.0.1:<port> to test an already running server instead
    (handy while iterating; CI leaves it unset).
    """
    if os.environ.get("MNIST_LAB_URL"):
        yield SimpleNamespace(url=os.environ["MNIST_LAB_URL"].rstrip("/"))
        return
    from harness import browser

    # One training job at a time, as the default on a 2-core machine, whatever CI's CPU count.
    server = browser.StreamlitServer(name="browser-tests-server", extra_env={"MNIST_LAB_TRAINING_JOBS": "1"})
    try:
        server.start()
    except browser.BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def session_page(request, app_server, chromium):
    """A fresh Streamlit session: (page, console log), at the app's home page, or at the page a
    test marks with ``@pytest.mark.opens("train")`` (no Home first when the test needs another page).

    A page other than Home is opened by its link (``helpers.open_directly``: Streamlit's own 404s of
    that first load are left out of the console log).
    On failure a screenshot lands in artifacts/screenshots/FAILED-<test>.png.
    """
    marker = request.node.get_closest_marker("opens")
    path = marker.args[0] if marker else ""
    page, console = browser.new_page(chromium)
    helpers.open_directly(page, console, app_server.url, path)
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


# The browser tests that wait for real training, about half of the browser tests' time.
TRAINING_FILES = {"test_queue_waits.py", "test_robustness.py", "test_e2e.py", "test_reload.py",
                  "test_training_jobs.py", "test_serving.py", "test_concurrency.py", "test_train_form.py",
                  "test_phone.py", "test_layout.py"}


def pytest_collection_modifyitems(config, items):
    """Every test here is a browser test (marked ``browser``). Under pytest-xdist (``-n 2 --dist
    loadgroup``) the browser tests run as two groups, each in one worker with its own app server
    and Chromium: the tests that wait for real training, and the rest. Together in one worker they
    were CI's critical path while the other worker idled."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.browser)  # every test here (tests/conftest.py skips the folder by it)
            group = "browser-training" if item.path.name in TRAINING_FILES else "browser-pages"
            item.add_marker(pytest.mark.xdist_group(group))
