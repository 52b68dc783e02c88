"""The drawing square in a real browser: every part of it takes strokes, with mouse and finger,
and on a phone the square fills the width, the prediction shows without scrolling, and
scrolling and drawing never get in each other's way.

streamlit-drawable-canvas 0.13 put an invisible toolbar over the top of the square that
swallowed strokes and ran a hidden Undo on a tap (ui/canvas.py removes it).
"""

from __future__ import annotations

import pytest

from harness import browser, strokes
from tests.browser import helpers

pytestmark = pytest.mark.browser

CANVAS_KEY = "draw_canvas"
INSET = 2  # CSS pixels inside the square's edge where each stroke starts
# Where strokes start, as (x, y) canvas fractions before the inset: corners and edge middles.
STARTS = {
    "top-left": (0.0, 0.0), "top": (0.5, 0.0), "top-right": (1.0, 0.0), "right": (1.0, 0.5),
    "bottom-right": (1.0, 1.0), "bottom": (0.5, 1.0), "bottom-left": (0.0, 1.0), "left": (0.0, 0.5),
}  # fmt: skip

# In the page: what element of the canvas' shadow root is hit at a viewport point, and how many
# inked pixels the drawn layer has within `radius` canvas pixels of a point given as fractions.
HIT_JS = """([key, x, y]) => {
  for (const node of document.querySelector('.st-key-' + key).querySelectorAll('*')) {
    if (!node.shadowRoot) continue;
    const hit = node.shadowRoot.elementFromPoint(x, y);
    return hit ? hit.className : null;
  }
  return 'no shadow root';
}"""
INK_NEAR_JS = """(upper, [fx, fy, radius]) => {
  const lower = upper.parentNode.querySelector('canvas.lower-canvas');
  const x = Math.round(fx * lower.width), y = Math.round(fy * lower.height);
  const left = Math.max(0, x - radius), top = Math.max(0, y - radius);
  const data = lower.getContext('2d').getImageData(left, top, 2 * radius + 1, 2 * radius + 1).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] > 128) count++;
  return count;
}"""


# In the page: how far the page is scrolled (Streamlit scrolls its main section, not the window).
SCROLLED_JS = """() => Math.max(window.scrollY, ...[...document.querySelectorAll(
  '[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stAppScrollToBottomContainer"]'
)].map((element) => element.scrollTop))"""


def start_and_stroke(name: str, side: float) -> list[tuple[float, float]]:
    """A stroke from ``INSET`` pixels inside the edge at ``STARTS[name]`` a third of the way in."""
    inset = INSET / side
    fx, fy = (min(max(value, inset), 1 - inset) for value in STARTS[name])
    return [(fx, fy), (fx + (0.5 - fx) / 6, fy + (0.5 - fy) / 6), (fx + (0.5 - fx) / 3, fy + (0.5 - fy) / 3)]


def assert_clean(page, console, where: str) -> None:
    """``helpers.assert_clean``, less the two 404s Streamlit's frontend logs on any deep link
    (it asks for <page>/_stcore/host-config and /health before finding the base path)."""
    console.errors = [error for error in console.errors if "/draw/_stcore/" not in error]
    helpers.assert_clean(page, console, where)


@pytest.fixture
def phone_page(app_server, chromium):
    """A fresh session on the Draw page of a 390x844 touch screen."""
    page, console = browser.new_page(chromium, helpers.PHONE, touch=True)
    browser.open_app(page, app_server.url, "draw")
    yield page, console
    page.context.close()


@pytest.fixture
def desktop_page(app_server, chromium):
    """A fresh session on the Draw page at 1280x900 with a mouse."""
    page, console = browser.new_page(chromium)
    browser.open_app(page, app_server.url, "draw")
    yield page, console
    page.context.close()


@pytest.mark.parametrize("device", ["mouse", "touch"])
def test_strokes_from_every_edge_and_corner_are_drawn_and_classified(device, request):
    page, console = request.getfixturevalue("desktop_page" if device == "mouse" else "phone_page")
    clear = page.locator(".st-key-draw_clear button")
    prediction = browser.metric_value(page, "Prediction")
    canvas = strokes.canvas_of(page, CANVAS_KEY)
    canvas.wait_for()
    strokes.wait_settled(page, CANVAS_KEY)
    missed = []
    for name in STARTS:
        box = canvas.bounding_box()
        stroke = start_and_stroke(name, box["width"])
        start = (box["x"] + stroke[0][0] * box["width"], box["y"] + stroke[0][1] * box["height"])
        hit = page.evaluate(HIT_JS, [CANVAS_KEY, *start])
        if "upper-canvas" not in str(hit):
            missed.append(f"{name}: the start point hits {hit!r}, not the drawing surface")
            continue
        if device == "mouse":
            strokes.draw_strokes(page, canvas, [stroke])
        else:
            helpers.touch_strokes(page, canvas, [stroke])
        try:
            prediction.wait_for(timeout=30_000)
        except Exception:  # noqa: BLE001 - reported with the others below
            missed.append(f"{name}: no prediction after the stroke (ink {strokes.ink_pixels(canvas)})")
        ink_at_start = canvas.evaluate(INK_NEAR_JS, [stroke[0][0], stroke[0][1], 6])
        if ink_at_start == 0:
            missed.append(f"{name}: no ink where the stroke started")
        browser.wait_idle(page)
        canvas = strokes.clear_canvas(page, clear, CANVAS_KEY, gone=prediction)
    assert not missed, f"{device}: strokes lost or not classified: {missed}"
    assert_clean(page, console, f"Draw ({device})")


def test_undo_takes_back_the_last_stroke_in_the_browser(desktop_page):
    page, console = desktop_page
    canvas = strokes.canvas_of(page, CANVAS_KEY)
    canvas.wait_for()
    strokes.wait_settled(page, CANVAS_KEY)
    strokes.draw_strokes(page, canvas, strokes.DIGIT_STROKES[1])
    browser.metric_value(page, "Prediction").wait_for()
    strokes.wait_settled(page, CANVAS_KEY)
    one_stroke = strokes.ink_pixels(canvas)
    strokes.draw_strokes(page, canvas, [[(0.3, 0.9), (0.5, 0.9), (0.7, 0.9)]])  # a base under the 1
    strokes.wait_settled(page, CANVAS_KEY)
    assert strokes.ink_pixels(canvas) > one_stroke
    page.locator(".st-key-draw_undo button").first.click()
    strokes.wait_settled(page, CANVAS_KEY)
    for _ in range(50):  # the canvas reloads the first stroke, then sends its image
        if strokes.ink_pixels(canvas) == one_stroke:
            break
        page.wait_for_timeout(200)
    assert strokes.ink_pixels(canvas) == one_stroke, f"after Undo: {strokes.ink_pixels(canvas)} ink pixels"
    prediction = browser.metric_value(page, "Prediction")
    prediction.wait_for()
    assert prediction.inner_text().strip() == "1"
    assert_clean(page, console, "Draw after Undo")


def test_phone_layout_fills_the_width_shows_the_prediction_and_keeps_scroll_and_drawing_apart(phone_page):
    page, console = phone_page
    canvas = strokes.canvas_of(page, CANVAS_KEY)
    canvas.wait_for()
    strokes.wait_settled(page, CANVAS_KEY)
    box = canvas.bounding_box()
    width = helpers.PHONE["width"]
    assert box["width"] >= width - 40 and box["height"] == pytest.approx(box["width"], abs=1), box
    helpers.screenshot(page, "phone-draw-empty")
    # Drawing never scrolls the page: a downward stroke leaves the page where it was.
    assert page.evaluate(SCROLLED_JS) == 0
    helpers.touch_strokes(page, canvas, strokes.DIGIT_STROKES[7])
    prediction = browser.metric_value(page, "Prediction")
    prediction.wait_for()
    browser.wait_idle(page)
    assert page.evaluate(SCROLLED_JS) == 0, "drawing scrolled the page"
    # The prediction is on screen right away, above the preprocessing steps.
    shown = prediction.bounding_box()
    assert shown["y"] + shown["height"] <= helpers.PHONE["height"], f"prediction below the fold: {shown}"
    first_step = page.get_by_text("1 · your drawing").first.bounding_box()
    assert first_step is None or first_step["y"] > shown["y"]
    helpers.screenshot(page, "phone-draw-prediction")
    # Scrolling never draws: a swipe up on the text above the square scrolls and leaves the ink.
    ink = strokes.ink_pixels(canvas)
    title = page.get_by_role("heading", name="Draw a digit").bounding_box()
    helpers.swipe(page, (width / 2, title["y"] + 5), (width / 2, title["y"] - 200 if title["y"] > 250 else 5))
    helpers.swipe(page, (width - 8, 800), (width - 8, 300))  # the margin beside the square
    page.wait_for_timeout(800)
    assert page.evaluate(SCROLLED_JS) > 0, "a swipe outside the square did not scroll the page"
    assert strokes.ink_pixels(canvas) == ink, "scrolling drew on the canvas"
    assert_clean(page, console, "Draw on a phone")
