"""The Your digits page in a real browser: 20 digits collected in prompted mode, each kept with the
prompted label by one click beyond the drawing itself; a reload brings the set back."""

from __future__ import annotations

import re

import pytest

from harness import browser, strokes
from mnist_core.text import digits as text
from tests.browser import helpers

pytestmark = pytest.mark.browser

# Any stroke will do: the prompt, not the network, gives the label. A real digit where the
# helpers have one, else a short hooked line.
HOOK = [[(0.35, 0.25), (0.60, 0.20), (0.55, 0.50), (0.45, 0.80)]]


@pytest.mark.opens("mine")
def test_prompted_mode_collects_20_digits_one_click_each(session_page):
    page, console = session_page
    page.locator(".st-key-mine_per_digit input").fill("2")
    page.locator(".st-key-mine_per_digit input").press("Enter")
    browser.wait_idle(page)
    keep = page.locator(".st-key-mine_keep button").first  # Streamlit renders a hidden twin for sizing
    notice = page.locator('[data-testid="stAlertContentSuccess"]')
    for position in range(20):
        digit = position % 10
        page.get_by_text(text.prompt(digit), exact=True).wait_for()
        canvas = strokes.canvas_of(page, "mine_canvas")
        strokes.wait_settled(page, "mine_canvas", 0.3)
        assert keep.is_disabled(), "Keep is enabled before anything was drawn"
        strokes.draw_strokes(page, canvas, strokes.DIGIT_STROKES.get(digit, HOOK))
        page.wait_for_function(
            "() => !document.querySelector('.st-key-mine_keep button').disabled", timeout=90_000)
        assert f"Keep as {digit}" in keep.inner_text()
        keep.click()  # the one click
        notice.filter(has_text=text.kept(digit, position + 1)).wait_for(timeout=90_000)
    page.get_by_text("Round complete: 20 digits kept.").wait_for()
    browser.wait_idle(page)
    counts = page.get_by_text(re.compile(r"^20 of at most 5,000 digits"))
    assert counts.inner_text().endswith(", ".join(f"{digit}: 2" for digit in range(10)))
    helpers.screenshot(page, "mine-collected", full_page=True)
    helpers.assert_clean(page, console, "Your digits")
    page.wait_for_timeout(2000)  # as a person would, not within the same second
    page.reload()  # a new session of the same browser: the set comes back (the page says so)
    browser.wait_idle(page)
    page.get_by_text(re.compile(r"^20 of at most 5,000 digits")).wait_for(timeout=90_000)
