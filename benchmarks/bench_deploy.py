"""Community Cloud readiness: peak memory of a real training session, and cold start.

Prints figures, each next to a baseline measured in the same run:

1. Memory. ``streamlit run app.py`` on 127.0.0.1, driven by headless Chromium (PyPI
   playwright, Debian's /usr/bin/chromium). The RSS of the server process and its
   children is sampled from /proc every 100 ms while a browser session:
   opens Home -> opens Train, picks the 'seed' preset (Dense(512) on all 60,000
   images, 5 epochs), presses Start and waits for the run to finish -> opens
   Predictions and waits for it to finish rendering.
   Baselines: peak RSS of a bare ``python -c "import tensorflow"`` and of the idle
   server (before any browser connects). Target: peak <= 1.2 GB.
2. Cold start, 3 times: from ``streamlit run`` (process spawn) to the Draw page, opened
   by its URL /draw, ready for input (its canvas visible and the script no longer
   running), in a browser launched beforehand. Baseline: time until the server's health
   endpoint answers, and the CPU time of a bare TensorFlow import.
   Target: median <= 8 s.

Run from the repository root:  python benchmarks/bench_deploy.py
(``--skip-memory`` or ``--skip-cold`` to run one part; ``--cold-runs N``.)
MNIST comes from MNIST_PATH (default: ../shared/data/mnist.npz next to the repository).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TARGET_PEAK_BYTES = 1.2e9
TARGET_COLD_SECONDS = 8.0
SAMPLE_SECONDS = 0.1
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
APP_RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
MB = 1e6
CANVAS = "canvas.upper-canvas"  # Fabric.js' input layer of the drawing canvas
PRESET_LABEL = "seed: the lesson's network"  # the Train page's preset radio option


def server_env() -> dict[str, str]:
    """The environment of the measured processes: MNIST from MNIST_PATH, quiet TensorFlow."""
    env = dict(os.environ)
    default_data = ROOT.parent / "shared" / "data" / "mnist.npz"
    if not env.get("MNIST_PATH") and default_data.is_file():
        env["MNIST_PATH"] = str(default_data)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
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


def rss_bytes(pid: int) -> int:
    """Resident set size of one process in bytes (VmRSS), 0 once it has exited."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


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
        self.last = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.last = tree_rss_bytes(self.pid)
            self.samples += 1
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), self.last)
            self._halt.wait(SAMPLE_SECONDS)

    def enter(self, phase: str) -> None:
        self.phase = phase

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def peak(self) -> int:
        return max(self.peaks.values(), default=0)


def bare_tensorflow_import() -> tuple[int, float, float]:
    """Peak RSS (bytes), wall seconds and CPU seconds of ``python -c 'import tensorflow'``."""
    code = (  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent
        "import resource, time; started = time.perf_counter(); import tensorflow; "
        "usage = resource.getrusage(resource.RUSAGE_SELF); "
        "peak = next(int(line.split()[1]) for line in open('/proc/self/status') "
        "if line.startswith('VmHWM')); "
        "print(peak, time.perf_counter() - started, usage.ru_utime + usage.ru_stime)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=server_env(), check=True
    ).stdout.split()
    return int(output[-3]) * 1024, float(output[-2]), float(output[-1])


# ---------------------------------------------------------------- the server


class Server:
    """``streamlit run app.py`` on a free 127.0.0.1 port, started at construction."""

    def __init__(self, root: Path = ROOT):
        self.port = free_port()
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
    """On the Train page: pick the 'seed' preset, press Start training, wait for the outcome.

    Returns the first line of the outcome box (st.success / st.warning / st.error).
    """
    page.get_by_text(PRESET_LABEL, exact=True).click()
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


def bench_memory(browser, root: Path = ROOT) -> dict:
    tf_bytes, tf_seconds, tf_cpu = bare_tensorflow_import()
    print(f"baseline  python -c 'import tensorflow': peak RSS {tf_bytes / MB:7.0f} MB "
          f"(import {tf_seconds:.1f} s wall, {tf_cpu:.1f} s CPU)")
    server = Server(root)
    sampler = RssSampler(server.process.pid)
    sampler.start()
    try:
        server.wait_healthy()
        time.sleep(2.0)
        idle = tree_rss_bytes(server.process.pid)
        print(f"baseline  idle server (healthy, no session):  RSS {idle / MB:7.0f} MB")
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        sampler.enter("home")
        open_page(page, server.url, "")
        print(f"          after Home page view:               RSS {sampler.last / MB:7.0f} MB "
              f"(peak {sampler.peaks['home'] / MB:.0f} MB)")
        sampler.enter("train page")
        nav_link(page, "Train").click()
        wait_idle(page)
        sampler.enter("training")
        started = time.perf_counter()
        status = train_seed_preset(page)
        seconds = time.perf_counter() - started
        print(f"          seed training through the app: {seconds:.1f} s, page says: {status}")
        print(f"          peak during training:               RSS {sampler.peaks['training'] / MB:7.0f} MB")
        sampler.enter("predictions")
        nav_link(page, "Predictions").click()
        page.wait_for_timeout(500)
        wait_idle(page, 300_000)
        assert_no_exception(page, "Predictions")
        time.sleep(1.0)
        peak_predictions = sampler.peaks['predictions']
        print(f"          peak during Predictions view:       RSS {peak_predictions / MB:7.0f} MB")
        context.close()
    finally:
        sampler.stop()
        server.stop()
    peak = sampler.peak
    verdict = "within" if peak <= TARGET_PEAK_BYTES else "OVER"
    print(f"RESULT    peak RSS server+children: {peak / MB:.0f} MB ({sampler.samples} samples) = "
          f"{peak / tf_bytes:.2f}x bare TensorFlow, {peak / idle:.2f}x idle server; "
          f"{verdict} the {TARGET_PEAK_BYTES / MB:.0f} MB target")
    return {"peak_bytes": peak, "tensorflow_bytes": tf_bytes, "idle_bytes": idle,
            "phases": sampler.peaks, "training_seconds": seconds}


def cold_start_once(browser, root: Path = ROOT) -> tuple[float, float, float]:
    """(seconds to health, seconds to a ready Draw page, server CPU seconds by then).

    Times run from spawning ``streamlit run``; the browser's first request is the deep link
    /draw, as a bookmark would be. Ready: the canvas is visible, the script idle, and the
    sidebar shows the app's titled navigation (app.py ran, not a bare page script). CPU
    seconds do not grow with other load on the machine as wall time does.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    server = Server(root)
    try:
        healthy = server.wait_healthy()
        page.goto(f"{server.url}/draw")
        page.locator(CANVAS).first.wait_for(state="visible", timeout=300_000)
        wait_idle(page)
        ready = time.perf_counter() - server.started
        cpu = sum(cpu_seconds(member) for member in process_tree(server.process.pid))
        assert_no_exception(page, "Draw")
        if not nav_link(page, "Draw").count():
            raise RuntimeError("/draw opened without the app's navigation: app.py did not run")
    finally:
        context.close()
        server.stop()
    return healthy, ready, cpu


def bench_cold_start(browser, runs: int, root: Path = ROOT) -> dict:
    healthy, ready, cpu = [], [], []
    for number in range(1, runs + 1):
        seconds_healthy, seconds_ready, cpu_used = cold_start_once(browser, root)
        healthy.append(seconds_healthy)
        ready.append(seconds_ready)
        cpu.append(cpu_used)
        print(f"cold start {number}: health endpoint after {seconds_healthy:.2f} s, Draw page ready "
              f"after {seconds_ready:.2f} s (server CPU {cpu_used:.1f} s; load {os.getloadavg()[0]:.1f})")
    median_ready, median_healthy = statistics.median(ready), statistics.median(healthy)
    verdict = "within" if median_ready <= TARGET_COLD_SECONDS else "OVER"
    print(f"baseline  median time to health endpoint: {median_healthy:.2f} s")
    print(f"RESULT    median cold start to a ready Draw page: {median_ready:.2f} s "
          f"({median_ready / median_healthy:.1f}x the bare server start; median server CPU "
          f"{statistics.median(cpu):.1f} s); {verdict} the {TARGET_COLD_SECONDS:.0f} s target")
    return {"ready_seconds": ready, "healthy_seconds": healthy, "server_cpu_seconds": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--root", type=Path, default=ROOT,
        help="serve the app from this copy of the repository (to measure a patch); default: this one",
    )
    arguments = parser.parse_args()
    print(f"app: {arguments.root}")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, load average "
          f"{os.getloadavg()[0]:.2f} (other work on the machine slows these figures)")
    figures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if not arguments.skip_cold:
                figures["cold_start"] = bench_cold_start(browser, arguments.cold_runs, arguments.root)
            if not arguments.skip_memory:
                figures["memory"] = bench_memory(browser, arguments.root)
        finally:
            browser.close()
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
