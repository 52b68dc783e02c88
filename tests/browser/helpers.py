"""Helpers only the browser tests use: screenshots, cut-off text, touch input, the runs table.

Starting the app and Chromium, the page helpers and drawing on the canvas are shared with the
benchmarks: ``harness/browser.py`` and ``harness/strokes.py``.
"""

from __future__ import annotations

from pathlib import Path

from harness import browser

SCREENSHOTS = browser.ARTIFACTS / "screenshots"
PHONE = {"width": 390, "height": 844}  # a phone in portrait, CSS pixels


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """Save a PNG under artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def click_and_wait(page, locator, until_gone=None) -> None:
    """Click, wait for what must disappear (if given), then for the run to finish."""
    locator.click()
    if until_gone is not None:
        browser.wait_until_gone(until_gone)
    browser.wait_idle(page)


# Runs in the page: records every value the progress bar(s) take and whether a Plotly chart
# was in the page while a bar was, until window.__trainWatch.stop() is called.
TRAIN_WATCH_JS = """
() => {
  const seen = {values: [], chartWhileTraining: false};
  const look = () => {
    const bars = document.querySelectorAll('[data-testid="stProgress"] [role="progressbar"]');
    for (const bar of bars) {
      const value = Number(bar.getAttribute('aria-valuenow'));
      if (!Number.isNaN(value) && seen.values[seen.values.length - 1] !== value) seen.values.push(value);
    }
    const chart = document.querySelector('[data-testid="stPlotlyChart"]');
    if (bars.length && chart) seen.chartWhileTraining = true;
  };
  const observer = new MutationObserver(look);
  observer.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true});
  window.__trainWatch = {seen, stop: () => { observer.disconnect(); return seen; }};
}
"""


CUT_TEXT_JS = """
() => {
  const cut = [];
  const overflows = (e) => e.scrollWidth > e.clientWidth + 1;
  const metrics = '[data-testid=stMetricLabel] p, [data-testid=stMetricValue] > div';
  for (const e of document.querySelectorAll(metrics)) if (overflows(e)) cut.push('metric: ' + e.innerText);
  const titles = '.gtitle, .g-xtitle text, .g-ytitle text';
  for (const title of document.querySelectorAll(titles)) {
    const chart = title.closest('.js-plotly-plot').getBoundingClientRect();
    const box = title.getBoundingClientRect();
    if (box.width && (box.left < chart.left - 1 || box.right > chart.right + 1 || box.top < chart.top - 1))
      cut.push('chart title: ' + title.textContent);
  }
  for (const panel of document.querySelectorAll('[data-baseweb=tab-panel]')) {
    const tabs = panel.closest('[data-testid=stTabs]');
    if (!tabs || tabs.querySelector('[data-baseweb=tab-panel]') !== panel) continue;  // first tabs only
    for (const pre of panel.querySelectorAll('[data-testid=stCode] pre'))
      if (overflows(pre)) cut.push('code: ' + pre.innerText.split('\\n')[0]);
  }
  return cut;
}
"""


def cut_text(page) -> list[str]:
    """Visible texts that do not fit their box: metric labels and values ("Training im…"),
    Plotly titles past their chart's edge, and code in the first tab of a tab group (the
    lesson's own code) that would need sideways scrolling."""
    return page.evaluate(CUT_TEXT_JS)


def open_directly(page, console, url: str, path: str) -> None:
    """Open the app at page ``path`` (its URL path, e.g. "train", a query allowed) with no Home run
    first, and wait for its first run. A page other than Home opened by its link makes Streamlit's
    frontend ask for <page>/_stcore/host-config and /health before it finds the base path: those two
    404s of the first load are Streamlit's own and left out of ``console``."""
    browser.open_app(page, url, path)
    page_path = path.split("?")[0]
    if page_path:
        console.errors = [error for error in console.errors if f"/{page_path}/_stcore/" not in error]


def assert_clean(page, console, where: str) -> None:
    """No exception box on the page and no error in the browser console."""
    boxes = browser.exceptions(page)
    assert not boxes, f"{where}: exception box shown: {boxes}"
    errors = console.take()
    assert not errors, f"{where}: browser console errors: {errors}"


def runs_table(page) -> list[dict[str, str]]:
    frame = page.locator('[data-testid="stDataFrame"]').filter(has_text="Status").first
    return browser.dataframe_rows(frame)


def touch_strokes(page, canvas, strokes: list[list[tuple[float, float]]], steps: int = 4) -> None:
    """Draw with a finger on ``canvas``: CDP ``Input.dispatchTouchEvent`` start, moves, end.

    Points are canvas fractions as in ``draw_strokes``; ``steps`` moves between two points.
    """
    box = canvas.bounding_box()
    if box is None:
        raise browser.BrowserSetupError("The canvas is not visible: cannot draw on it.")
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, point=None) -> None:
        finger = {"id": 1, "radiusX": 2, "radiusY": 2}
        points = [] if point is None else [{"x": point[0], "y": point[1], **finger}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    def at(point):
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    try:
        for stroke in strokes:
            touch("touchStart", at(stroke[0]))
            previous = stroke[0]
            for point in stroke[1:]:
                for step in range(1, steps + 1):
                    share = step / steps
                    touch("touchMove", at((previous[0] + (point[0] - previous[0]) * share,
                                           previous[1] + (point[1] - previous[1]) * share)))
                previous = point
            touch("touchEnd")
    finally:
        cdp.detach()


def swipe(page, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
    """A finger swipe between two viewport points (CSS pixels), as a user scrolls a page."""
    cdp = page.context.new_cdp_session(page)
    try:
        for step in range(steps + 1):
            share = step / steps
            point = {"x": start[0] + (end[0] - start[0]) * share, "y": start[1] + (end[1] - start[1]) * share,
                     "id": 1, "radiusX": 2, "radiusY": 2}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchStart" if step == 0 else "touchMove",
                                                  "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


