"""The Predictions page in Chromium: the clicks AppTest cannot make (a Plotly selection).

Checked against the shipped model's predictions made with Keras directly, in a fresh Python (this
test process stays free of Keras, as the fast tests that may share it need).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from harness import browser
from harness.environment import ROOT, with_defaults
from mnist_core.charts.gallery import grid_pixels, tile_centres
from tests.browser import helpers

# Prints the shipped model's predicted digit for each of the 10,000 test images, by Keras alone.
KERAS_PREDICTIONS = """
import sys
import keras
from mnist_core import DEFAULT_MODEL_PATH, load_mnist
(_, _), (x_test, _) = load_mnist()
model = keras.saving.load_model(DEFAULT_MODEL_PATH)
probabilities = model.predict(x_test.reshape(len(x_test), 784).astype("float32") / 255.0, verbose=0)
sys.stdout.write(",".join(map(str, probabilities.argmax(axis=1))))
"""

pytestmark = pytest.mark.browser


def click_at_fraction(page, selector: str, x: float, y: float) -> None:
    """Click a Plotly chart's plot area at (x, y) given as fractions of its width and height."""
    area = page.locator(f"{selector} .js-plotly-plot .nsewdrag").first
    area.wait_for()
    area.scroll_into_view_if_needed()  # mouse clicks land only inside the viewport
    page.wait_for_timeout(300)
    box = area.bounding_box()
    page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])


def pager_text(page) -> str:
    return page.locator('[data-testid="stCaptionContainer"]').filter(has_text="matching").first.inner_text()


def keras_predictions() -> np.ndarray:
    """int64 (10000,): the shipped model's predicted digits of the test images, by Keras itself."""
    done = subprocess.run([sys.executable, "-c", KERAS_PREDICTIONS], cwd=ROOT, capture_output=True, text=True,
                          env=with_defaults(dict(os.environ)), timeout=300)
    if done.returncode:
        raise AssertionError(f"Keras could not predict the test images:\n{done.stderr[-2000:]}")
    return np.array(done.stdout.split(","), dtype=np.int64)


@pytest.mark.opens("predictions")
def test_a_matrix_click_filters_the_grid_and_a_tile_click_inspects_it(session_page, mnist):
    (_, _), (_, y_test) = mnist
    labels, predicted = y_test.astype(np.int64), keras_predictions()  # the reference: no app code
    confusion = np.bincount(labels * 10 + predicted, minlength=100).reshape(10, 10)
    np.fill_diagonal(confusion, 0)
    true_digit, predicted_digit = divmod(int(confusion.argmax()), 10)
    expected = np.flatnonzero((labels == true_digit) & (predicted == predicted_digit)).tolist()

    page, console = session_page
    assert "of 10,000 matching" in pager_text(page)

    # rows = true digit from the top, columns = predicted digit; cells are equal squares
    click_at_fraction(
        page, ".st-key-predictions_confusion_0", (predicted_digit + 0.5) / 10, (true_digit + 0.5) / 10
    )
    page.wait_for_function(
        "(n) => [...document.querySelectorAll('[data-testid=stCaptionContainer]')]"
        ".some(e => e.innerText.includes(`of ${n} matching`))",
        arg=f"{len(expected):,}",
    )
    browser.wait_idle(page)
    assert f"images 1–{len(expected)} of {len(expected)} matching" in pager_text(page)
    for key, digit in (("predictions_true", true_digit), ("predictions_predicted", predicted_digit)):
        assert page.locator(f".st-key-{key} input").input_value() == str(digit)  # a combobox in 1.67

    assert len(expected) >= 2, "the tile click must move the inspector off the first tile"
    position = len(expected) - 1  # the last tile on the page; the inspector starts on the first
    height, width = grid_pixels(len(expected))
    x, y = tile_centres(len(expected))
    click_at_fraction(page, '[class*="st-key-predictions_grid_"]', x[position] / width, y[position] / height)
    page.get_by_text(f"Test image #{expected[position]}", exact=True).wait_for()
    browser.wait_idle(page)
    assert browser.metric_value(page, "Prediction").inner_text().strip() == str(predicted_digit)
    assert browser.metric_value(page, "True digit").inner_text().strip() == str(true_digit)

    helpers.click_and_wait(page, page.get_by_role("button", name="Show all"))
    assert "of 10,000 matching" in pager_text(page)
    assert not browser.exceptions(page)
    assert not console.take(), "no errors in the browser console"
