"""End-to-end tests of MNIST Lab in a real browser (headless Chromium), against `streamlit run app.py`.

Run: python -m pytest tests/browser -m browser
Artifacts: artifacts/screenshots/*.png (one per page, and FAILED-*.png on failure), and the
server log artifacts/browser-tests-server.log.

Every page opened from the sidebar is tests/browser/test_serving.py's tour, which also checks the
server never loaded TensorFlow meanwhile.
"""

from __future__ import annotations

import re

import pytest

from harness import browser, strokes
from tests.browser import helpers

pytestmark = pytest.mark.browser


@pytest.mark.opens("draw")
def test_drawn_digits_are_recognised(session_page):
    page, console = session_page
    clear = page.locator(".st-key-draw_clear button")
    prediction = browser.metric_value(page, "Prediction")
    for digit in (1, 0, 7):
        canvas = strokes.clear_canvas(page, clear, "draw_canvas", gone=prediction)
        assert prediction.count() == 0, "the Prediction is still shown after Clear"
        shown, _ = strokes.draw_and_time(page, canvas, digit)
        browser.wait_idle(page)
        assert strokes.ink_pixels(canvas) > 0, f"the {digit} is not on the canvas"
        assert prediction.inner_text().strip() == str(digit), f"drew {digit}, the page shows {shown}"
        helpers.screenshot(page, f"draw-{digit}")
    helpers.assert_clean(page, console, "Draw")


@pytest.mark.opens("train")
def test_train_a_short_run_then_stop_a_long_one(session_page):
    page, console = session_page

    # A short run through the page's own form: all 60,000 images, 5 epochs. The page polls the job
    # every ui.job_view.POLL_SECONDS, so the bar moves in steps of that much training: the run must
    # last several polls for the test to see the bar move more than once.
    browser.set_number(page, "train_size", 60000)
    browser.set_number(page, "train_epochs", 5)
    page.evaluate(helpers.TRAIN_WATCH_JS)
    page.locator(".st-key-train_start button").click()
    browser.run_heading(page, "Run 1", "completed").wait_for(timeout=180_000)
    browser.wait_idle(page)
    seen = page.evaluate("() => window.__trainWatch.stop()")
    values = seen["values"]
    # At least two readings while training, in order: the bar moved forward live. (On a quiet
    # machine a 5-epoch run showed only two polls' worth of steps, e.g. [27, 63].)
    assert len(values) >= 2 and values == sorted(values) and values[-1] >= 60, (
        f"the progress bar did not move forward step by step: {values}"
    )
    assert seen["chartWhileTraining"], "no live chart while training"
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 2, "no loss/accuracy charts"
    rows = helpers.runs_table(page)
    assert [(row["Run"], row["Status"]) for row in rows] == [("Run 1", "completed")], rows
    assert "60,000 images" in rows[0]["Settings"] and "5 epochs" in rows[0]["Settings"], rows[0]
    helpers.screenshot(page, "train-completed", full_page=True)

    # A long run (all 60,000 images, 20 epochs) stopped once it is under way.
    browser.set_number(page, "train_size", 60000)
    browser.set_number(page, "train_epochs", 20)
    page.evaluate(helpers.TRAIN_WATCH_JS)
    page.locator(".st-key-train_start button").click()
    page.wait_for_function("() => window.__trainWatch.seen.values.some(value => value > 0)", timeout=120_000)
    helpers.screenshot(page, "train-live")
    page.locator(".st-key-train_live_stop button").filter(visible=True).click()
    browser.run_heading(page, "Run 2", "stopped").wait_for(timeout=60_000)
    browser.wait_idle(page)
    page.evaluate("() => window.__trainWatch.stop()")
    rows = helpers.runs_table(page)
    assert [(row["Run"], row["Status"]) for row in rows] == [("Run 1", "completed"), ("Run 2", "stopped")]
    epochs_done = float(rows[1]["Epochs"].split("/")[0])
    assert 0 < epochs_done < 20, f"the stopped run should be part-way: {rows[1]}"
    helpers.assert_clean(page, console, "Train")


def pager_caption(page) -> str:
    """The grid's "Page p of n · images a–b of N matching" caption."""
    caption = page.locator('[data-testid="stCaptionContainer"]').filter(has_text=re.compile(r"^Page \d+ of "))
    return caption.first.inner_text()


def parse_pager(caption: str) -> tuple[int, int, int, int, int]:
    """(page, pages, first, last, matching) from the pager caption."""
    found = re.search(r"Page (\d+) of (\d+) · images ([\d,]+)–([\d,]+) of ([\d,]+) matching", caption)
    assert found, f"unexpected pager caption: {caption!r}"
    return tuple(int(group.replace(",", "")) for group in found.groups())


@pytest.mark.opens("predictions")
def test_predictions_mistakes_filter_and_page_turn(session_page):
    page, console = session_page
    mistakes_text = browser.metric_value(page, "Mistakes").inner_text()
    mistakes = int(re.match(r"([\d,]+) of 10,000", mistakes_text).group(1).replace(",", ""))
    assert 0 < mistakes < 1000, f"implausible number of mistakes for a trained model: {mistakes_text}"
    assert parse_pager(pager_caption(page)) == (1, 100, 1, 100, 10_000)

    page.locator(".st-key-predictions_mistakes_only label").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
        ".some(e => /of [\\d,]+ matching/.test(e.innerText) && !/of 10,000 matching/.test(e.innerText))"
    )
    browser.wait_idle(page)
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
    helpers.assert_clean(page, console, "Predictions")


def inspected_option(page) -> str:
    """The inspected image's caption: "Test image #index"."""
    return page.get_by_text(re.compile(r"^Test image #\d+$")).first.inner_text().strip()


def assert_inspected_is_a_mistake(page) -> None:
    predicted = browser.metric_value(page, "Prediction").inner_text().strip()
    true = browser.metric_value(page, "True digit").inner_text().strip()
    assert predicted != true, f"only mistakes, yet {inspected_option(page)} is predicted right ({true})"
