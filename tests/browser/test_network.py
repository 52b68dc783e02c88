"""Inside the network in Chromium: draw a digit, follow "Look inside", click a unit, see its weights.

The clicks AppTest cannot make (a Plotly selection on the activation grid). The weight picture
shown is checked against the shipped model's own first-layer kernel.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest

from harness import browser, strokes
from mnist_core import load_default_network
from mnist_core.charts.network import grid_shape
from tests.browser import helpers

pytestmark = pytest.mark.browser
UNIT = 100  # clicked on the first hidden layer's grid

FIGURE_Z = "(plot) => plot.data[0].z"


def as_array(value) -> np.ndarray:
    """A Plotly array as the browser holds it: a list, or a typed-array spec {dtype, bdata, shape}."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(size) for size in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.array(value, dtype="float32")


def click_unit(page, layer: int, unit: int, units: int = 512) -> None:
    """Click ``unit``'s square on hidden layer ``layer``'s activation grid (rows of 32 for 512)."""
    rows, columns = grid_shape(units)
    row, column = divmod(unit, columns)
    area = page.locator(f".st-key-network_layer_{layer} .js-plotly-plot .nsewdrag").first
    area.wait_for()
    area.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = area.bounding_box()
    page.mouse.click(box["x"] + (column + 0.5) / columns * box["width"],
                     box["y"] + (row + 0.5) / rows * box["height"])


@pytest.mark.opens("draw")
def test_draw_look_inside_click_a_unit_and_see_its_weights(session_page):
    page, console = session_page
    prediction = browser.metric_value(page, "Prediction")
    clear = page.locator(".st-key-draw_clear button")
    canvas = strokes.clear_canvas(page, clear, "draw_canvas", gone=prediction)
    shown, _ = strokes.draw_and_time(page, canvas, 7)
    browser.wait_idle(page)
    assert shown.strip() == "7"

    page.get_by_role("link", name="Look inside the network").click()
    browser.wait_idle(page)
    assert "input=drawing" in page.url, page.url
    page.get_by_role("heading", name="Why a 7? Each class score, pixel by pixel").wait_for()
    assert page.get_by_text("Your drawing (28×28)").count() == 1
    box = page.locator(".st-key-network_test_index input")  # no test image is selected meanwhile
    assert box.input_value() == "" and "your drawing is shown" in box.get_attribute("placeholder")
    assert page.locator(".st-key-network_back").get_by_role("button", name="Back").is_visible()
    helpers.screenshot(page, "network-drawing-input")

    click_unit(page, 0, UNIT)
    browser.wait_idle(page)
    heading = page.get_by_role("heading", name=f"Unit {UNIT} of hidden layer 1")
    heading.wait_for()
    assert f"unit={UNIT}" in page.url and "input=drawing" in page.url, page.url

    plot = page.locator(".st-key-network_unit_weights .js-plotly-plot").first
    plot.scroll_into_view_if_needed()
    shown_weights = as_array(plot.evaluate(FIGURE_Z))
    network, _ = load_default_network()
    np.testing.assert_allclose(shown_weights, network.kernels[0][:, UNIT].reshape(28, 28), atol=1e-6)
    heading.evaluate("e => e.scrollIntoView({block: 'start'})")
    helpers.screenshot(page, "network-unit")
    helpers.assert_clean(page, console, "Inside the network")
