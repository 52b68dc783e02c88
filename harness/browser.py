"""The real app in headless Chromium: ``streamlit run app.py`` on 127.0.0.1, Debian's Chromium at
an ordinary user's CPU priority, and the page helpers that wait for a script run, open a page,
read a metric or a table.

Only PyPI ``playwright`` driving Debian's ``/usr/bin/chromium``; never ``playwright install``.
Drawing on the canvas is ``harness/strokes.py``.
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

from harness.environment import ROOT, with_defaults

ARTIFACTS = ROOT / "artifacts"

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
HOST = "127.0.0.1"

# Seconds. The first run of a page imports TensorFlow and loads MNIST: slow on 2 shared cores.
SERVER_START_TIMEOUT = 120
PAGE_TIMEOUT = 90

APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
NAV_LINK = '[data-testid="stSidebarNavLink"]'
EXCEPTION = '[data-testid="stException"]'


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
        with_defaults(env)
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
# It happens now and then while sessions train: reported, not failed on.
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
    watch_runs(context)
    page = context.new_page()
    return page, ConsoleLog().attach(page)


# Installed in every page of a context (``watch_runs``): the page's time of the user's last input
# event and of the last time the app's script state turned to "running", in window.__runWatch.
# A key's release is not an input here: it can come after the run its press began (a Tab's blur).
RUN_WATCH_JS = """
(() => {
  const watch = window.__runWatch = {lastInput: -1, lastStart: -1};
  const state = 'data-test-script-state';
  const inputs = ['pointerdown', 'mousedown', 'click', 'keydown', 'touchstart', 'input', 'change'];
  for (const kind of inputs) window.addEventListener(kind, () => { watch.lastInput = performance.now(); },
                                                     {capture: true});
  new MutationObserver((changes) => {
    for (const change of changes)
      if (change.target.getAttribute(state) === 'running') watch.lastStart = performance.now();
  }).observe(document, {subtree: true, attributes: true, attributeFilter: [state]});
})();
"""
# Whether the app is running a script now, or began one after the user's last input (a run that
# was over before anyone looked). Without ``RUN_WATCH_JS`` in the page, only the former.
RUN_BEGUN_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && app.getAttribute('data-test-script-state') === 'running') return true;
  const watch = window.__runWatch;
  return Boolean(watch) && watch.lastStart > watch.lastInput;
}"""


def watch_runs(context) -> None:
    """Make every page of ``context`` note its last input and its last script run's start, so that
    ``wait_idle`` knows a run the action started even when it ended before ``wait_idle`` looked."""
    context.add_init_script(RUN_WATCH_JS)


def wait_idle(page, timeout: float = PAGE_TIMEOUT, settle: float = 0.3) -> None:
    """Wait until the script run that an action triggered has finished.

    The run state flips to "running" a few ms after a click; wait briefly for that (or, in a page
    of a context ``watch_runs`` set up, for the sign that a run began after the last input and
    is already over), then for "notRunning", then a short settle for the last deltas to paint.
    """
    try:
        page.wait_for_function(RUN_BEGUN_JS, timeout=1500)
    except Exception:  # noqa: BLE001 - no run seen: the action started none, or the page has no watch
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


def wait_until_gone(locator, timeout: float = PAGE_TIMEOUT) -> None:
    """Wait until no element matches ``locator``."""
    locator.first.wait_for(state="detached", timeout=timeout * 1000)


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


def set_number(page, key: str, value: int) -> None:
    """Type a value into the st.number_input with widget key ``key`` (commits on blur)."""
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Tab")


def run_heading(page, name: str, status: str):
    """Locator of the Train page's "<Run name> · <status>" heading."""
    return page.get_by_role("heading", name=re.compile(rf"^{re.escape(name)} · {status}$"))


