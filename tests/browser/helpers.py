"""Driving the real app in headless Chromium: the server, the browser, strokes on the canvas.

Shared by the browser tests (tests/browser) and the load test (benchmarks/load_test.py).
Only PyPI ``playwright`` driving Debian's ``/usr/bin/chromium``; never ``playwright install``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"

CHROMIUM = Path("/usr/bin/chromium")
# Chromium with an ordinary user's CPU priority; see the script's comment and ``launch_chromium``.
CHROMIUM_AS_USER = Path(__file__).with_name("chromium_as_user.sh")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone in portrait, CSS pixels
HOST = "127.0.0.1"

# Seconds. The first run of a page imports TensorFlow and loads MNIST: slow on 2 shared cores.
SERVER_START_TIMEOUT = 120
PAGE_TIMEOUT = 90

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
EXCEPTION = '[data-testid="stException"]'
CANVAS = "canvas.upper-canvas"  # Fabric.js' input layer; in the page DOM (Components v2, open shadow root)


class StrokeLost(AssertionError):
    """The mouse drew, but the canvas holds no ink and no prediction came: the stroke was lost."""


class BrowserSetupError(RuntimeError):
    """Chromium or the app server is not usable: the message says what to do."""


def require_chromium() -> Path:
    """The Chromium binary the tests drive; raises BrowserSetupError (a failure, not a skip) if absent."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        raise BrowserSetupError(
            f"{CHROMIUM} not found: the browser tests drive Debian's Chromium. "
            "Install it with `apt-get install -y chromium` (.ci/run does); never `playwright install`."
        )
    return CHROMIUM


def chromium_version() -> str:
    """Chromium's version line, e.g. "Chromium 156.0.8078.108 built on Debian ..."."""
    output = subprocess.run(
        [str(require_chromium()), "--version"], capture_output=True, text=True, timeout=60
    )
    return output.stdout.strip()


def browser_executable() -> Path:
    """The program that starts Chromium: as root, the wrapper that drops CAP_SYS_NICE.

    As root, Chromium raises its renderer, compositor and IO threads to nice -8. The Linux
    scheduler then gives each such thread about 6x the CPU share of the app server's threads
    (nice 0) and far more than the training worker's, so the test browsers, which stand in for
    students' own machines, would crowd out the server they are measuring.
    """
    executable = require_chromium()
    if os.geteuid() == 0 and shutil.which("setpriv"):
        return CHROMIUM_AS_USER
    return executable


def launch_chromium(playwright):
    """A headless Chromium (playwright Browser) with the project's flags, at a user's priority."""
    return playwright.chromium.launch(
        executable_path=str(browser_executable()), args=CHROMIUM_ARGS, headless=True
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class StreamlitServer:
    """``streamlit run app.py`` on a free 127.0.0.1 port, from the repo root, stopped on exit.

    Use as a context manager; ``url`` is the app's base URL once started. The server's output
    goes to ``artifacts/<name>.log`` (read it when a test fails).
    """

    def __init__(self, name: str = "streamlit-server", extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = ARTIFACTS / f"{name}.log"
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.started_seconds: float | None = None

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.port", str(self.port),
            "--server.address", HOST,
            "--server.headless", "true",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if "MNIST_PATH" not in env and DEFAULT_MNIST.is_file():
            env["MNIST_PATH"] = str(DEFAULT_MNIST)
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.update(self.extra_env)
        return env

    def start(self) -> StreamlitServer:
        ARTIFACTS.mkdir(exist_ok=True)
        begin = time.perf_counter()
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        self.started_seconds = time.perf_counter() - begin
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        health = f"{self.url}/_stcore/health"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserSetupError(
                    f"streamlit exited with code {self.process.returncode} before answering {health}; "
                    f"log: {self.log_path}\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise BrowserSetupError(
            f"{health} did not answer within {SERVER_START_TIMEOUT} s; log: {self.log_path}"
        )

    def stop(self) -> None:
        """Terminate, then kill if it does not exit within 10 s. Safe to call twice."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# Requests to other hosts fail in CI and here (no internet). Streamlit fetches a ":material/...:"
# page icon's favicon from fonts.gstatic.com; online that works. These are kept apart in
# ConsoleLog.offline (and reported), not counted as the app's errors.
OFFLINE_ONLY = re.compile(r"Failed to load resource: net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED)")
# A 404 for one of Streamlit's in-memory media files (/media/<hash>.png|jpg): a newer script
# run replaced the image before the browser fetched the old one, and the newer one is shown.
# Seen about once in several CI runs while two sessions trained; reported, not failed on.
STALE_MEDIA = re.compile(r"status of 404 .*/media/[0-9a-f]+\.(png|jpg|jpeg)\)$")


@dataclass
class ConsoleLog:
    """Errors a page reported: console.error messages and uncaught exceptions.

    ``errors`` are the app's; ``offline`` are failed loads of resources on other hosts
    (no internet here) and ``stale_media`` 404s of superseded Streamlit media files, which
    the tests report but do not fail on.
    """

    errors: list[str] = field(default_factory=list)
    offline: list[str] = field(default_factory=list)
    stale_media: list[str] = field(default_factory=list)

    def attach(self, page) -> ConsoleLog:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        return self

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        text = f"console.error: {message.text} ({url})"
        external = url.startswith(("http://", "https://")) and not url.startswith(f"http://{HOST}:")
        if external and OFFLINE_ONLY.search(message.text):
            self.offline.append(text)
        elif not external and STALE_MEDIA.search(text):
            self.stale_media.append(text)
        else:
            self.errors.append(text)

    def take(self) -> list[str]:
        """The errors so far, and forget them (for per-page checks)."""
        taken, self.errors = self.errors, []
        return taken


def new_page(browser, viewport: dict | None = None, touch: bool = False):
    """A fresh browser context (= a fresh Streamlit session) and page, with its console log.

    ``viewport`` defaults to 1280x900; ``touch`` makes it a touch screen (a phone's ``is_mobile``).
    """
    context = browser.new_context(
        viewport=viewport or VIEWPORT, has_touch=touch, is_mobile=touch, device_scale_factor=1
    )
    context.set_default_timeout(PAGE_TIMEOUT * 1000)
    page = context.new_page()
    return page, ConsoleLog().attach(page)


def wait_idle(page, timeout: float = PAGE_TIMEOUT, settle: float = 0.3) -> None:
    """Wait until the script run that an action triggered has finished.

    The run state flips to "running" a few ms after a click; wait briefly for that, then for
    "notRunning", then a short settle for the last deltas to paint.
    """
    try:
        page.wait_for_selector(APP_RUNNING, timeout=1500, state="attached")
    except Exception:  # noqa: BLE001 - a fast run may be over before we look
        pass
    page.wait_for_selector(APP_IDLE, timeout=timeout * 1000, state="attached")
    page.wait_for_timeout(settle * 1000)


def open_app(page, url: str, path: str = "") -> None:
    """Load the app (optionally a page by its URL path) and wait for its first run to finish."""
    page.goto(f"{url}/{path}")
    page.wait_for_selector(APP_IDLE, timeout=PAGE_TIMEOUT * 1000, state="attached")
    page.wait_for_timeout(300)


def nav_titles(page) -> list[str]:
    """Titles of the sidebar navigation links, in order (their icon's ligature text left out)."""
    page.locator(NAV_LINK).first.wait_for()
    return [label.get_attribute("label") for label in page.locator(f"{NAV_LINK} span[label]").all()]


def nav_link(page, title: str):
    """Locator of the sidebar navigation link titled ``title``."""
    return page.locator(NAV_LINK).filter(has=page.locator(f'span[label="{title}"]'))


def go_to(page, title: str) -> None:
    """Click a page's link in the sidebar navigation and wait for the page to finish running."""
    nav_link(page, title).click()
    wait_idle(page)


def exceptions(page) -> list[str]:
    """Texts of any exception boxes (stException) on the page."""
    return page.locator(EXCEPTION).all_inner_texts()


def metric_value(page, label: str):
    """Locator of the value of the st.metric whose label is exactly ``label``."""
    labels = page.locator('[data-testid="stMetricLabel"]').filter(has_text=re.compile(rf"^\s*{label}\s*$"))
    metric = page.locator('[data-testid="stMetric"]').filter(has=labels)
    return metric.locator('[data-testid="stMetricValue"]')


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """Save a PNG under artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_until_gone(locator, timeout: float = PAGE_TIMEOUT) -> None:
    """Wait until no element matches ``locator``."""
    locator.first.wait_for(state="detached", timeout=timeout * 1000)


def click_and_wait(page, locator, until_gone=None) -> None:
    """Click, wait for what must disappear (if given), then for the run to finish."""
    locator.click()
    if until_gone is not None:
        wait_until_gone(until_gone)
    wait_idle(page)


def dataframe_rows(frame) -> list[dict[str, str]]:
    """Rows of an st.dataframe (locator of its stDataFrame) as {column: text}, from the grid's
    accessible table (only the rows scrolled into view are rendered)."""
    frame.locator("table").first.wait_for(state="attached")
    headers = frame.locator("thead th").all_inner_texts()
    rows = []
    for row in frame.locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        rows.append(dict(zip(headers, cells, strict=False)))
    return rows


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


def assert_clean(page, console, where: str) -> None:
    """No exception box on the page and no error in the browser console."""
    boxes = exceptions(page)
    assert not boxes, f"{where}: exception box shown: {boxes}"
    errors = console.take()
    assert not errors, f"{where}: browser console errors: {errors}"


def set_number(page, key: str, value: int) -> None:
    """Type a value into the st.number_input with widget key ``key`` (commits on blur)."""
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Tab")


def run_heading(page, name: str, status: str):
    """Locator of the Train page's "<Run name> · <status>" heading."""
    return page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)} · {status}$"))


def runs_table(page) -> list[dict[str, str]]:
    frame = page.locator('[data-testid="stDataFrame"]').filter(has_text="Status").first
    return dataframe_rows(frame)


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


def touch_strokes(page, canvas, strokes: list[list[tuple[float, float]]], steps: int = 4) -> None:
    """Draw with a finger on ``canvas``: CDP ``Input.dispatchTouchEvent`` start, moves, end.

    Points are canvas fractions as in ``draw_strokes``; ``steps`` moves between two points.
    """
    box = canvas.bounding_box()
    if box is None:
        raise BrowserSetupError("The canvas is not visible: cannot draw on it.")
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
