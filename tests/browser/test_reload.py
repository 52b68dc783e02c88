"""A reload (F5) reattaches a browser to its runs; nobody else's browser ever sees them; a closed
page's job gives its place in the queue back within seconds; the drawing survives a page switch."""

from __future__ import annotations

import re

import pytest

from harness import browser, strokes
from tests.browser import helpers

pytestmark = pytest.mark.browser

LIVE_HEADING = re.compile(r"^Run 1 · (training|waiting in line)$")


def assert_clean(page, console, where: str) -> None:
    """``helpers.assert_clean``, less the two 404s Streamlit's frontend logs when a page other
    than Home is loaded or reloaded (<page>/_stcore/host-config and /health, before it finds the
    base path)."""
    console.errors = [error for error in console.errors if not re.search(r"/\w+/_stcore/", error)]
    helpers.assert_clean(page, console, where)


def start_long_run(page, epochs: int = 40) -> None:
    """On the Train page: start a run on all 60,000 images that takes minutes, and wait for its live view."""
    browser.set_number(page, "train_size", 60000)
    browser.set_number(page, "train_epochs", epochs)
    page.locator(".st-key-train_start button").click()
    page.get_by_role("heading", name=LIVE_HEADING).wait_for()
    browser.wait_idle(page)


@pytest.mark.opens("train")
def test_a_reload_shows_the_run_again_its_stop_works_and_another_browser_never_sees_it(
    session_page, chromium, app_server
):
    page, console = session_page
    start_long_run(page)
    page.reload()
    page.wait_for_selector(browser.APP_IDLE, state="attached")
    page.get_by_role("heading", name=LIVE_HEADING).wait_for()  # the same run, live again

    other, other_console = browser.new_page(chromium)  # another user: another browser's cookies
    try:
        browser.open_app(other, app_server.url, "train")
        other.get_by_text("No runs yet").wait_for()
        assert other.get_by_role("heading", name=LIVE_HEADING).count() == 0
        assert other.get_by_text("Run 1").count() == 0, "another browser sees the run"
        browser.open_app(other, page.url.split("?")[0] + "?" + page.url.partition("?")[2])  # the same link
        assert other.get_by_text("Run 1").count() == 0, "the copied link shows the run"
    finally:
        other.context.close()

    page.locator(".st-key-train_live_stop button").filter(visible=True).click()
    browser.run_heading(page, "Run 1", "stopped").wait_for()
    browser.wait_idle(page)
    assert [row["Status"] for row in helpers.runs_table(page)] == ["stopped"]
    assert_clean(page, console, "Train after a reload and Stop")


def test_a_closed_page_gives_its_place_in_the_queue_back_within_seconds(chromium, app_server):
    gone, _ = browser.new_page(chromium)
    browser.open_app(gone, app_server.url, "train")
    start_long_run(gone, epochs=200)  # would keep the one training slot for many minutes
    gone.context.close()  # the user closes the tab: the server sees the connection end

    page, console = browser.new_page(chromium)
    try:
        browser.open_app(page, app_server.url, "train")
        browser.set_number(page, "train_size", 1000)
        browser.set_number(page, "train_epochs", 1)
        page.locator(".st-key-train_start button").click()
        # the closed page's job is cancelled after the keeper's grace (10 s) and its current batch
        browser.run_heading(page, "Run 1", "completed").wait_for(timeout=90_000)
        assert_clean(page, console, "Train after another page was closed")
    finally:
        page.context.close()


@pytest.mark.opens("draw")
def test_the_drawing_survives_draw_inside_the_network_and_back(session_page):
    page, console = session_page
    canvas = strokes.canvas_of(page, "draw_canvas")
    strokes.wait_settled(page, "draw_canvas")
    shown, _ = strokes.draw_and_time(page, canvas, 7)
    ink = strokes.ink_pixels(canvas)
    assert ink > 0

    page.get_by_role("link", name=re.compile("Look inside the network")).click()
    browser.wait_idle(page)
    assert "/network" in page.url
    browser.go_to(page, "Draw")
    strokes.wait_settled(page, "draw_canvas")
    canvas = strokes.canvas_of(page, "draw_canvas")
    assert strokes.ink_pixels(canvas) > 0.9 * ink, "the drawing is gone after a page switch"
    browser.metric_value(page, "Prediction").filter(has_text=shown).wait_for()

    page.reload()
    page.wait_for_selector(browser.APP_IDLE, state="attached")
    strokes.wait_settled(page, "draw_canvas")
    assert strokes.ink_pixels(strokes.canvas_of(page, "draw_canvas")) > 0.9 * ink, "a reload lost the drawing"
    browser.metric_value(page, "Prediction").filter(has_text=shown).wait_for()
    assert_clean(page, console, "Draw after a page switch and a reload")
