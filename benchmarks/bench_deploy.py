"""Serving without TensorFlow: cold start, first prediction, memory and server CPU, each figure
next to the previous (Keras) path measured in the same run.

The previous path is the app as of ``--baseline-ref`` (default BASELINE_REF: the last commit
whose server imported Keras and predicted with it), checked out into a temporary git worktree
and served the same way; ``--baseline-root PATH`` serves another copy, ``--no-baseline``
skips it. Every server is ``streamlit run app.py`` on 127.0.0.1, driven by headless Chromium
(PyPI playwright, Debian's /usr/bin/chromium). Server CPU is user + system time from
/proc/<pid>/stat (10 ms ticks), memory is VmRSS from /proc/<pid>/status.

1. Cold start (``--cold-runs``, median, taking turns with the baseline): from spawning the
   server to /draw ready (canvas visible, script idle), then the first prediction on that cold
   server, from mouse-up to the Prediction shown (and from spawning the server to it: the
   page's background calibration is done by then or waited for). Targets: 3.0 s and 1 s. With a baseline,
   the last line is cold start now / baseline, the same-run ratio, round by round.
2. One session opens Home, Draw and Predictions (no training): RSS of the server process
   after each (target: 350 MB), and of the server with its children (a training worker
   that a page may start ahead of a run).
3. On that warm server, new sessions (``--sessions`` per page and way) open each page of
   PAGES by URL: server CPU per new session, two ways taking turns (``bench_sessions``): in a
   fresh browser context (every static file of Streamlit's frontend fetched), and in a new tab
   of a context that has loaded the app before (those files cached: the page's own cost),
   with the HTTP requests each made, beside an almost empty one-line app. Target 0.3 s.
4. Clicks on Predictions (``--clicks`` each): "Next", a tile of the grid, a cell of the
   confusion matrix: server CPU per click. Target 0.15 s. (CPU of the server process
   itself: a training worker's is not counted here.)
5. With ``--training``: the session trains the seed preset on the Train page; peak RSS of
   the server and its children (a training worker) meanwhile. Target 1.1 GB.

Run from the repository root:  python benchmarks/bench_deploy.py [--training] [--json out.json]
MNIST comes from MNIST_PATH (default: ../shared/data/mnist.npz next to the repository).
Other work on the machine slows wall-clock figures; the load average is printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import argument_parser, figure_table, machine, write_section  # noqa: E402
from harness import browser, strokes  # noqa: E402
from harness.environment import with_defaults  # noqa: E402
from harness.processes import rss_bytes  # noqa: E402

BASELINE_REF = "fafd7cc"  # the last commit that served with Keras (the parent of the NumPy path)
TARGETS = {
    "cold_start_seconds": 3.0,
    "first_prediction_seconds": 1.0,
    "rss_after_pages_mb": 350.0,
    "peak_training_mb": 1100.0,
    "cpu_per_click_seconds": 0.15,
    "cpu_per_session_seconds": 0.3,
}
SAMPLE_SECONDS = 0.1
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
MB = 1e6
CANVAS = "canvas.upper-canvas"  # Fabric.js' input layer of the drawing canvas
PRESET_LABEL = "seed: the lesson's network"  # the Train page's preset radio option
PAGES = {"Home": "", "Dataset": "dataset", "Predictions": "predictions", "Draw": "draw",
         "Inside the network": "network", "How it learns": "learn", "Your digits": "mine",
         "Break it": "lab"}  # the last four absent at the baseline commit
EMPTY_PAGE = "an almost empty page (a one-line app)"  # almost_empty_app's page, the floor of them all
MATRIX_CELLS = [(4, 9), (9, 4), (7, 2), (3, 5), (5, 3), (8, 3), (2, 7), (9, 7)]  # (true, predicted)


def server_env() -> dict[str, str]:
    """The environment of the measured processes: MNIST from MNIST_PATH, quiet TensorFlow."""
    env = dict(os.environ)
    with_defaults(env)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- process memory


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc/<pid>/task/<tid>/children."""
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                pending.extend(int(child) for child in (task / "children").read_text().split())
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/<pid>/stat), 0 once it has exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_rss_bytes(pid: int) -> int:
    """RSS of ``pid`` plus its descendants, in bytes."""
    return sum(rss_bytes(member) for member in process_tree(pid))


class RssSampler(threading.Thread):
    """Samples the RSS of a process tree every 100 ms; keeps the peak per named phase."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.phase = "start"
        self.peaks: dict[str, int] = {}
        self.server_peaks: dict[str, int] = {}  # the same, of the server process alone
        self.last = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.last = tree_rss_bytes(self.pid)
            self.samples += 1
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), self.last)
            self.server_peaks[self.phase] = max(self.server_peaks.get(self.phase, 0), rss_bytes(self.pid))
            self._halt.wait(SAMPLE_SECONDS)

    def enter(self, phase: str) -> None:
        self.phase = phase

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def peak(self) -> int:
        return max(self.peaks.values(), default=0)


# ---------------------------------------------------------------- the server


class Server:
    """``streamlit run app.py`` on 127.0.0.1 (``port``, or a free one), started at construction."""

    def __init__(self, root: Path = ROOT, port: int | None = None):
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(f"/tmp/bench_deploy_server_{self.port}.log", "w")  # noqa: SIM115
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.address", "127.0.0.1", "--server.port", str(self.port),
                "--server.headless", "true", "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=root, env=server_env(), stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_healthy(self, timeout: float = 60.0) -> float:
        """Seconds from spawn until /_stcore/health answers 'ok'."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log.name}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                    if response.read().strip() == b"ok":
                        return time.perf_counter() - self.started
            time.sleep(0.05)
        raise TimeoutError(f"streamlit did not become healthy in {timeout} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def wait_idle(page, timeout_ms: float = 300_000) -> None:
    """Wait until the script run an action triggered has finished (Streamlit's stApp script state).

    The state turns "running" a few ms after a click: wait briefly for that first.
    """
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_selector(APP_RUNNING, state="attached", timeout=1500)
    page.wait_for_selector(APP_IDLE, state="attached", timeout=timeout_ms)


def assert_no_exception(page, where: str) -> None:
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{where}: the page shows an exception: "
                           f"{page.locator('[data-testid=stException]').first.inner_text()[:500]}")


# ---------------------------------------------------------------- scenario steps


def nav_link(page, title: str):
    """The sidebar navigation link of the page titled ``title``."""
    return page.locator('[data-testid="stSidebarNavLink"]').filter(has=page.locator(f'span[label="{title}"]'))


def open_page(page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}/{path}")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_timeout(300)
    wait_idle(page)


def train_seed_preset(page, timeout_s: float = 900.0) -> str:
    """On the Train page: the 'seed' preset (the form's default; picked by its label where the
    served copy shows the older label), Start training, wait for the outcome.

    Returns the first line of the outcome box (st.success / st.warning / st.error).
    """
    label = page.get_by_text(PRESET_LABEL, exact=True)
    if label.count():
        label.click()
        wait_idle(page)
    page.get_by_role("button", name=re.compile("Start training")).click()
    page.get_by_text(re.compile(r"^Run \d+ · (completed|stopped|diverged)$")).first.wait_for(
        state="visible", timeout=timeout_s * 1000
    )
    wait_idle(page)
    assert_no_exception(page, "Train")
    alerts = page.locator('[data-testid="stAlert"] [data-testid="stMarkdownContainer"]')
    return alerts.first.inner_text().strip() if alerts.count() else "(no outcome message)"


# ---------------------------------------------------------------- benchmarks


def server_cpu(server: Server) -> float:
    """CPU seconds of the Streamlit server process itself (not of a training worker it spawned)."""
    return cpu_seconds(server.process.pid)


def settle(page) -> None:
    """Wait for the script run a click started, then for the last deltas to be sent."""
    wait_idle(page)
    page.wait_for_timeout(300)


def cold_start_once(chrome, root: Path) -> dict:
    """Seconds to health, to a ready /draw, server CPU by then, the first prediction (from
    mouse-up), and from spawning the server to that prediction shown: work that the page leaves
    to a background thread (the non-digit check's calibration) is done by the first drawing's
    time or waited for then, so the last figure keeps both in view."""
    context = chrome.new_context(viewport=browser.VIEWPORT)
    page = context.new_page()
    server = Server(root)
    try:
        healthy = server.wait_healthy()
        page.goto(f"{server.url}/draw")
        page.locator(CANVAS).first.wait_for(state="visible", timeout=300_000)
        # Script idle: no wait_idle here, whose wait for a run to start would add 1.5 s when
        # the script has already finished by the time the canvas shows.
        page.wait_for_selector(APP_IDLE, state="attached", timeout=300_000)
        ready = time.perf_counter() - server.started
        cpu = server_cpu(server)
        assert_no_exception(page, "Draw")
        if not nav_link(page, "Draw").count():
            raise RuntimeError("/draw opened without the app's navigation: app.py did not run")
        strokes.wait_settled(page, "draw_canvas", 0.5)
        _, milliseconds = strokes.draw_and_time(page, strokes.canvas_of(page, "draw_canvas"), 7)
        shown = time.perf_counter() - server.started
    finally:
        context.close()
        server.stop()
    return {"healthy": healthy, "ready": ready, "cpu": cpu, "first_prediction": milliseconds / 1000,
            "first_prediction_shown": shown}


def bench_cold_start(chrome, runs: int, roots: dict[str, Path]) -> dict[str, dict]:
    """``cold_start_once`` ``runs`` times for each served copy of ``roots`` ({"new"|"previous":
    root}), taking turns (new, previous, new, ...) so that other work on the machine weighs on
    both alike; medians per copy, and the ratio of each run's /draw ready to the baseline's in
    the same round."""
    results: dict[str, list[dict]] = {key: [] for key in roots}
    for number in range(1, runs + 1):
        for key, root in roots.items():
            result = cold_start_once(chrome, root)
            results[key].append(result)
            print(f"    cold start {number} ({key}): health {result['healthy']:.2f} s, "
                  f"/draw ready {result['ready']:.2f} s (server CPU {result['cpu']:.1f} s), "
                  f"first prediction {result['first_prediction']:.2f} s "
                  f"(shown {result['first_prediction_shown']:.2f} s after spawning)", flush=True)
    figures = {key: {name: statistics.median(result[name] for result in values) for name in values[0]}
               for key, values in results.items()}
    if "previous" in results:
        ratios = [new["ready"] / old["ready"] for new, old in zip(results["new"], results["previous"],
                                                                    strict=True)]
        figures["new"]["ready_ratios"] = ratios
    return figures


def click_at_fraction(page, selector: str, x: float, y: float) -> None:
    """Click a Plotly chart's plot area at (x, y), fractions of its width and height."""
    area = page.locator(f"{selector} .js-plotly-plot .nsewdrag").first
    area.wait_for()
    area.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    box = area.bounding_box()
    page.mouse.click(box["x"] + x * box["width"], box["y"] + y * box["height"])


def cpu_of(server: Server, page, action) -> float:
    before = server_cpu(server)
    action()
    settle(page)
    return server_cpu(server) - before


def bench_clicks(page, server: Server, clicks: int) -> dict:
    """Server CPU per click on Predictions: Next, a grid tile, a confusion-matrix cell."""
    next_button = page.locator(".st-key-predictions_next button")
    figures = {
        "next": [cpu_of(server, page, next_button.click) for _ in range(clicks)],
        "tile": [
            cpu_of(server, page, lambda position=position: click_at_fraction(
                page, '[class*="st-key-predictions_grid_"]', (position % 10 + 0.5) / 10,
                (position // 10 + 0.5) / 10))
            for position in range(11, 11 + 7 * clicks, 7)
        ],
        "cell": [
            cpu_of(server, page, lambda cell=cell: click_at_fraction(
                page, ".st-key-predictions_confusion_0", (cell[1] + 0.5) / 10, (cell[0] + 0.5) / 10))
            for cell in MATRIX_CELLS[:clicks]
        ],
    }
    assert_no_exception(page, "Predictions clicks")
    return {kind: statistics.median(values) for kind, values in figures.items()}


class RequestCount:
    """What a page fetched over HTTP from ``host`` while it loaded, from Chromium's network events
    (a CDP session of its own): responses the server sent (``served``) and those the browser's
    cache answered (``cached``). The websocket is not counted."""

    def __init__(self, page, host: str):
        self.host = host
        self.served = 0
        self.cached = 0
        self.served_paths: list[str] = []
        self._from_cache: set[str] = set()
        self._cdp = page.context.new_cdp_session(page)
        self._cdp.on("Network.requestServedFromCache", lambda event: self._from_cache.add(event["requestId"]))
        self._cdp.on("Network.responseReceived", self._on_response)
        self._cdp.send("Network.enable")

    def _on_response(self, event) -> None:
        response = event["response"]
        if not response["url"].startswith(f"{self.host}/"):
            return
        if (event["requestId"] in self._from_cache or response.get("fromDiskCache")
                or response.get("fromPrefetchCache") or response.get("fromServiceWorker")):
            self.cached += 1
        else:
            self.served += 1
            self.served_paths.append(response["url"][len(self.host):])


@dataclass
class SessionTarget:
    """A page measured by ``bench_sessions``: ``title``, its URL ``path`` on ``server``."""

    title: str
    server: Server
    path: str


def has_page(target: SessionTarget) -> bool:
    """Whether the served copy has the page (the baseline commit lacks the later pages); the
    almost empty app has no app_pages folder and one page."""
    pages = target.server.root / "app_pages"
    return not pages.is_dir() or (pages / f"{target.path or 'home'}.py").is_file()


def new_session_cpu(page, target: SessionTarget) -> tuple[float, RequestCount]:
    """Open ``target`` in ``page`` (a tab not yet used: a new Streamlit session) and wait until
    it is ready; (server CPU seconds meanwhile, the requests it made)."""
    requests = RequestCount(page, target.server.url)
    before = server_cpu(target.server)
    open_page(page, target.server.url, target.path)
    page.wait_for_timeout(300)
    cpu = server_cpu(target.server) - before
    assert_no_exception(page, target.title)
    return cpu, requests


def bench_sessions(chrome, targets: list[SessionTarget], sessions: int, warm_path: str = "") -> dict:
    """Server CPU of a new session opening each page of ``targets`` by URL, two ways, median over
    ``sessions`` repetitions:

    - "fresh": in a fresh browser context (an empty HTTP cache: every static file of Streamlit's
      frontend is fetched, as on a browser's very first visit);
    - "cached": in a new tab of one browser context that has loaded the app before (one tab
      opened ``warm_path`` of each server until ready, then closed): as a student's second
      tab, a return visit or a page opened in a new tab. Streamlit serves its hashed bundles
      with a long cache max-age, so such a tab fetches little more than the page itself.

    Repetitions go round every page and both ways in turn, so that other work on the machine
    weighs on all alike. Returns {"fresh"|"cached": {title: CPU s}, "fresh_requests"|
    "cached_requests": {title: [(served, cached) per repetition]}}.
    """
    targets = [target for target in targets if has_page(target)]
    warmed = chrome.new_context(viewport=browser.VIEWPORT)
    try:
        for server in {id(target.server): target.server for target in targets}.values():
            warm = warmed.new_page()
            open_page(warm, server.url, warm_path)
            warm.close()
        cpu: dict[str, dict[str, list[float]]] = {"fresh": {}, "cached": {}}
        requests: dict[str, dict[str, list[tuple[int, int]]]] = {"fresh": {}, "cached": {}}
        last_served: dict[str, list[str]] = {}
        for _ in range(sessions):
            for target in targets:
                for way in ("fresh", "cached"):
                    context = chrome.new_context(viewport=browser.VIEWPORT) if way == "fresh" else warmed
                    page = context.new_page()
                    seconds, counted = new_session_cpu(page, target)
                    page.close()
                    if way == "fresh":
                        context.close()
                    cpu[way].setdefault(target.title, []).append(seconds)
                    requests[way].setdefault(target.title, []).append((counted.served, counted.cached))
                    if way == "cached":
                        last_served[target.title] = counted.served_paths
    finally:
        warmed.close()
    for title, counts in requests["fresh"].items():
        print(f"    new sessions of {title}: server CPU fresh {format_seconds(cpu['fresh'][title])}, "
              f"cached {format_seconds(cpu['cached'][title])}; requests (by the server/from the cache) "
              f"fresh {request_summary(counts)}, cached {request_summary(requests['cached'][title])}; "
              f"the last cached one's from the server: {' '.join(last_served[title])}", flush=True)
    figures: dict = {way: {title: statistics.median(values) for title, values in by_title.items()}
                     for way, by_title in cpu.items()}
    figures.update({f"{way}_requests": by_title for way, by_title in requests.items()})
    return figures


@contextlib.contextmanager
def almost_empty_app(root: Path = ROOT):
    """A server of a one-line Streamlit app (``st.write``) with ``root``'s .streamlit/config.toml:
    what any new session costs Streamlit itself, the floor under every page's figure."""
    folder = Path(tempfile.mkdtemp(prefix="bench-deploy-empty-"))
    (folder / ".streamlit").mkdir()
    shutil.copy(root / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    (folder / "app.py").write_text('import streamlit as st\n\nst.write("An almost empty page.")\n')
    server = Server(folder)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def session_targets(server: Server, pages: dict[str, str], empty: Server | None) -> list[SessionTarget]:
    """``pages`` (title: URL path) on ``server``, and the almost empty app's page if given."""
    targets = [SessionTarget(title, server, path) for title, path in pages.items()]
    return targets + ([SessionTarget(EMPTY_PAGE, empty, "")] if empty else [])


def first_loads(pages: dict[str, str], warm_paths: tuple[str, ...], sessions: int,
                port: int | None = None) -> dict:
    """``bench_sessions`` for ``pages`` on a server of its own (``port``, or a free one), first
    warmed by one session opening ``warm_paths`` (what a process loads once: models, MNIST),
    beside the almost empty app (``EMPTY_PAGE``) in the same run. The cached way's browser
    context loads Home first."""
    with sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        server = Server(ROOT, port)
        try:
            server.wait_healthy()
            context = chrome.new_context(viewport=browser.VIEWPORT)
            warm = context.new_page()
            for path in warm_paths:
                open_page(warm, server.url, path)
            context.close()
            with almost_empty_app() as empty:
                return bench_sessions(chrome, session_targets(server, pages, empty), sessions)
        finally:
            server.stop()
            chrome.close()


def first_load_rows(figures: dict, title: str, path: str, baseline: str = "Draw",
                    baseline_path: str = "draw") -> list[tuple]:
    """figure_table rows of ``first_loads``' figures for the page ``title`` at ``/path``: its
    server CPU per new session both ways (target 0.3 s each) beside ``baseline``'s, the almost
    empty page's, and the requests each way."""
    target = f"<= {TARGETS['cpu_per_session_seconds']:g} s"
    rows: list[tuple] = []
    for way, browser_kind in SESSION_WAYS.items():
        page, base = figures[way][title], figures[way][baseline]
        rows.append((f"first load of {title} (/{path}), new session, {browser_kind}, server CPU (median)",
                     f"{page:.2f} s ({page / base:.1f}x {baseline})", target, page))
    for way, browser_kind in SESSION_WAYS.items():
        rows.append((f"  baseline: {baseline} (/{baseline_path}), new session, {browser_kind} (median)",
                     f"{figures[way][baseline]:.2f} s", "(baseline)"))
    if EMPTY_PAGE in figures["fresh"]:
        rows.append((f"  floor: {EMPTY_PAGE}, new session, {' / '.join(SESSION_WAYS.values())}",
                     " / ".join(f"{figures[way][EMPTY_PAGE]:.2f} s" for way in SESSION_WAYS), ""))
    for name in (title, baseline):
        counts = [figures[f"{way}_requests"][name] for way in SESSION_WAYS]
        rows.append((f"  HTTP requests of a new session of {name}, by the server / from the browser's cache",
                     "; ".join(f"{browser_kind}: {median_requests(count)}"
                               for browser_kind, count in zip(SESSION_WAYS.values(), counts, strict=True)),
                     ""))
    return rows


def median_requests(counts: list[tuple[int, int]]) -> str:
    """"served / cached" medians (the lower of two middle ones) of (served, cached) counts, e.g. "7 / 90"."""
    return " / ".join(str(statistics.median_low(count[side] for count in counts)) for side in (0, 1))


def format_seconds(values: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values) + " s"


def request_summary(counts: list[tuple[int, int]]) -> str:
    """"served/cached" per repetition, e.g. "133/0, 133/0, 133/0"."""
    return ", ".join(f"{served}/{cached}" for served, cached in counts)


def bench_server(chrome, root: Path, sessions: int, clicks: int, training: bool,
                 pages: dict[str, str] = PAGES) -> dict:
    """Memory after Home, Draw and Predictions; CPU per new session (of ``pages``) and per click
    (none with ``clicks`` 0); training."""
    server = Server(root)
    sampler = RssSampler(server.process.pid)
    sampler.start()
    figures: dict = {}
    try:
        server.wait_healthy()
        time.sleep(1.0)
        figures["idle_mb"] = rss_bytes(server.process.pid) / MB
        context = chrome.new_context(viewport=browser.VIEWPORT)
        page = context.new_page()
        for title in ("Home", "Draw", "Predictions"):
            open_page(page, server.url, PAGES[title])
            time.sleep(0.5)
            figures[f"rss_after_{title.lower()}_mb"] = rss_bytes(server.process.pid) / MB
        time.sleep(5.0)  # a training worker Home may have started: let it finish loading
        figures["tree_after_pages_mb"] = tree_rss_bytes(server.process.pid) / MB
        if clicks:
            figures["clicks"] = bench_clicks(page, server, clicks)
        with almost_empty_app(root) as empty:
            figures["sessions"] = bench_sessions(chrome, session_targets(server, pages, empty), sessions)
        figures["rss_after_sessions_mb"] = rss_bytes(server.process.pid) / MB
        if training:
            sampler.enter("training")
            nav_link(page, "Train").click()
            wait_idle(page)
            figures["training_outcome"] = train_seed_preset(page)
            figures["peak_training_mb"] = sampler.peaks["training"] / MB
            figures["peak_training_server_mb"] = sampler.server_peaks["training"] / MB
        context.close()
    finally:
        sampler.stop()
        server.stop()
    return figures


@contextlib.contextmanager
def baseline_tree(reference: str):
    """The repository at ``reference``, in a temporary detached git worktree."""
    folder = Path(tempfile.mkdtemp(prefix="bench-deploy-baseline-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(folder), reference],
                   check=True)
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], check=False)


def verdict(value: float, target: str) -> str:
    """CPU seconds come in 10 ms clock ticks: 30 ticks are 0.3 s, not 0.3000000000000007."""
    return "met" if round(value, 6) <= TARGETS[target] else "MISSED"


SESSION_WAYS = {"fresh": "fresh browser", "cached": "browser that has loaded the app"}


def report(new: dict, old: dict | None, baseline: str = "previous path") -> list[tuple]:
    """One line per figure: this code, the ``baseline`` (the served copy it is compared with),
    their ratio, and the target met or missed. Returns the rows of benchmarks/report.py's
    figure_table."""
    rows_out: list[tuple] = []

    def line(name: str, unit: str, value, previous, target: str | None) -> None:
        if value is None:
            return
        text = f"  {name:<74} {value:8.2f} {unit:<3}"
        measured = f"**{value:.2f} {unit}**"
        if previous:
            text += f"   {baseline} {previous:8.2f} {unit:<3} ({value / previous:5.2f}x)"
            measured += f" ({baseline} {previous:.2f} {unit}, {value / previous:.2f}x)"
        if target:
            text += f"   target <= {TARGETS[target]:g} {unit}: {verdict(value, target)}"
        print(text)
        goal = f"<= {TARGETS[target]:g} {unit}" if target else ""
        rows_out.append((name.strip(), measured, goal, value) if target else (name.strip(), measured, ""))

    def get(figures, *keys):
        for key in keys:
            if not isinstance(figures, dict) or key not in figures:
                return None
            figures = figures[key]
        return figures

    def requests(title: str) -> None:
        """Median requests per new session that the server and the browser's cache answered."""
        counts = {way: get(new, "server", "sessions", f"{way}_requests", title) for way in SESSION_WAYS}
        if not all(counts.values()):
            return
        text = "; ".join(f"{SESSION_WAYS[way]}: {median_requests(counts[way])}" for way in SESSION_WAYS)
        name = f"  HTTP requests per new session, by the server / from the browser's cache: {title}"
        print(f"  {name:<74} {text}")
        rows_out.append((name.strip(), text, ""))

    print(f"RESULT (medians; {baseline} = the app at the baseline commit, served and measured the same "
          "way in the same run; ratio = this code / baseline)" if old else "RESULT (medians)")
    old = old or {}
    rows = [
        ("cold start to a ready /draw", "s", ("cold", "ready"), "cold_start_seconds"),
        ("  server CPU by then", "s", ("cold", "cpu"), None),
        ("  health endpoint answering", "s", ("cold", "healthy"), None),
        ("first prediction after a cold start (mouse-up)", "s", ("cold", "first_prediction"),
         "first_prediction_seconds"),
        ("  from spawning the server to that prediction shown", "s", ("cold", "first_prediction_shown"),
         None),
        ("server RSS, idle", "MB", ("server", "idle_mb"), None),
        ("server RSS after Home", "MB", ("server", "rss_after_home_mb"), None),
        ("server RSS after Home, Draw", "MB", ("server", "rss_after_draw_mb"), None),
        ("server RSS after Home, Draw, Predictions", "MB", ("server", "rss_after_predictions_mb"),
         "rss_after_pages_mb"),
        ("  with its child processes (a training worker)", "MB", ("server", "tree_after_pages_mb"), None),
        *[(f"server CPU per click on Predictions: {kind}", "s", ("server", "clicks", kind),
           "cpu_per_click_seconds") for kind in ("next", "tile", "cell")],
    ]
    for name, unit, keys, target in rows:
        line(name, unit, get(new, *keys), get(old, *keys), target)
    for title in (*PAGES, EMPTY_PAGE):
        for way, browser_kind in SESSION_WAYS.items():
            keys = ("server", "sessions", way, title)
            line(f"server CPU per new session ({browser_kind}): {title}", "s", get(new, *keys),
                 get(old, *keys), "cpu_per_session_seconds" if title != EMPTY_PAGE else None)
        requests(title)
    rows = [
        ("server RSS after those new sessions (every page)", "MB", ("server", "rss_after_sessions_mb"), None),
        ("peak RSS server + children, one seed training", "MB", ("server", "peak_training_mb"),
         "peak_training_mb"),
        ("  of which the server alone (its peak)", "MB", ("server", "peak_training_server_mb"), None),
    ]
    for name, unit, keys, target in rows:
        line(name, unit, get(new, *keys), get(old, *keys), target)
    return rows_out


def baseline_label(arguments) -> str:
    """How the tables name the served copy this code is compared with."""
    if arguments.baseline_root:
        return f"baseline {arguments.baseline_root.name}"
    return f"baseline {arguments.baseline_ref}"


def cold_start_summary(cold: dict, label: str) -> str:
    """One sentence: cold start to a ready /draw now against the baseline, as a same-run ratio."""
    new, old = cold["new"], cold["previous"]
    ratios = ", ".join(f"{ratio:.2f}" for ratio in new["ready_ratios"])
    return (f"Cold start to a ready /draw, this code / {label} in the same run: "
            f"{new['ready']:.2f} s / {old['ready']:.2f} s = {new['ready'] / old['ready']:.2f}x "
            f"(medians; run by run {ratios}); server CPU by then {new['cpu']:.2f} s / {old['cpu']:.2f} s "
            f"= {new['cpu'] / old['cpu']:.2f}x.")


def measured_pages(titles: str | None) -> dict[str, str]:
    """PAGES, or those of them named in ``titles`` (comma-separated page titles)."""
    if not titles:
        return PAGES
    chosen = [title.strip() for title in titles.split(",")]
    unknown = [title for title in chosen if title not in PAGES]
    if unknown:
        raise SystemExit(f"--pages: no page titled {', '.join(unknown)}; the pages are {', '.join(PAGES)}")
    return {title: PAGES[title] for title in chosen}


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--training", action="store_true", help="also train the seed preset (peak RSS)")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=3, help="new sessions per page, each way")
    parser.add_argument("--clicks", type=int, default=5, help="clicks of each kind on Predictions (0: none)")
    parser.add_argument("--pages", help="new sessions of these pages only: titles, comma-separated "
                        f"(default every page: {', '.join(PAGES)})")
    parser.add_argument("--baseline-ref", default=BASELINE_REF,
                        help=f"the commit served as the baseline (default {BASELINE_REF}, the Keras server)")
    parser.add_argument("--baseline-root", type=Path, help="serve the baseline from this copy instead")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    arguments = parser.parse_args()
    host = machine()
    label = baseline_label(arguments)
    print(f"machine: {host} (other work on the machine slows these figures)")
    figures: dict = {"new": {}}
    with sync_playwright() as playwright, contextlib.ExitStack() as stack:
        chrome = browser.launch_chromium(playwright)
        stack.callback(chrome.close)
        roots = {"new": ROOT}
        if not arguments.no_baseline:
            roots["previous"] = arguments.baseline_root or stack.enter_context(
                baseline_tree(arguments.baseline_ref))
            figures["previous"] = {}
        print(f"this code: {ROOT}" + (f"; {label}: {roots['previous']}" if "previous" in roots else ""))
        if not arguments.skip_cold:
            for key, cold in bench_cold_start(chrome, arguments.cold_runs, roots).items():
                figures[key]["cold"] = cold
        if not arguments.skip_server:
            for key, root in roots.items():
                print(f"server figures: {key}", flush=True)
                figures[key]["server"] = bench_server(chrome, root, arguments.sessions, arguments.clicks,
                                                      arguments.training, measured_pages(arguments.pages))
    load = f"{os.getloadavg()[0]:.1f} at the end"
    print(f"1-minute load average {load}")
    rows = report(figures["new"], figures.get("previous"), label)
    cold_summary = ""
    if "cold" in figures.get("previous", {}):
        cold_summary = cold_start_summary({key: value["cold"] for key, value in figures.items()}, label)
        print(cold_summary)
    if not arguments.no_readme:
        when = time.strftime("%d %b %H:%M UTC", time.gmtime())
        compared = (f"the {label} is commit {arguments.baseline_ref}"
                    + (" (the last Keras server)" if arguments.baseline_ref == BASELINE_REF else "")
                    if not arguments.baseline_root else f"the {label} is another copy of the app")
        comparison = "Medians; no baseline served." if arguments.no_baseline else (
            f"Medians; {compared}, served and measured the same way in the same run (cold starts "
            "taking turns with it), ratio = this code / baseline.")
        write_section("bench_deploy", (
            "## Serving without TensorFlow — `benchmarks/bench_deploy.py`\n\n"
            f"{when}, {host}, {load} (other work on the machine slows the wall-clock "
            f"figures; CPU and memory much less). {comparison}\n\n"
            + figure_table(rows)
            + (f"\n\n{cold_summary}" if cold_summary else "")
            + "\n\nA new session's server CPU is measured two ways in the same run, taking turns: in a "
            "fresh browser context, whose empty HTTP cache fetches every static file of Streamlit's "
            "frontend, and in a new tab of a browser context that has loaded the app before (Home "
            "once), which Streamlit's long cache max-age on its hashed bundles spares most of them: "
            "the page's own cost. The HTTP request rows count what the server and the browser's "
            "cache answered (medians). The almost empty page is a one-line app with the same "
            "Streamlit and config.toml: what any new session costs Streamlit itself."))
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
