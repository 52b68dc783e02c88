"""How it learns in Chromium: Step ×10 lowers the batch loss, and the gradient check shows
backpropagation agreeing with finite differences (relative error below 1e-4)."""

from __future__ import annotations

import re

import pytest

from harness import browser
from mnist_core.text import learning as words
from tests.browser import helpers

pytestmark = pytest.mark.browser
STATUS = re.compile(r"last batch loss ([0-9.e+-]+)")


def batch_loss(page) -> float:
    text = page.locator('[data-testid="stMarkdown"]').filter(has_text="last batch loss").first.inner_text()
    return float(STATUS.search(text).group(1))


def test_ten_steps_lower_the_loss_and_the_gradient_check_agrees(chromium, app_server):
    page, console = browser.new_page(chromium)
    try:
        browser.open_app(page, app_server.url, "learn")
        assert page.get_by_role("heading", name=words.TITLE).count() == 1
        weights = page.get_by_alt_text("Unit 0's 784 weights, as a 28×28 picture", exact=True)
        start = weights.get_attribute("src")
        helpers.click_and_wait(page, page.get_by_role("button", name="Step ×1", exact=True))
        # the step reran the page's fragment: its chart of losses and its pictures follow the step
        page.get_by_text(re.compile(r"^Step 1 ")).first.wait_for()
        assert page.locator(".js-plotly-plot").filter(has_text="batch loss").count() == 1
        assert weights.get_attribute("src") != start
        first = batch_loss(page)
        helpers.click_and_wait(page, page.get_by_role("button", name="Step ×10", exact=True))
        page.get_by_text(re.compile(r"^Step 11 ")).first.wait_for()
        assert batch_loss(page) < first
        assert "seed=0" in page.url and "lr=0.001" in page.url
        helpers.click_and_wait(page, page.get_by_role("button", name=words.CHECK_BUTTON))
        frame = page.locator('[data-testid="stDataFrame"]').filter(has_text="relative error").first
        rows = browser.dataframe_rows(frame)
        assert len(rows) == 6
        assert all(float(row["relative error"]) < 1e-4 for row in rows), rows
        helpers.screenshot(page, "learn", full_page=True)
        # less the two 404s Streamlit's frontend logs on any deep link (<page>/_stcore/health, host-config)
        console.errors = [error for error in console.errors if "/learn/_stcore/" not in error]
        helpers.assert_clean(page, console, "How it learns")
    finally:
        page.context.close()
