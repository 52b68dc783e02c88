"""Every page opens from the sidebar without errors, and the Streamlit server serves without
TensorFlow: after a session opens every page from the sidebar, classifies a drawing, turns a page
of predictions and trains a run (in the training worker process), the server process itself
has mapped no TensorFlow library. One session's tour of the pages serves both claims (each page
rendered, current, error-free and screenshotted; then the server's libraries checked).
Checked in /proc/<server pid>/maps of the browser tests' own
server (``app_server``): a library once mapped stays mapped, so the check also covers whatever the
tests before this one made that server do, and a server of its own would only add a start-up and a
second TensorFlow worker to wait for.

Importing ``keras`` imports its TensorFlow backend, whose shared libraries
(``libtensorflow_framework.so``, ``_pywrap_tensorflow_internal.so``) then stay mapped in the
process: they are the trace of any import of Keras or TensorFlow, ``sys.modules`` being out of
reach from outside. The same check must find them in the server's training worker, which
imports Keras: that shows it sees them when they are there.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from harness import browser, strokes
from tests.apptest import PAGE_TITLES
from tests.browser import helpers

pytestmark = pytest.mark.browser
TENSORFLOW_LIBRARY = re.compile(r"(libtensorflow[^/\s]*\.so|_pywrap_tensorflow[^/\s]*\.so)")


def tensorflow_libraries(pid: int) -> set[str]:
    """File names of TensorFlow's shared libraries mapped into process ``pid``."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {match.group(1) for match in TENSORFLOW_LIBRARY.finditer(maps)}


def test_every_page_opens_from_the_sidebar_and_the_server_never_imports_keras_or_tensorflow(
    app_server, chromium
):
    server = app_server
    if getattr(server, "process", None) is None:
        pytest.fail("This test reads the server's /proc entries: run it without MNIST_LAB_URL.")
    page, console = browser.new_page(chromium)
    try:
        browser.open_app(page, server.url)
        helpers.assert_clean(page, console, "Home (first load)")
        assert browser.nav_titles(page) == list(PAGE_TITLES)
        assert {"Home", "Dataset", "Predictions", "Draw", "Train"} <= set(PAGE_TITLES)
        for title in PAGE_TITLES[1:] + PAGE_TITLES[:1]:  # every page from the sidebar, then Home again
            browser.go_to(page, title)
            current = browser.nav_link(page, title).get_attribute("aria-current")
            assert current == "page", f"{title} is not the current page"
            assert page.locator('[data-testid="stMain"]').inner_text().strip(), f"{title} shows nothing"
            helpers.screenshot(page, f"page-{title.lower()}", full_page=True)
            helpers.assert_clean(page, console, title)
        browser.go_to(page, "Draw")
        canvas = strokes.canvas_of(page, "draw_canvas")
        strokes.wait_settled(page, "draw_canvas")
        shown, _ = strokes.draw_and_time(page, canvas, 7)
        assert shown.strip() == "7"
        browser.go_to(page, "Predictions")
        helpers.click_and_wait(page, page.locator(".st-key-predictions_next button"))
        helpers.assert_clean(page, console, "Predictions, page 2")
        assert not tensorflow_libraries(server.process.pid), "serving the pages loaded TensorFlow"

        browser.go_to(page, "Train")  # a short run: 2,000 images, 1 epoch, in the worker
        browser.set_number(page, "train_size", 2000)
        browser.set_number(page, "train_epochs", 1)
        page.get_by_role("button", name=re.compile("Start training")).click()
        browser.run_heading(page, "Run 1", "completed").wait_for(timeout=600_000)
        browser.wait_idle(page)
        browser.go_to(page, "Predictions")  # now with the run as the active model
        helpers.assert_clean(page, console, "Predictions of the trained run")
        time.sleep(0.5)
        mapped = tensorflow_libraries(server.process.pid)
        assert not mapped, f"the server process mapped {sorted(mapped)}: something imported Keras"
        workers = [pid for pid in descendants(server.process.pid) if tensorflow_libraries(pid)]
        assert workers, "no child process of the server loaded TensorFlow: where did it train?"
    finally:
        page.context.close()


def descendants(pid: int) -> list[int]:
    """The process ids of ``pid``'s children and their children."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            pending += children
    return found
