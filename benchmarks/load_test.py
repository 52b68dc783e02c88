"""Load test: 8 browser sessions at once against one `streamlit run app.py` (4 train, 4 draw).

What it does (everything on 127.0.0.1, every loop bounded in time and count, then it stops):

1. Starts the app on a free port and warms it up (one session draws once: TensorFlow, MNIST and
   the default model load).
2. Baseline: one drawing session alone draws ``--solo`` digits; each is timed in the browser
   from the mouse release to the "Prediction" metric in the DOM (MutationObserver, then the
   next animation frame).
3. Load: 8 sessions, each in its own headless Chromium, for ``--seconds``:
   - drawers A, B, E and F draw 1, 0 and 7 (Clear between them) in different orders, so at
     any moment most of them draw different digits: a prediction leaking between sessions
     would show another digit. Each drawing must show its own digit.
   - trainers C, D, G and H queue small runs through the Train page's form (each its own
     number of training images), up to ``--max-runs`` each, on the server's training queue
     (one job at a time on 2 cores). After every run the runs table must list exactly this
     session's runs ("Run 1".."Run k"), each with this session's settings.
4. Prints p50 / p95 / max of stroke-to-prediction under load against the solo baseline,
   where a stroke's time goes (canvas, the server's first reply, rerun and paint) and the CPU
   each process group used (``harness/strokes.py``, ``harness/processes.py``), accuracy,
   isolation checks, runs done, console errors and exception boxes, and writes them with the
   date and machine into benchmarks/README.md, section "## Browser and load".

Run from the repository root:  python benchmarks/load_test.py  [--seconds 120] [--solo 30] [--no-readme]
MNIST comes from MNIST_PATH (default ../shared/data/mnist.npz next to the repository).
Needs Debian's /usr/bin/chromium; never `playwright install`.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import threading
import time
import traceback
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.report import argument_parser, machine, percentile, write_section  # noqa: E402
from harness import browser, strokes  # noqa: E402
from harness.processes import (  # noqa: E402
    cores_used,
    cpu_by_group,
    lowest_nice_by_group,
    peak_rss_mb,
    run_queue_wait_seconds,
    waiting_share,
)
from harness.strokes import (  # noqa: E402
    CLEAR_TIMES_JS,
    PART_NAMES,
    READ_TIMES_JS,
    WEBSOCKET_TIMES_JS,
    StrokeParts,
    stroke_parts,
)

# The digits the browser helpers can draw are 1, 0 and 7: at each step A, B and E draw three
# different digits and F repeats one of them in another order, so a leak between any two
# sessions drawing different digits shows as a wrong digit.
DRAW_ORDERS = {"A": (1, 0, 7), "B": (7, 1, 0), "E": (0, 7, 1), "F": (1, 7, 0)}
TRAIN_SETTINGS = {"C": (2000, 1), "D": (1500, 2), "G": (2500, 1), "H": (1200, 2)}  # (images, epochs)
P95_TARGET_MS, P95_TARGET_RATIO = 1000, 2.0  # under load: p95 at most 1 s and 2x the solo p95
RESULT_PASS = (
    "- Result: PASS: every drawing showed its own digit, each runs table held only its session's\n"
    "  runs with its own settings, no exception box, no session crashed."
)
MAX_DRAWINGS = 200  # per drawing session, whatever --seconds says
VISIBLE_ROWS = 10  # rows of the runs table the grid renders at least (it draws only those in view)
SETTLE = 1.5  # seconds the page must stay idle after Clear before drawing (see strokes.wait_settled)


@dataclass
class Drawing:
    session: str
    digit: int
    shown: str
    milliseconds: float
    parts: StrokeParts | None = None  # where the milliseconds went (harness/strokes.py)


@dataclass
class SessionReport:
    name: str
    role: str
    drawings: list[Drawing] = field(default_factory=list)
    runs: int = 0
    run_seconds: list[float] = field(default_factory=list)
    isolation_failures: list[str] = field(default_factory=list)
    lost_strokes: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    offline_errors: int = 0
    active_seconds: float = 0.0  # from the start line to the end of this session's last drawing or run
    exceptions: list[str] = field(default_factory=list)
    crash: str = ""


# --- the sessions ------------------------------------------------------------------------------


class StartLine:
    """Holds the sessions until all have loaded their page, then starts the clock for all."""

    def __init__(self, sessions: int, seconds: float, server_pid: int | None = None):
        self.seconds, self.server_pid = seconds, server_pid
        self.deadline = float("inf")
        self.cpu_at_start: dict[str, float] = {}  # CPU seconds per process group at the start
        self.wait_at_start: float | None = None  # the server's main thread's run-queue wait, seconds
        self.barrier = threading.Barrier(sessions, action=self._start, timeout=300)

    def _start(self) -> None:
        if self.server_pid is not None:
            self.cpu_at_start = cpu_by_group(self.server_pid)
            self.wait_at_start = run_queue_wait_seconds(self.server_pid)
        self.deadline = time.monotonic() + self.seconds

    def cores_at_deadline(self, threads: list[threading.Thread]) -> dict[str, float]:
        """Wait for the deadline; the cores each process group used since the start (or {})."""
        while self.deadline == float("inf") and any(thread.is_alive() for thread in threads):
            time.sleep(0.2)
        if self.deadline == float("inf") or self.server_pid is None:
            return {}
        time.sleep(max(0.0, self.deadline - time.monotonic()))
        return cores_used(self.cpu_at_start, cpu_by_group(self.server_pid), self.seconds)

    def wait(self) -> float:
        """Block until every session is ready; return the common deadline (time.monotonic)."""
        self.barrier.wait()
        return self.deadline


def drawing_session(
    report: SessionReport,
    url: str,
    digits: tuple[int, ...],
    seconds: float,
    start: StartLine | None,
    limit: int = MAX_DRAWINGS,
) -> None:
    """Draw ``digits`` in turn (Clear between) for ``seconds`` or ``limit`` drawings."""
    with sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        page, console = browser.new_page(chrome)
        page.add_init_script(WEBSOCKET_TIMES_JS)
        try:
            browser.open_app(page, url)
            browser.go_to(page, "Draw")
            deadline = start.wait() if start is not None else time.monotonic() + seconds
            began = time.monotonic()
            clear = page.locator(".st-key-draw_clear button")
            prediction = browser.metric_value(page, "Prediction")
            count = 0
            while time.monotonic() < deadline and count < limit:
                digit = digits[count % len(digits)]
                canvas = strokes.clear_canvas(page, clear, "draw_canvas", gone=prediction, quiet=SETTLE)
                count += 1
                page.evaluate(CLEAR_TIMES_JS)
                try:
                    shown, milliseconds = strokes.draw_and_time(page, canvas, digit, timeout=30)
                except strokes.StrokeLost as lost:
                    report.lost_strokes.append(str(lost))
                    continue
                parts = stroke_parts(page.evaluate(READ_TIMES_JS), milliseconds)
                report.drawings.append(Drawing(report.name, digit, shown, milliseconds, parts))
                report.active_seconds = time.monotonic() - began
                browser.wait_idle(page)
        except Exception:  # noqa: BLE001 - reported, and the other sessions go on
            report.crash = traceback.format_exc(limit=3)
        finally:
            finish(report, page, console)
            chrome.close()


def training_session(
    report: SessionReport, url: str, size: int, epochs: int, start: StartLine, max_runs: int
) -> None:
    """Train runs of ``size`` images x ``epochs`` through the form; check the runs table each time."""
    own = f"{size:,} images"  # each trainer's own training-set size
    with sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        page, console = browser.new_page(chrome)
        try:
            browser.open_app(page, url)
            browser.go_to(page, "Train")
            deadline = start.wait()
            began = time.monotonic()
            while time.monotonic() < deadline and report.runs < max_runs:
                browser.set_number(page, "train_size", size)
                browser.set_number(page, "train_epochs", epochs)
                begin = time.perf_counter()
                page.locator(".st-key-train_start button").click()
                name = f"Run {report.runs + 1}"
                heading = page.get_by_role(
                    "heading", name=re.compile(rf"^{name} · (completed|stopped|diverged|failed)$")
                )
                heading.wait_for(timeout=300_000)
                report.run_seconds.append(time.perf_counter() - begin)
                report.active_seconds = time.monotonic() - began
                report.runs += 1
                browser.wait_idle(page)
                frame = page.locator('[data-testid="stDataFrame"]').filter(has_text="Status").first
                rows = browser.dataframe_rows(frame)
                names = [row.get("Run") for row in rows]
                expected = [f"Run {number}" for number in range(1, report.runs + 1)]
                # The grid renders only the rows in view (about 12): those must be this session's
                # first runs, in order, and fill the view.
                if names != expected[: len(names)] or len(names) < min(report.runs, VISIBLE_ROWS):
                    report.isolation_failures.append(f"after {report.runs} runs the table lists {names}")
                foreign = [row.get("Settings") for row in rows if own not in (row.get("Settings") or "")]
                if foreign:
                    report.isolation_failures.append(f"rows with another session's settings: {foreign}")
        except Exception:  # noqa: BLE001
            report.crash = traceback.format_exc(limit=3)
        finally:
            finish(report, page, console)
            chrome.close()


def finish(report: SessionReport, page, console) -> None:
    try:
        report.exceptions = browser.exceptions(page)
    except Exception:  # noqa: BLE001 - the page may be gone after a crash
        pass
    report.console_errors = console.errors
    report.offline_errors = len(console.offline)


# --- the run -----------------------------------------------------------------------------------


def run(seconds: float, solo: int, max_runs: int) -> dict:
    browser.require_chromium()
    with browser.StreamlitServer(name="load-test-server") as server:
        print(f"server up at {server.url} after {server.started_seconds:.1f} s (log {server.log_path})")
        warm = SessionReport("warm-up", "draw")
        drawing_session(warm, server.url, (1,), 300, None, limit=1)
        print(f"warm-up: {[(d.digit, d.shown, round(d.milliseconds)) for d in warm.drawings]} {warm.crash}")

        baseline = SessionReport("solo", "draw")
        solo_began = (time.monotonic(), run_queue_wait_seconds(server.process.pid))
        drawing_session(baseline, server.url, (1, 0, 7), 300, None, limit=solo)
        solo_wait = waiting_share(solo_began, (time.monotonic(), run_queue_wait_seconds(server.process.pid)))
        print(f"solo: {len(baseline.drawings)} drawings {baseline.crash}")

        start = StartLine(len(DRAW_ORDERS) + len(TRAIN_SETTINGS), seconds, server.process.pid)
        reports = {name: SessionReport(name, "draw") for name in DRAW_ORDERS}
        reports.update({name: SessionReport(name, "train") for name in TRAIN_SETTINGS})
        threads = [
            threading.Thread(target=drawing_session, name=name,
                             args=(reports[name], server.url, order, seconds, start))
            for name, order in DRAW_ORDERS.items()
        ] + [
            threading.Thread(target=training_session, name=name,
                             args=(reports[name], server.url, size, epochs, start, max_runs))
            for name, (size, epochs) in TRAIN_SETTINGS.items()
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        cores = start.cores_at_deadline(threads)
        load_wait = waiting_share((start.deadline - seconds, start.wait_at_start),
                                  (time.monotonic(), run_queue_wait_seconds(server.process.pid)))
        nice = lowest_nice_by_group(server.process.pid)  # while every browser is still open
        # Bounded: page loads (<= 300 s at the start line), the load phase, then at most one
        # training run or drawing in flight (<= 300 s) per session.
        hard_stop = time.monotonic() + 300 + seconds + 360
        for thread in threads:
            thread.join(timeout=max(1.0, hard_stop - time.monotonic()))
        load_seconds = time.monotonic() - (start.deadline - seconds) if start.deadline < float("inf") else 0.0
        stuck = [thread.name for thread in threads if thread.is_alive()]
        maps = Path(f"/proc/{server.process.pid}/maps").read_text()
        server_tensorflow = "yes" if "tensorflow" in maps else "no"
        server_peak_mb = peak_rss_mb(server.process.pid)
    return {
        "warm": warm, "baseline": baseline, "reports": reports, "load_seconds": load_seconds,
        "stuck": stuck, "server_start": server.started_seconds, "server_tensorflow": server_tensorflow,
        "cores": cores, "nice": nice, "server_peak_mb": server_peak_mb, "waiting": (solo_wait, load_wait),
    }  # fmt: skip


def summarise(result: dict, seconds: float) -> tuple[list[tuple[str, str]], list[str], bool]:
    """(figure rows, notes, passed) from a run's result."""
    baseline: SessionReport = result["baseline"]
    reports: dict[str, SessionReport] = result["reports"]
    drawings = [drawing for name in DRAW_ORDERS for drawing in reports[name].drawings]
    solo_ms = [drawing.milliseconds for drawing in baseline.drawings]
    load_ms = [drawing.milliseconds for drawing in drawings]
    wrong = [d for d in drawings + baseline.drawings if d.shown != str(d.digit)]
    isolation = [f"{name}: {failure}" for name, r in reports.items() for failure in r.isolation_failures]
    crashes = [f"{name}: {r.crash.strip().splitlines()[-1]}" for name, r in reports.items() if r.crash]
    crashes += [f"solo: {baseline.crash.strip().splitlines()[-1]}"] if baseline.crash else []
    console = {name: r.console_errors for name, r in reports.items() if r.console_errors}
    boxes = {name: r.exceptions for name, r in reports.items() if r.exceptions}
    runs = {name: reports[name].runs for name in TRAIN_SETTINGS}

    def stats(values: list[float]) -> str:
        if not values:
            return "none"
        return (
            f"{statistics.median(values):.0f} / {percentile(values, 0.95):.0f} / {max(values):.0f} ms "
            f"(n={len(values)})"
        )

    rows = [
        ("stroke → prediction, 1 drawing session alone (p50 / p95 / max)", stats(solo_ms)),
        ("stroke → prediction, 8 sessions at once (p50 / p95 / max)", stats(load_ms)),
    ]
    if solo_ms and load_ms:
        p95, solo_p95 = percentile(load_ms, 0.95), percentile(solo_ms, 0.95)
        met = p95 <= P95_TARGET_MS and p95 <= P95_TARGET_RATIO * solo_p95
        rows.append((
            f"p95 under load vs target (≤ {P95_TARGET_MS} ms and ≤ {P95_TARGET_RATIO:g}× solo p95)",
            f"{p95:.0f} ms, {p95 / solo_p95:.2f}× solo: {'met' if met else 'missed'}",
        ))  # fmt: skip
    if solo_ms and load_ms:
        rows.append(
            ("p50 under load / p50 alone", f"{statistics.median(load_ms) / statistics.median(solo_ms):.2f}")
        )
    rows += part_rows(baseline.drawings, drawings)
    if result.get("cores"):
        rows.append((
            f"CPU in the load phase, cores of {os.cpu_count()}: " + " / ".join(result["cores"]),
            " / ".join(f"{cores:.2f}" for cores in result["cores"].values()),
        ))  # fmt: skip
    if None not in result.get("waiting", (None,)):
        alone, loaded = result["waiting"]
        rows.append(("server's event loop (its main thread): share of the time it waited for a CPU, "
                     "alone → under load", f"{alone:.1%} → {loaded:.1%}"))
    if result.get("nice"):
        rows.append((
            "lowest nice value of any thread (a lower value outranks a higher one): "
            + " / ".join(result["nice"]),
            " / ".join(str(value) for value in result["nice"].values()),
        ))  # fmt: skip
    if result.get("server_peak_mb"):
        peak = f"{result['server_peak_mb']:,.0f} MB"
        rows.append(("server process peak RSS (its VmHWM, at the end)", peak))
    for name in DRAW_ORDERS:
        rows.append((f"drawer {name}: drawings, right digit", _right(reports[name].drawings)))
    lost = sum(len(r.lost_strokes) for r in [baseline, *reports.values()])
    attempts = lost + len(drawings) + len(baseline.drawings)
    rows.append(("strokes lost (mouse drew, canvas empty, no prediction)", f"{lost} of {attempts}"))
    for name, (size, epochs) in TRAIN_SETTINGS.items():
        times = reports[name].run_seconds
        took = ", ".join(f"{value:.0f}" for value in times) or "–"
        rows.append(
            (
                f"trainer {name} ({size:,} images x {epochs} epoch{'s' if epochs > 1 else ''}): "
                "runs, seconds each (click to 'completed')",
                f"{runs[name]}: {took}",
            )
        )
    busy = ", ".join(f"{name} {reports[name].active_seconds:.0f}" for name in reports)
    rows.append(("seconds each session kept working after the start line", busy))
    rows += [
        ("isolation failures (runs tables, drawings)", str(len(isolation) + len(wrong))),
        ("exception boxes / console errors (app's own)",
         f"{sum(map(len, boxes.values()))} / {sum(map(len, console.values()))}"),
        ("sessions crashed or stuck", str(len(crashes) + len(result["stuck"]))),
        ("server process has TensorFlow loaded (its /proc maps)", result["server_tensorflow"]),
    ]  # fmt: skip
    notes = isolation + [
        f"wrong prediction: session {d.session} drew {d.digit}, saw {d.shown}" for d in wrong
    ]
    notes += crashes + [f"stuck: {name}" for name in result["stuck"]]
    notes += [
        f"console errors in {name}: {errors[:3]}{' …' if len(errors) > 3 else ''}"
        for name, errors in console.items()
    ]
    notes += [f"exception boxes in {name}: {texts}" for name, texts in boxes.items()]
    passed = (
        (not notes or all(note.startswith("console errors") for note in notes))
        and bool(drawings)
        and all(runs.values())
        and not boxes
    )
    return rows, notes, passed


def part_rows(solo: list[Drawing], load: list[Drawing]) -> list[tuple[str, str]]:
    """A row per part of a stroke's time (``harness.strokes.stroke_parts``): p50 / p95 alone, then
    under load."""
    rows = []
    for index, name in enumerate(PART_NAMES):
        columns = []
        for drawings in (solo, load):
            values = [astuple(d.parts)[index] for d in drawings if d.parts is not None]
            middle = f"{statistics.median(values):.0f} / {percentile(values, 0.95):.0f}" if values else "–"
            columns.append(middle)
        rows.append((f"… of which {name} (p50 / p95 ms), alone → under load", " → ".join(columns)))
    return rows


def _right(drawings: list[Drawing]) -> str:
    right = sum(drawing.shown == str(drawing.digit) for drawing in drawings)
    return f"{len(drawings)}, {right} right"


def write_readme(rows, notes, passed: bool, seconds: float, result: dict, command: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    table = ["| figure | measured |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows]
    body = [
        "## Browser and load",
        "",
        f"Command: `{command}`",
        "",
        f"Measured {stamp} on {machine(browser.chromium_version(), when='at the end')}.",
        "The 1-minute load average includes the test's own 8 browsers; absolute times are noisy,",
        "so the solo baseline is measured in the same run, on the same server.",
        f"Server start to healthy: {result['server_start']:.1f} s. "
        f"Load phase: {result['load_seconds']:.0f} s (--seconds {seconds:g} from the moment every",
        "session had loaded its page, plus the runs and drawings still in flight).",
        "",
        *table,
        "",
        "- Stroke → prediction is timed inside the page: from the `pointerup` of the stroke's last",
        '  mouse release to the moment a "Prediction" `st.metric` with a value is in the DOM',
        "  (MutationObserver, then the next animation frame). It includes the canvas sending the PNG,",
        "  the script rerun (MNIST steps + predict) and the browser rendering the delta.",
        "- Each session is its own headless Chromium (Debian's, via PyPI playwright) and so its own",
        "  Streamlit session. The browsers run at a user's CPU priority: run as root, Chromium would",
        "  raise its renderer, compositor and IO threads to nice -8, above the server (the nice row).",
        "  Drawers A, B, E and F draw 1, 0 and 7 in different orders with the",
        "  mouse (several intermediate points per stroke) and press Clear between drawings; trainers",
        "  C, D, G and H queue runs through the Train page's form and read the runs table",
        "  (st.dataframe) after every run.",
        "- The event loop's wait is its time runnable but not running, from the kernel's",
        "  /proc/<server pid>/schedstat, over the solo drawings and over the load phase.",
        RESULT_PASS if passed else "- Result: FAIL; see the notes below.",
    ]
    body += [f"- Note: {note}" for note in notes]
    section = "\n".join(body) + "\n"
    write_section("load_test", section)


def main(argv=None) -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=120, help="length of the load phase")
    parser.add_argument("--solo", type=int, default=30,
                        help="drawings in the solo baseline (its p95 needs a few dozen)")
    parser.add_argument("--max-runs", type=int, default=12, help="training runs per trainer at most")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # progress shows up when redirected to a file
    if not 10 <= args.seconds <= 900:
        parser.error("--seconds must be between 10 and 900 (the test is bounded)")
    command = "python benchmarks/load_test.py" + "".join(
        f" --{name.replace('_', '-')} {value:g}" for name, value in vars(args).items()
        if name != "no_readme" and value != parser.get_default(name)
    )
    began = time.monotonic()
    result = run(args.seconds, args.solo, args.max_runs)
    rows, notes, passed = summarise(result, args.seconds)
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for note in notes:
        print(f"NOTE {note}")
    print(f"{'PASS' if passed else 'FAIL'} in {time.monotonic() - began:.0f} s")
    if not args.no_readme:
        write_readme(rows, notes, passed, args.seconds, result, command)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
