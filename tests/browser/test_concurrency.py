"""Two browser sessions on one server at the same time: neither sees the other's runs or drawings.

The full load test (4 sessions, latency figures) is benchmarks/load_test.py.
"""

from __future__ import annotations

import re

import pytest

from harness import browser, strokes
from tests.browser import helpers

pytestmark = pytest.mark.browser


def sidebar_text(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def test_two_sessions_do_not_see_each_others_runs_or_drawings(app_server, chromium):
    trainer, trainer_console = browser.new_page(chromium)
    drawer, drawer_console = browser.new_page(chromium)
    try:
        helpers.open_directly(trainer, trainer_console, app_server.url, "train")
        helpers.open_directly(drawer, drawer_console, app_server.url, "draw")

        # The trainer starts a run; while it trains, the other session draws a 0.
        browser.set_number(trainer, "train_size", 2000)
        browser.set_number(trainer, "train_epochs", 2)
        trainer.locator(".st-key-train_start button").click()
        clear = drawer.locator(".st-key-draw_clear button")
        prediction = browser.metric_value(drawer, "Prediction")
        canvas = strokes.clear_canvas(drawer, clear, "draw_canvas", gone=prediction)
        shown, _ = strokes.draw_and_time(drawer, canvas, 0)
        assert shown == "0", f"the drawing session drew 0 and saw {shown}"

        browser.run_heading(trainer, "Run 1", "completed").wait_for(timeout=180_000)
        browser.wait_idle(trainer)
        assert [row["Run"] for row in helpers.runs_table(trainer)] == ["Run 1"]
        # The run became the trainer's active model by itself (the default was active); nothing
        # was drawn in the trainer's session: its Draw page shows the instruction.
        assert re.search(r"Run 1\s*·\s*trained in this session", sidebar_text(trainer)), sidebar_text(trainer)
        browser.go_to(trainer, "Draw")
        assert browser.metric_value(trainer, "Prediction").count() == 0, "the trainer sees a prediction"
        assert strokes.ink_pixels(strokes.canvas_of(trainer, "draw_canvas")) == 0, "the trainer sees ink"

        # The drawing session has no runs and still uses the shipped model; its drawing stays.
        assert "Default model" in sidebar_text(drawer), sidebar_text(drawer)
        assert browser.metric_value(drawer, "Prediction").inner_text().strip() == "0"
        browser.go_to(drawer, "Train")
        assert drawer.locator('[data-testid="stDataFrame"]').filter(has_text="Status").count() == 0
        assert drawer.get_by_text("No runs yet").count() == 1, "the drawing session should have no runs"
        helpers.assert_clean(trainer, trainer_console, "trainer session")
        helpers.assert_clean(drawer, drawer_console, "drawing session")
    finally:
        trainer.context.close()
        drawer.context.close()
