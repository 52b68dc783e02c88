"""What one session costs in CPU, in its browser and in the server: a drawing, a training tab,
a tab waiting in line.

Why: in the load test (benchmarks/load_test.py) the 8 headless Chromiums that stand in for the
students' machines take about 1.26 of the machine's 2 cores and the server about 0.13, so the
browsers, not the server, fill the machine. This script measures one action at a time on an
otherwise idle server, with CPU read from Linux /proc (utime + stime):

1. **Draw**: ``--drawings`` drawings of 1, 0 and 7 with the mouse, as the load test draws them,
   each in three phases: Clear (click → the canvas empty → the page idle for SETTLE s), the
   strokes (the mouse moves and releases), the prediction (→ "Prediction" shown → idle). Milliseconds
   of CPU per drawing for all of that Chromium's processes and for the server.
2. **Train**: session A trains all 60,000 images while session B waits 1st in line behind it,
   each on the Train page, each in its own Chromium; milliseconds of CPU per second of each
   browser and of the server over ``--seconds``.

Run from the repository root:  python benchmarks/bench_browser.py [--drawings 12] [--seconds 30] [--no-readme]
MNIST comes from MNIST_PATH (default ../shared/data/mnist.npz next to the repository).
Needs Debian's /usr/bin/chromium; never `playwright install`.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.report import argument_parser, machine, publish  # noqa: E402
from harness import browser, strokes  # noqa: E402
from harness.processes import cpu_seconds, process_ids  # noqa: E402

DIGITS = (1, 0, 7)  # the digits the browser helpers draw
PHASES = ("Clear", "strokes", "prediction")
SETTLE = 1.5  # seconds idle after Clear before drawing, as in the load test
TRAIN_EPOCHS = 50  # all 60,000 images: longer than any --seconds window on this machine


def open_in_new_browser(playwright, url: str, title: str):
    """(page, browser, its process ids): the app's page ``title`` in a Chromium of its own, so
    its CPU is its own. The ids are taken once the page is open (its renderer exists by then)."""
    before = process_ids("chromium")
    chrome = browser.launch_chromium(playwright)
    page, _ = browser.new_page(chrome)
    browser.open_app(page, url)
    browser.go_to(page, title)
    return page, chrome, process_ids("chromium") - before


def draw(url: str, server_pid: int, drawings: int) -> dict[str, Counter]:
    """CPU seconds (browser, server) per phase, summed over ``drawings`` drawings."""
    spent = {"browser": Counter(), "server": Counter()}
    with sync_playwright() as playwright:
        page, chrome, browser_ids = open_in_new_browser(playwright, url, "Draw")
        clear = page.locator(".st-key-draw_clear button")
        prediction = browser.metric_value(page, "Prediction")
        canvas = strokes.clear_canvas(page, clear, "draw_canvas", gone=prediction, quiet=SETTLE)
        strokes.draw_and_time(page, canvas, DIGITS[0], timeout=60)  # warm: model and page loaded
        browser.wait_idle(page)

        def clock() -> tuple[float, float]:
            return cpu_seconds(browser_ids), cpu_seconds({server_pid})

        for number in range(drawings):
            marks = [clock()]
            # The load test's Clear: click, the canvas empty, then SETTLE s idle (a few ms of CPU).
            strokes.clear_canvas(page, clear, "draw_canvas", gone=prediction, quiet=SETTLE)
            marks.append(clock())
            strokes.draw_strokes(page, canvas, strokes.DIGIT_STROKES[DIGITS[number % len(DIGITS)]])
            marks.append(clock())
            prediction.wait_for(timeout=60_000)
            browser.wait_idle(page)
            marks.append(clock())
            for phase, start, end in zip(PHASES, marks[:-1], marks[1:], strict=True):
                spent["browser"][phase] += end[0] - start[0]
                spent["server"][phase] += end[1] - start[1]
        chrome.close()
    return spent


def start_run(page, size: int, epochs: int) -> None:
    browser.set_number(page, "train_size", size)
    browser.set_number(page, "train_epochs", epochs)
    page.locator(".st-key-train_start button").click()


def train(url: str, server_pid: int, seconds: float) -> dict[str, float]:
    """CPU milliseconds per second of a training tab's browser, a waiting tab's, and the server's."""
    with sync_playwright() as playwright:
        trainer, trainer_browser, trainer_ids = open_in_new_browser(playwright, url, "Train")
        waiter, waiter_browser, waiter_ids = open_in_new_browser(playwright, url, "Train")
        start_run(trainer, 60_000, TRAIN_EPOCHS)
        browser.run_heading(trainer, "Run 1", "training").wait_for(timeout=300_000)
        trainer.get_by_text("Epoch 1/").first.wait_for(timeout=300_000)  # the data is ready
        start_run(waiter, 60_000, 1)
        waiter.get_by_text("1st in line").first.wait_for(timeout=60_000)
        groups = {"training tab": trainer_ids, "tab 1st in line": waiter_ids, "server": {server_pid}}
        before = {name: cpu_seconds(ids) for name, ids in groups.items()}
        time.sleep(seconds)
        after = {name: cpu_seconds(ids) for name, ids in groups.items()}
        still = browser.run_heading(trainer, "Run 1", "training").count() == 1
        if not still or waiter.get_by_text("1st in line").count() != 1:
            raise RuntimeError("a run ended or started inside the window: use fewer --seconds")
        for chrome in (trainer_browser, waiter_browser):
            chrome.close()
    return {name: 1000 * (after[name] - before[name]) / seconds for name in groups}


def report(spent: dict[str, Counter], drawings: int, per_second: dict[str, float], seconds: float) -> str:
    rows = ["| what | browser (ms of CPU) | server (ms of CPU) |", "|---|---|---|"]
    for phase in PHASES:
        rows.append(f"| a drawing: {phase} | {1000 * spent['browser'][phase] / drawings:.0f} "
                    f"| {1000 * spent['server'][phase] / drawings:.0f} |")
    total_browser = 1000 * sum(spent["browser"].values()) / drawings
    total_server = 1000 * sum(spent["server"].values()) / drawings
    rows.append(f"| **a drawing, all three** | **{total_browser:.0f}** | **{total_server:.0f}** |")
    rows.append(f"| a second of a Train tab whose run trains | {per_second['training tab']:.0f} "
                f"| {per_second['server']:.0f} (both tabs) |")
    rows.append(f"| a second of a Train tab 1st in line behind it | {per_second['tab 1st in line']:.0f} | |")
    return (
        "## What a session costs its browser and the server — `benchmarks/bench_browser.py`\n\n"
        f"Command: `python benchmarks/bench_browser.py --drawings {drawings} --seconds {seconds:g}`\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on "
        f"{machine(browser.chromium_version(), when='at the end')}. One session "
        f"at a time on an idle server; a drawing's figures are the mean of {drawings}, a Train "
        f"tab's are over {seconds:g} s.\n\n" + "\n".join(rows) + "\n\n"
        "- A drawing's phases, as the load test draws: Clear (click → the canvas empty → the "
        f"page idle for {SETTLE:g} s: two reruns, the cleared canvas sends its blank image), the "
        "strokes (the mouse moves), the prediction (→ \"Prediction\" shown → the page idle).\n"
        f"- Per drawing the browser spent {total_browser / max(total_server, 1e-9):.0f}x the server's "
        "CPU. In the load test the 4 drawers and 4 Train tabs stand in for the students' "
        "machines, and on this one machine they share the server's 2 cores: that is why its "
        "Chromiums take most of them.\n"
    )


def main(argv=None) -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--drawings", type=int, default=12, help="drawings to average over")
    parser.add_argument("--seconds", type=float, default=30, help="the Train tabs' window")
    args = parser.parse_args(argv)
    browser.require_chromium()
    with browser.StreamlitServer(name="bench-browser-server") as server:
        spent = draw(server.url, server.process.pid, args.drawings)
        per_second = train(server.url, server.process.pid, args.seconds)
    text = report(spent, args.drawings, per_second, args.seconds)
    publish("bench_browser", text, readme=not args.no_readme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
