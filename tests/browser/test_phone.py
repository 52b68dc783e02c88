"""The Train page on a phone (390x844): Start and Stop on the first screen, no scrolling; the
"stopped" toast leaves the menu button free."""

from __future__ import annotations

import pytest

from harness import browser
from tests.browser import helpers

pytestmark = pytest.mark.browser


def on_first_screen(page, locator) -> bool:
    """True when ``locator`` is wholly inside the viewport and the page was not scrolled."""
    box = locator.bounding_box()
    scrolled = page.evaluate("() => (document.querySelector('[data-testid=stMain]') || {}).scrollTop || 0")
    inside = box is not None and box["y"] >= 0 and box["y"] + box["height"] <= helpers.PHONE["height"]
    return inside and not scrolled and not page.evaluate("() => window.scrollY")


def test_start_and_stop_are_on_a_phones_first_screen(app_server, chromium):
    page, _ = browser.new_page(chromium, viewport=helpers.PHONE, touch=True)
    try:
        browser.open_app(page, app_server.url, "train")
        start = page.locator(".st-key-train_start button")
        assert on_first_screen(page, start), f"Start training at {start.bounding_box()} on a 390x844 screen"
        start.tap()
        stop = page.locator(".st-key-train_live_stop button").filter(visible=True)
        stop.wait_for()
        browser.wait_idle(page)
        assert on_first_screen(page, stop), f"Stop at {stop.bounding_box()} on a 390x844 screen"
        stop.tap()
        browser.run_heading(page, "Run 1", "stopped").wait_for(timeout=60_000)
        toast = page.locator('[data-testid="stToast"]').first
        toast.wait_for()  # "Run 1 stopped; ..." must not cover the button that opens the page menu
        menu = page.locator('[data-testid="stExpandSidebarButton"]').bounding_box()
        note = toast.bounding_box()
        below = note["y"] >= menu["y"] + menu["height"]
        assert below or note["x"] >= menu["x"] + menu["width"], f"toast {note} over the menu button {menu}"
        helpers.screenshot(page, "phone-train-stopped")
        assert not browser.exceptions(page)
    finally:
        page.context.close()
