"""Drawing digits on the app's canvas with the mouse, and timing the prediction in the page.

- ``draw_and_time``: the milliseconds from the mouse release to the "Prediction" shown,
  measured in the page (MutationObserver, then the next animation frame).
- ``stroke_parts``: that time split at the two WebSocket events the page sees:

  1. **canvas**: release → the canvas component sends the drawing. streamlit-drawable-canvas 0.13
     waits 200 ms after a stroke before it sends (its bundled ``Bc = 200``), so quick
     multi-stroke digits go as one drawing;
  2. **first reply**: that send → the server's first message back (the rerun has started);
  3. **rerun and paint**: → the Prediction in the DOM: the script computes the reading and
     streams its elements, and the browser renders them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from harness.browser import PAGE_TIMEOUT, BrowserSetupError, wait_idle, wait_until_gone

CANVAS = "canvas.upper-canvas"  # Fabric.js' input layer; in the page DOM (Components v2, open shadow root)


class StrokeLost(AssertionError):
    """The mouse drew, but the canvas holds no ink and no prediction came: the stroke was lost."""


def canvas_of(page, key: str):
    """Locator of the drawing layer of the canvas with widget key ``key``."""
    return page.locator(f".st-key-{key} {CANVAS}")


INK_JS = """(upper) => {
  // Pixels brighter than mid-grey on Fabric's lower (drawn) layer; -1 if it is missing.
  const lower = upper.parentNode.querySelector('canvas.lower-canvas');
  if (!lower) return -1;
  const data = lower.getContext('2d').getImageData(0, 0, lower.width, lower.height).data;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] > 128) count++;
  return count;
}"""


def ink_pixels(canvas) -> int:
    """Light pixels on the canvas' drawing (white ink on black); -1 if it has no drawing layer."""
    return canvas.evaluate(INK_JS)


def clear_canvas(page, clear_button, key: str, gone=None, quiet: float = 1.0):
    """Press the page's Clear button for canvas ``key``; return the canvas' locator once clear.

    Waits for ``gone`` (e.g. the previous prediction) to disappear, for the canvas to hold
    no ink, and for the page to settle (idle for a second with the canvas mounted).
    """
    canvas = canvas_of(page, key)
    canvas.wait_for()
    clear_button.click()
    if gone is not None:
        wait_until_gone(gone)
    deadline = time.monotonic() + PAGE_TIMEOUT
    while ink_pixels(canvas) != 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"Clear left {ink_pixels(canvas)} ink pixels on the canvas")
        page.wait_for_timeout(100)
    wait_settled(page, key, quiet)
    return canvas


SETTLED_JS = """([key, quiet]) => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error('the page never settled')), 90000);
  // Resolve once the app has been idle, with this canvas mounted, for `quiet` ms in a row.
  let since = null;
  const check = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const holder = document.querySelector('.st-key-' + key);
    const idle = app && app.dataset.testScriptState === 'notRunning';
    if (idle && holder) {
      since = since ?? performance.now();
      if (performance.now() - since >= quiet) return resolve(true);
    } else {
      since = null;
    }
    setTimeout(check, 50);
  };
  check();
})"""


def wait_settled(page, key: str, quiet: float = 1.0) -> None:
    """Wait until the app has been idle with canvas ``key`` mounted for ``quiet`` seconds in a row.

    A click's rerun can start seconds late on a loaded machine, and a stroke drawn on a canvas
    that a late rerun then remounts is lost: drawing only on a settled page avoids that.
    """
    begin = time.perf_counter()
    page.evaluate(SETTLED_JS, [key, quiet * 1000])
    if time.perf_counter() - begin < quiet:
        raise AssertionError("wait_settled returned before the quiet period: the page's wait is broken")


# Digits as strokes in canvas fractions (0..1 from the top-left), each a list of points
# drawn with the mouse button held. Shapes a person would draw, not centred or full-size.
DIGIT_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    1: [[(0.42, 0.30), (0.50, 0.18), (0.50, 0.35), (0.50, 0.55), (0.50, 0.72), (0.50, 0.85)]],
    0: [
        [
            (0.50, 0.15), (0.36, 0.20), (0.28, 0.35), (0.26, 0.50), (0.29, 0.66), (0.37, 0.80),
            (0.50, 0.85), (0.63, 0.80), (0.71, 0.66), (0.74, 0.50), (0.72, 0.35), (0.64, 0.20),
            (0.50, 0.15), (0.45, 0.17),
        ]
    ],
    7: [[(0.28, 0.18), (0.50, 0.18), (0.72, 0.18), (0.64, 0.35), (0.56, 0.52), (0.49, 0.68), (0.44, 0.85)]],
    4: [
        [(0.52, 0.15), (0.44, 0.30), (0.36, 0.45), (0.30, 0.60), (0.50, 0.60), (0.74, 0.60)],
        [(0.62, 0.30), (0.62, 0.50), (0.62, 0.70), (0.62, 0.88)],
    ],
}  # fmt: skip


def draw_strokes(page, canvas, strokes: list[list[tuple[float, float]]], steps: int = 4) -> None:
    """Draw with the mouse on ``canvas`` (a locator): press, move through the points, release.

    ``steps`` intermediate mouse moves are sent between consecutive points, as a hand would.
    """
    box = canvas.bounding_box()
    if box is None:
        raise BrowserSetupError("The canvas is not visible: cannot draw on it.")

    def at(point):
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    for stroke in strokes:
        page.mouse.move(*at(stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*at(point), steps=steps)
        page.mouse.up()


# Runs in the page: resolves with milliseconds from the next mouse/pointer release to the
# moment a "Prediction" metric with a value is in the DOM (MutationObserver, then the next
# animation frame, i.e. when it can be painted). Install it before releasing the mouse.
STROKE_TIMER_JS = """
() => {
  window.__strokeTimer = new Promise((resolve) => {
    let released = null;
    const shown = () => {
      const metrics = document.querySelectorAll('[data-testid="stMetric"]');
      for (const metric of metrics) {
        const label = metric.querySelector('[data-testid="stMetricLabel"]');
        const value = metric.querySelector('[data-testid="stMetricValue"]');
        if (label && value && label.innerText.trim() === 'Prediction' && value.innerText.trim() !== '') {
          return value.innerText.trim();
        }
      }
      return null;
    };
    const finish = (text) => {
      observer.disconnect();
      requestAnimationFrame(() => resolve({ms: performance.now() - released, value: text}));
    };
    const observer = new MutationObserver(() => {
      if (released === null) return;
      const text = shown();
      if (text !== null) finish(text);
    });
    window.__strokeReleased = false;
    window.addEventListener('pointerup', () => {
      released = performance.now();
      window.__strokeReleased = true;
      observer.observe(document.body, {subtree: true, childList: true, characterData: true});
      const text = shown();
      if (text !== null) finish(text);
    }, {capture: true, once: true});
  });
}
"""


def draw_and_time(page, canvas, digit: int, timeout: float = 60) -> tuple[str, float]:
    """Draw ``digit`` on a cleared canvas; return (shown prediction text, ms from mouse up to it shown).

    The canvas must be blank (no Prediction metric shown) so the metric's appearance marks
    this drawing's result. Multi-stroke digits are timed from their last stroke.
    """
    strokes = DIGIT_STROKES[digit]
    if len(strokes) > 1:
        draw_strokes(page, canvas, strokes[:-1])
        wait_idle(page)
    page.evaluate(STROKE_TIMER_JS)
    draw_strokes(page, canvas, strokes[-1:])
    try:
        outcome = page.evaluate(
            """(timeout) => Promise.race([window.__strokeTimer, new Promise((_, reject) =>
                 setTimeout(() => reject(new Error('timeout')), timeout))])""",
            timeout * 1000,
        )
    except Exception as error:  # noqa: BLE001 - turned into a diagnosis
        released, ink = page.evaluate("window.__strokeReleased"), ink_pixels(canvas)
        kind = StrokeLost if released and ink == 0 else AssertionError
        raise kind(
            f"drew {digit}, no Prediction within {timeout:.0f} s; mouse released: {released}, "
            f"ink pixels on the canvas: {ink}"
        ) from error
    return outcome["value"], float(outcome["ms"])


# Installed with page.add_init_script: records WebSocket sends and receives, and mouse/pointer
# releases, with performance.now() times, in window.__wsTimes (["s"|"r"|"up", ms]).
WEBSOCKET_TIMES_JS = """
(() => {
  window.__wsTimes = [];
  const Native = window.WebSocket;
  class Timed extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.__wsTimes.push(['r', performance.now()]));
    }
    send(data) {
      window.__wsTimes.push(['s', performance.now()]);
      return super.send(data);
    }
  }
  window.WebSocket = Timed;
  window.addEventListener('pointerup', () => window.__wsTimes.push(['up', performance.now()]),
                          {capture: true});
})();
"""
CLEAR_TIMES_JS = "window.__wsTimes && (window.__wsTimes.length = 0)"
READ_TIMES_JS = "window.__wsTimes || []"
PART_NAMES = ("canvas", "first reply", "rerun and paint")


@dataclass(frozen=True)
class StrokeParts:
    """A stroke's milliseconds in the three parts above (they add up to its total)."""

    canvas: float
    first_reply: float
    rerun_and_paint: float


def stroke_parts(events: list[list], total_ms: float) -> StrokeParts | None:
    """Split ``total_ms`` with the page's ``window.__wsTimes`` events; None if one is missing."""
    releases = [moment for kind, moment in events if kind == "up"]
    if not releases:
        return None
    sends = [moment for kind, moment in events if kind == "s" and moment >= releases[-1]]
    replies = [moment for kind, moment in events if kind == "r" and sends and moment >= sends[0]]
    if not replies:
        return None
    canvas, first_reply = sends[0] - releases[-1], replies[0] - sends[0]
    return StrokeParts(canvas, first_reply, total_ms - canvas - first_reply)
