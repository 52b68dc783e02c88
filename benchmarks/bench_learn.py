"""How it learns: the page's server CPU per step, Step x100, the landscape, memory per session and the
first load, each beside a baseline measured in the same run.

Prints:
  1. one Step x1 (forward, backward, update, every picture and chart the page redraws): the target's
     figure is the real server's CPU for a Step click in Chromium (its process's CPU from /proc, the
     script run and the sending of its elements), mean over --clicks clicks, where a Step reruns
     only the page's fragment of what a step changes; baseline: a rerun of that fragment without a
     step (another hidden unit picked: every picture redrawn), so the difference is the step's own
     work. Target <= 60 ms. For comparison, the same click in AppTest, which has no fragment reruns
     (a click reruns the whole page and compiles the page script anew) beside a rerun of the Draw
     page with nothing drawn; no target;
  2. one Step x100 (the steps, the progress updates and the page's rerun after) in AppTest: CPU and
     wall time; target <= 3 s;
  3. the landscape (21 x 21 points on 256 images): CPU of ``Lesson.landscape``; baseline: the same
     grid as 441 plain forward passes (what the page's linear-first-layer shortcut saves); target <= 2 s;
  4. memory per session: what a session's run keeps after Step x100, a gradient check, the landscape
     and a race (tracemalloc, which NumPy reports its arrays to), and what is left after the session
     is dropped; target <= 10 MB, freed;
  5. other sessions meanwhile: a Draw rerun in another session while this one runs Step x100, against
     the same rerun with nothing else running (the page's steps release the GIL in NumPy);
  6. the first load of the page in a new session, measured as bench_deploy's "server CPU per new
     session" rows: a real ``streamlit run`` server warmed by one session opening Home, Draw and How it
     learns, then --sessions times each page opened by URL in a fresh browser context (Streamlit's
     static files fetched too) and in a new tab of a browser that has loaded the app before (the
     page's own cost); server CPU, median; baseline: Draw's first load the same ways, beside an
     almost empty page's; the HTTP requests each way; target <= 0.3 s.

NumPy's BLAS runs one thread per call, as in the server (mnist_core.serving.process).
Run from the repo root:  MNIST_PATH=/path/to/mnist.npz python benchmarks/bench_learn.py
It rewrites its section of benchmarks/README.md (``--no-readme`` to only print).
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.report import argument_parser, figure_table, machine, publish  # noqa: E402
from harness.environment import with_defaults  # noqa: E402
from mnist_core.learning.network import Parameters, forward  # noqa: E402
from mnist_core.serving.process import one_blas_thread  # noqa: E402

PAGE, BASELINE_PAGE = "app_pages/learn.py", "app_pages/draw.py"


def cpu(function) -> tuple[float, float]:
    """(process CPU seconds, wall seconds) of ``function()``: AppTest runs the script in a thread of this
    process, so the process's CPU is the server's."""
    started, wall = time.process_time(), time.perf_counter()
    function()
    return time.process_time() - started, time.perf_counter() - wall


def open_page(page: str, timeout: float = 300):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(page)
    at.run()
    if at.exception:
        raise SystemExit(f"{page} raised: {[e.message for e in at.exception]}")
    return at


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def bench_step(repeats: int) -> list[tuple]:
    at = open_page(PAGE)
    at.button(key="learn_step_1").click().run()  # warm: first figures, Plotly's validators
    steps = [cpu(lambda: at.button(key="learn_step_1").click().run())[0] for _ in range(repeats)]
    draw = open_page(BASELINE_PAGE)
    baseline = [cpu(draw.run)[0] for _ in range(repeats)]
    hundred_cpu, hundred_wall = cpu(lambda: at.button(key="learn_step_100").click().run())
    lesson = at.session_state["learn_lesson"]
    if at.exception or lesson.step != repeats + 101:
        raise SystemExit(f"Step x100 went wrong: step {lesson.step}, {at.exception}")
    step, base = statistics.median(steps), statistics.median(baseline)
    print(f"Step x1 page run, server CPU median {ms(step)} (Draw rerun {ms(base)}); "
          f"Step x100 CPU {hundred_cpu:.2f} s, wall {hundred_wall:.2f} s")
    return [
        ("Step x1 in AppTest: a whole page run (no fragment reruns there), CPU (median)",
         f"{ms(step)} ({step / base:.1f}x baseline)", ""),
        ("  baseline: Draw page rerun in AppTest, nothing drawn, CPU (median)", ms(base), "(baseline)"),
        ("Step x100 incl. progress and the rerun after, server CPU", f"{hundred_cpu:.2f} s", "<= 3 s",
         hundred_cpu),
        ("Step x100, wall time", f"{hundred_wall:.2f} s", "<= 3 s", hundred_wall),
    ]


def bench_real_server(clicks: int) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    from harness import browser
    from harness.processes import cpu_seconds

    def server_cpu(page, action) -> float:
        before = cpu_seconds({server.process.pid})
        action()
        browser.wait_idle(page)
        return cpu_seconds({server.process.pid}) - before

    with browser.StreamlitServer(name="bench-learn-server") as server, sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        page, _ = browser.new_page(chrome)
        browser.open_app(page, server.url, "learn")
        step = page.get_by_role("button", name="Step ×1", exact=True)
        unit = page.locator(".st-key-learn_unit input")
        server_cpu(page, step.click)  # warm
        steps, redraws = [], []
        for index in range(clicks):
            steps.append(server_cpu(page, step.click))
            pick = str(index + 1)
            redraws.append(server_cpu(page, lambda pick=pick: (unit.fill(pick), unit.press("Tab"))))
        chrome.close()
    # The mean, not the median: /proc counts CPU in 10 ms ticks, so each click reads a whole number
    # of ticks and a median of them moves in 10 ms steps; the mean of many clicks does not.
    step_cpu, redraw_cpu = statistics.mean(steps), statistics.mean(redraws)
    print(f"real server: Step x1 {ms(step_cpu)}, redraw without a step {ms(redraw_cpu)} "
          f"(means of {clicks}; medians {ms(statistics.median(steps))}, {ms(statistics.median(redraws))})")
    return [(f"one step: a Step x1 click in Chromium, real server's CPU incl. every picture "
             f"(mean of {clicks})", f"{ms(step_cpu)} ({step_cpu / redraw_cpu:.1f}x baseline)", "<= 60 ms",
             step_cpu * 1000),
            ("  baseline: the step's pictures redrawn without a step (another unit), real server "
             f"(mean of {clicks})", ms(redraw_cpu), "(baseline)")]


def bench_landscape() -> list[tuple]:
    from mnist_core.learning.landscape import directions
    from mnist_core.learning.lesson import Lesson
    from mnist_core.learning.settings import LearningSettings
    from ui.learning_views import shared_lesson_data
    from ui.resources import load_dataset

    data = shared_lesson_data(load_dataset())
    lesson = Lesson(LearningSettings(), data)
    lesson.take_steps(20)
    seconds, _ = cpu(lambda: lesson.landscape(1.0))

    def plain():
        first, second = directions(lesson.params, lesson.path.raw, "float32")
        triples = list(zip(lesson.params.arrays(), first.arrays(), second.arrays(), strict=True))
        for alpha in np.linspace(-1, 1, 21, dtype="float32"):
            for beta in np.linspace(-1, 1, 21, dtype="float32"):
                moved = Parameters(*(w + alpha * a + beta * b for w, a, b in triples))
                forward(moved, data.landscape_x, data.landscape_labels)

    baseline, _ = cpu(plain)
    print(f"landscape {seconds:.2f} s CPU, 441 plain forward passes {baseline:.2f} s")
    return [("landscape, 21 x 21 on 256 images, CPU", f"{seconds:.2f} s ({seconds / baseline:.2f}x baseline)",
             "<= 2 s", seconds),
            ("baseline: the same grid as 441 plain forward passes, CPU", f"{baseline:.2f} s", "(baseline)")]


def use_every_section(at) -> None:
    """Step x100, a gradient check, the landscape and a race in the session of ``at``."""
    at.button(key="learn_step_100").click().run()
    at.button(key="learn_check_button").click().run()
    at.button(key="learn_landscape_button").click().run()
    next(button for button in at.button if button.label == "Race").click().run()
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception}")


def bench_memory() -> list[tuple]:
    # once before measuring, in a session of its own: the shared images cached and the modules that
    # the sections import on first use (Plotly's trace classes) loaded, once per process
    use_every_section(open_page(PAGE))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    at = open_page(PAGE)
    use_every_section(at)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    lesson_bytes = at.session_state["learn_lesson"].nbytes
    del at
    gc.collect()
    left = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    print(f"session after Step x100, check, landscape, race: {held / 1e6:.1f} MB "
          f"(the run's arrays {lesson_bytes / 1e6:.1f} MB); after the session is dropped {left / 1e6:.2f} MB")
    return [("memory per session after Step x100, check, landscape, race",
             f"{held / 1e6:.1f} MB (the run's arrays {lesson_bytes / 1e6:.1f} MB)", "<= 10 MB", held / 1e6),
            ("  left after the session is dropped", f"{left / 1e6:.2f} MB", "")]


def bench_other_session(repeats: int) -> list[tuple]:
    import threading

    draw = open_page(BASELINE_PAGE)
    alone = [cpu(draw.run)[1] for _ in range(repeats)]
    learner = open_page(PAGE)
    runner = threading.Thread(target=lambda: learner.button(key="learn_step_100").click().run())
    runner.start()
    time.sleep(0.3)
    beside = []
    while runner.is_alive():
        beside.append(cpu(draw.run)[1])
    runner.join()
    if not beside:
        raise SystemExit("Step x100 ended before the other session could rerun once.")
    quiet, busy = statistics.median(alone), statistics.median(beside)
    print(f"Draw rerun in another session: alone {ms(quiet)}, during Step x100 {ms(busy)} "
          f"({len(beside)} reruns)")
    return [("another session's Draw rerun during Step x100, wall (median)",
             f"{ms(busy)} ({busy / quiet:.1f}x alone, {len(beside)} reruns)", ""),
            ("baseline: the same rerun with nothing else running (median)", ms(quiet), "(baseline)")]


def bench_first_load(sessions: int) -> list[tuple]:
    """Server CPU of a new session's first load of How it learns and of Draw, measured as
    bench_deploy's "server CPU per new session" rows: a real ``streamlit run`` server, warmed by
    one session opening Home, Draw and How it learns, then each page opened by URL in a fresh
    browser context and in a new tab of one that has loaded the app before."""
    from benchmarks.bench_deploy import first_load_rows, first_loads

    # the shipped model, MNIST and a seed's start are made once per process
    figures = first_loads({"How it learns": "learn", "Draw": "draw"}, ("", "draw", "learn"), sessions)
    return first_load_rows(figures, "How it learns", "learn")


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--clicks", type=int, default=30,
                        help="Step x1 clicks (and as many redraws) in the real server")
    parser.add_argument("--sessions", type=int, default=5, help="new sessions per page (first load)")
    args = parser.parse_args()
    with_defaults(os.environ)  # MNIST from MNIST_PATH or the shared copy; quiet TensorFlow
    os.chdir(ROOT)
    one_blas_thread()
    host = machine()
    started = time.perf_counter()
    rows = (bench_step(args.repeats) + bench_real_server(args.clicks) + bench_landscape() + bench_memory()
            + bench_other_session(args.repeats)
            + bench_first_load(args.sessions))
    table = figure_table(rows)
    section = f"""## How it learns — `benchmarks/bench_learn.py`

Command: `python benchmarks/bench_learn.py`

Measured {time.strftime("%d %b %H:%M UTC", time.gmtime())} on {host}; {os.getloadavg()[0]:.1f} at the
end; whole run {time.perf_counter() - started:.0f} s.

{table}

- The one-step and first-load targets are measured in a real `streamlit run` server driven by
  Chromium: the server process's CPU (/proc, 10 ms ticks) from a click or a page load until the app
  is idle again, the script run and the sending of its elements alike. {args.clicks} clicks for
  the real server's step means (CPU is counted in 10 ms ticks), {args.repeats} repeats for the other
  step medians, {args.sessions} new sessions for the first loads. The AppTest rows are this
  process's CPU time around `AppTest` runs (the script and the serialisation of its elements, plus
  AppTest's own parsing of them), warm caches, NumPy's BLAS on one thread as in the server.
- In the browser a Step click, like a new hidden unit, reruns only the page's fragment of what a
  step changes (the steps, the history, forward, backward, update, check and landscape); AppTest
  has no fragment reruns, so its Step row is a run of the whole page (the app's frame, the controls
  and the race too, and the page script compiled anew, which AppTest does on every run).
- A step's own work (forward and backward on 128 images, the RMSprop update of 407,050 weights,
  accuracy on 1,000 validation images, the path's dot products) is the difference between the
  Chromium step and redraw rows; the rest is the fragment's pictures, formulas and three Plotly
  charts, redrawn on every step. CPU time grows with the machine's load (shared caches and
  cores): compare rows with their baseline, not with a target, when the load average is far above 2.
- Step x100's wall time is its CPU time plus the time this process waited for a core.
- First load, two ways taking turns: a fresh browser context fetches every static file of Streamlit's
  frontend; a new tab of a browser that has loaded the app before (Home once) finds most of them in its
  cache (Streamlit's hashed bundles have a long max-age), so its figure is the page's own cost. The
  almost empty page is a one-line app with the same Streamlit and config.toml, the floor of them all.
- Memory counts what NumPy and Python allocate (tracemalloc), not the RSS; the images every session
  shares (about 4 MB of float32 validation and landscape slices) are cached, and the modules the
  sections import on first use loaded, by a session of its own before measuring.
"""
    publish("bench_learn", section, readme=not args.no_readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
