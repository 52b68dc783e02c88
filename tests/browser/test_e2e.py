"""End-to-end tests of MNIST Lab in a real browser (headless Chromium), against `streamlit run app.py`.

Run: python -m pytest tests/browser -m browser
Artifacts: artifacts/screenshots/*.png (one per page, and FAILED-*.png on failure), and the
server log artifacts/browser-tests-server.log.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import helpers

pytestmark = pytest.mark.browser

PAGES = ["Home", "Dataset", "Train", "Predictions", "Draw"]


def assert_clean(page, console, where: str) -> None:
    """No exception box on the page and no error in the browser console."""
    boxes = helpers.exceptions(page)
    assert not boxes, f"{where}: exception box shown: {boxes}"
    errors = console.take()
    assert not errors, f"{where}: browser console errors: {errors}"


def test_every_page_opens_from_the_sidebar_without_errors(session_page):
    page, console = session_page
    assert helpers.nav_titles(page) == PAGES
    assert_clean(page, console, "Home (first load)")
    for title in PAGES[1:] + PAGES[:1]:
        helpers.go_to(page, title)
        current = helpers.nav_link(page, title).get_attribute("aria-current")
        assert current == "page", f"{title} is not the current page"
        assert page.locator('[data-testid="stMain"]').inner_text().strip(), f"{title} shows nothing"
        helpers.screenshot(page, f"page-{title.lower()}", full_page=True)
        assert_clean(page, console, title)


def test_drawn_digits_are_recognised(session_page):
    page, console = session_page
    helpers.go_to(page, "Draw")
    clear = page.locator(".st-key-draw_clear button")
    prediction = helpers.metric_value(page, "Prediction")
    for digit in (1, 0, 7):
        canvas = helpers.clear_canvas(page, clear, "draw_canvas_", gone=prediction)
        assert prediction.count() == 0, "the Prediction is still shown after Clear"
        shown, milliseconds = helpers.draw_and_time(page, canvas, digit)
        helpers.wait_idle(page)
        assert prediction.inner_text().strip() == str(digit), f"drew {digit}, the page shows {shown}"
        helpers.screenshot(page, f"draw-{digit}")
    assert_clean(page, console, "Draw")


def pager_caption(page) -> str:
    """The grid's "Page p of n · images a–b of N matching" caption."""
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=re.compile(r"^Page \d+ of "))
    return caption.first.inner_text()


def parse_pager(caption: str) -> tuple[int, int, int, int, int]:
    """(page, pages, first, last, matching) from the pager caption."""
    found = re.search(r"Page (\d+) of (\d+) · images ([\d,]+)–([\d,]+) of ([\d,]+) matching", caption)
    assert found, f"unexpected pager caption: {caption!r}"
    return tuple(int(group.replace(",", "")) for group in found.groups())


def test_predictions_mistakes_filter_and_page_turn(session_page):
    page, console = session_page
    helpers.go_to(page, "Predictions")
    mistakes_text = helpers.metric_value(page, "Mistakes").inner_text()
    mistakes = int(re.match(r"([\d,]+) of 10,000", mistakes_text).group(1).replace(",", ""))
    assert 0 < mistakes < 1000, f"implausible number of mistakes for a trained model: {mistakes_text}"
    assert parse_pager(pager_caption(page)) == (1, 100, 1, 100, 10_000)

    page.locator(".st-key-predictions_mistakes_only label").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
        ".some(e => /of [\\d,]+ matching/.test(e.innerText) && !/of 10,000 matching/.test(e.innerText))"
    )
    helpers.wait_idle(page)
    first_page = parse_pager(pager_caption(page))
    pages = -(-mistakes // 100)
    assert first_page == (1, pages, 1, min(100, mistakes), mistakes)
    assert_inspected_is_a_mistake(page)
    helpers.screenshot(page, "predictions-mistakes", full_page=True)

    if pages > 1:
        before = inspected_option(page)
        helpers.click_and_wait(page, page.locator(".st-key-predictions_next button"))
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
            ".some(e => /^Page 2 of /.test(e.innerText))"
        )
        assert parse_pager(pager_caption(page)) == (2, pages, 101, min(200, mistakes), mistakes)
        assert inspected_option(page) != before, "the page turned but shows the same images"
        assert_inspected_is_a_mistake(page)
    assert_clean(page, console, "Predictions")


def inspected_option(page) -> str:
    """The inspected image's caption: "Test image #index"."""
    return page.get_by_text(re.compile(r"^Test image #\d+$")).first.inner_text().strip()


def assert_inspected_is_a_mistake(page) -> None:
    predicted = helpers.metric_value(page, "Prediction").inner_text().strip()
    true = helpers.metric_value(page, "True digit").inner_text().strip()
    assert predicted != true, f"only mistakes, yet {inspected_option(page)} is predicted right ({true})"
