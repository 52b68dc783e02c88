"""The Train form in the browser: Start names every value it cannot use, starts nothing and keeps
what was typed."""

from __future__ import annotations

import pytest

from harness import browser

pytestmark = pytest.mark.browser

TYPED = {"train_epochs": "abc", "train_learning_rate": "-0.1", "train_size": "5", "train_seed": "-3"}
NAMED = (
    "Epochs: “abc” is not a number. Use a whole number from 1 to 200.",
    "Learning rate: -0.1 is out of range. Use a number above 0 and at most 100",
    "Training images: 5 is out of range. Use a whole number from 100 to 60,000.",
    "Seed: -3 is out of range. Use a whole number from 0 to 2,147,483,647.",
)


@pytest.mark.opens("train")
def test_each_bad_value_is_named_on_start_and_nothing_starts(session_page):
    page, console = session_page
    for key, text in TYPED.items():
        field = page.locator(f".st-key-{key} input")
        field.fill(text)
        field.press("Tab")
    page.locator(".st-key-train_start button").click()
    browser.wait_idle(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="This run cannot start").first
    alert.wait_for()
    said = alert.inner_text()
    for sentence in NAMED:
        assert sentence in said, f"{sentence!r} not in {said!r}"
    assert page.get_by_text("No runs yet").count() == 1, "a run started"
    for key, text in TYPED.items():
        assert page.locator(f".st-key-{key} input").input_value() == text  # kept as typed
    assert not browser.exceptions(page)
