"""Break it: a slider move, a session model's robustness curves, the page's first load.

Prints, each beside a baseline measured in the same run:
  1. a slider move: what the page's fragment computes (transform the digit, every model's
     probabilities and bars, every model's FGSM picture), median ms; and the whole page rerun in
     AppTest (an upper bound: in the browser a slider move reruns only the fragment). Target 50 ms.
  2. a session model's curves (all AXES over the 10,000 test digits, the seed network) computed
     as the server computes them (``CurveCache``: its thread at nice +10, WORKERS threads, one
     BLAS thread, the server's mmap threshold, the warp matrices not yet built): wall seconds
     from submit to result (target 10 s on 2 cores) and the CPU seconds of every thread but
     the benchmark's own; meanwhile that own thread (nice 0, as a page's script)
     reads a drawing as Draw does (canvas -> MNIST steps -> probabilities -> bars) five times a
     second: its median against the same measured just before. Then the same with one thread,
     and with the drawings back to back.
  3. the page's first load: server CPU of a new session opening /lab on a warm ``streamlit
     run`` server, measured as bench_deploy's "server CPU per new session" rows (target 0.3 s),
     in a fresh browser context (Streamlit's static files fetched too) and in a new tab of a
     browser that has loaded the app before (the page's own cost), beside Draw's and an almost
     empty page's in the same run, with the HTTP requests each way.

Run from the repo root:  MNIST_PATH=/path/to/mnist.npz python benchmarks/bench_lab.py
It rewrites its section of benchmarks/README.md (``--no-readme`` to only print).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import argument_parser, figure_table, machine, times_ms, write_section  # noqa: E402
from harness.environment import with_defaults  # noqa: E402
from mnist_core import load_mnist  # noqa: E402
from mnist_core.charts.drawing import probability_bars  # noqa: E402
from mnist_core.charts.lab import enlarged, perturbation_picture  # noqa: E402
from mnist_core.config import MODELS_DIR  # noqa: E402
from mnist_core.lab import attacks, transforms  # noqa: E402
from mnist_core.lab.curves import AXES, WORKERS, CurveCache  # noqa: E402
from mnist_core.reading.reader import read_canvas  # noqa: E402
from mnist_core.serving.model_files import load_network  # noqa: E402
from mnist_core.serving.network import DenseNetwork  # noqa: E402
from mnist_core.serving.process import one_blas_thread, release_freed_buffers_promptly  # noqa: E402

DRAWING_INTERVAL = 0.2  # seconds between a drawing session's strokes: five a second, as bench_worker_threads


def median_ms(function, repeats: int) -> float:
    return statistics.median(times_ms(function, repeats))


def slider_move(models, image: np.ndarray, label: int, shift: int) -> None:
    """What the fragment computes for one slider position (short of Streamlit's messaging)."""
    import plotly.io

    changed = transforms.apply(image, transforms.Edits(shift_x=shift, rotation=10))
    enlarged(changed)
    for network in models:
        plotly.io.to_json(probability_bars(network.probabilities(changed)[0]), validate=False)
        attacked = attacks.fgsm(network, changed, [label], 0.1)[0]
        perturbation_picture(attacked - changed.reshape(-1), 0.1)
        network.probabilities(attacked)


def bench_slider(models, x_test, y_test, repeats: int) -> list[tuple]:
    shifts = iter(np.tile(np.arange(-8, 9), 100))
    image = x_test[0] / np.float32(255)
    core = median_ms(lambda: slider_move(models, image, int(y_test[0]), next(shifts)), repeats)
    baseline = median_ms(lambda: probability_bars(models[0].probabilities(image)[0]).to_json(), repeats)
    print(f"slider move, the fragment's work for {len(models)} models: {core:.1f} ms "
          f"(baseline, one model's bars: {baseline:.1f} ms)")
    from streamlit.testing.v1 import AppTest

    os.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["test"] = "0"
    at.switch_page("app_pages/lab.py")
    at.run()
    assert not at.exception, at.exception
    reruns = []
    for shift in np.tile(np.arange(-8, 9), 2)[:repeats]:
        started = time.perf_counter()
        at.slider(key="lab_dx").set_value(int(shift)).run()
        reruns.append((time.perf_counter() - started) * 1000)
    draw = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    draw.switch_page("app_pages/draw.py")
    draw.run()
    draw_reruns = median_ms(draw.run, repeats)
    page = statistics.median(reruns)
    print(f"slider move, whole page rerun (AppTest): {page:.0f} ms; Draw page rerun {draw_reruns:.0f} ms")
    return [
        (f"slider move: the fragment's work, {len(models)} models, median", f"{core:.1f} ms", "<= 50 ms",
         core),
        ("baseline: one model's probabilities and bars", f"{baseline:.1f} ms", "(baseline)"),
        ("slider move: whole page rerun in AppTest (upper bound), median", f"{page:.0f} ms", "(reference)"),
        ("Draw page rerun in AppTest, nothing drawn, median", f"{draw_reruns:.0f} ms", "(reference)"),
    ]


def canvas_of(image: np.ndarray) -> np.ndarray:
    """A test digit drawn large on a black 280x280 RGBA canvas, as the Draw page receives it."""
    from PIL import Image

    ink = np.asarray(Image.fromarray(image).resize((200, 200), Image.Resampling.BILINEAR))
    plane = np.zeros((280, 280), np.uint8)
    plane[40:240, 40:240] = ink
    return np.dstack([plane, plane, plane, np.full_like(plane, 255)])


def curves_while_drawing(network, x_test, y_test, workers: int, stroke, repeats: int,
                         interval: float = 0.0) -> dict:
    """A session model's curves as the server's ``CurveCache`` computes them (its thread at nice
    +10, ``workers`` threads, a fresh process's caches), while this thread reads a drawing every
    ``interval`` seconds (0: back to back, one core kept busy): wall and CPU seconds of the
    computation, and the median stroke-to-prediction, beside the same measured just before
    (curves idle), so both see the same machine."""
    transforms._warp_matrix.cache_clear()  # what a fresh server process has not built yet
    idle = median_ms(stroke, repeats)
    cache = CurveCache(workers=workers)
    load_before = os.getloadavg()[0]
    process_before, own_before = time.process_time(), time.thread_time()
    started = time.perf_counter()
    future = cache.submit(network, x_test, y_test)
    during = []
    while not future.done():
        if interval:
            start = time.perf_counter()
            during.extend(times_ms(stroke, 1))
            time.sleep(max(0.0, interval - (time.perf_counter() - start)))
        else:
            during.append(median_ms(stroke, 5))
    wall = time.perf_counter() - started
    future.result()  # raises what the computation raised
    # every thread's CPU but this one's (which read the drawings)
    cpu = (time.process_time() - process_before) - (time.thread_time() - own_before)
    cache.close()
    return {"wall": wall, "cpu": cpu, "stroke": statistics.median(during) if during else float("nan"),
            "idle": idle, "load": load_before}


def bench_curves(network: DenseNetwork, x_test, y_test, repeats: int) -> list[tuple]:
    import plotly.io

    canvas = canvas_of(x_test[7])
    default_network, _ = load_network(MODELS_DIR / "default.keras")

    def stroke() -> None:
        reading = read_canvas(canvas, default_network)
        plotly.io.to_json(probability_bars(reading.probabilities), validate=False)

    cases = [(WORKERS, DRAWING_INTERVAL, "the app's, a drawing every "
              f"{DRAWING_INTERVAL:g} s"), (1, DRAWING_INTERVAL, "for comparison"),
             (WORKERS, 0.0, "drawings back to back")]
    rows = []
    for workers, interval, label in cases:
        run = curves_while_drawing(network, x_test, y_test, workers, stroke, repeats, interval)
        ratio = run["stroke"] / run["idle"]
        print(f"session model's curves (seed network), {workers} worker thread(s), {label}: "
              f"{run['wall']:.1f} s wall, {run['cpu']:.1f} s CPU "
              f"(load average {run['load']:.1f} at the start); stroke-to-prediction meanwhile "
              f"{run['stroke']:.2f} ms, just before {run['idle']:.2f} ms ({ratio:.2f}x)")
        target = "<= 10 s" if (workers, interval) == (WORKERS, DRAWING_INTERVAL) else "(reference)"
        rows += [
            (f"session model's curves, all 10,000 test digits, {workers} thread(s) ({label}), wall",
             f"{run['wall']:.1f} s", target, run["wall"]),
            (f"  CPU of the computation, {workers} thread(s)", f"{run['cpu']:.1f} s", "(reference)"),
            (f"  stroke-to-prediction meanwhile, {workers} thread(s), median",
             f"{run['stroke']:.2f} ms ({ratio:.2f}x the baseline)", "(vs baseline)"),
            ("  baseline: stroke-to-prediction just before, curves idle, median", f"{run['idle']:.2f} ms",
             "(baseline)"),
        ]
    return rows


def bench_first_load(sessions: int, port: int) -> list[tuple]:
    """Server CPU of a new session's first load of Break it and of Draw, measured as
    bench_deploy's "server CPU per new session" rows: a real ``streamlit run`` server, warmed by
    one session opening Home, Draw and Break it, then each page opened by URL in a fresh browser
    context and in a new tab of one that has loaded the app before."""
    from benchmarks.bench_deploy import first_load_rows, first_loads

    # shipped models, curves and MNIST are loaded once per process
    figures = first_loads({"Break it": "lab", "Draw": "draw"}, ("", "draw", "lab"), sessions, port)
    return first_load_rows(figures, "Break it", "lab")


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=5, help="new sessions per page (first load)")
    parser.add_argument("--port", type=int, help="the measured server's port (default: a free one)")
    parser.add_argument("--only", choices=("slider", "first-load", "curves"),
                        help="measure one part only (then benchmarks/README.md is left as it is)")
    args = parser.parse_args()
    with_defaults(os.environ)  # MNIST from MNIST_PATH or the shared copy; quiet TensorFlow
    one_blas_thread()  # as the server does (ui.resources.tune_server_process)
    release_freed_buffers_promptly()
    _, (x_test, y_test) = load_mnist()
    models = [load_network(MODELS_DIR / f"{name}.keras")[0] for name in ("seed", "default", "convnet")]
    host = machine()
    rows = []
    if args.only in (None, "slider"):
        rows += bench_slider(models, x_test, y_test, args.repeats)
    if args.only in (None, "first-load"):
        rows += bench_first_load(args.sessions, args.port)
    if args.only in (None, "curves"):
        rows += bench_curves(models[0], x_test, y_test, args.repeats)
    table = figure_table(rows)
    print("\n" + table)
    section = f"""## Break it — `benchmarks/bench_lab.py`

Command: `python benchmarks/bench_lab.py`.

Measured {time.strftime("%d %b %H:%M UTC", time.gmtime())} on {host}, {os.getloadavg()[0]:.1f} at the
end.

{table}

- A slider move reruns only the page's fragment (input, sliders, picture, every model's bars,
  FGSM pictures); the first row is that work in-process for the seed, default and convnet models
  (shift changes, 10° rotation, FGSM at ε 0.1). The AppTest row reruns the whole page and is an
  upper bound.
- The curves rows run the page's background computation (`CurveCache`: its thread at nice
  +10 sharing the settings out to {WORKERS} threads at that priority, one BLAS thread, the
  server's mmap threshold) for the seed network on the 10,000 test digits: {len(AXES)} curves,
  from a process that has not built the warp matrices yet. Wall is submit to
  result; CPU is every thread's but the benchmark's own, which meanwhile reads a drawn digit the
  way Draw does (at nice 0, as a page's script) every {DRAWING_INTERVAL:g} s, a drawing session
  stroking five times a second, beside the same measured just before the computation started. The
  same with one thread for comparison, and with the drawings back to back (one core and much of
  the GIL kept busy at nice 0, far more than a class's drawing: the curves then get about one core).
- First load: server CPU of a new session opening /lab on a warm `streamlit run` server, as
  bench_deploy's "server CPU per new session" rows measure every page, beside Draw's and an
  almost empty one-line app's in the same run (static files, the script run, the media and
  messages). Two ways, taking turns: a fresh browser context fetches every static file of
  Streamlit's frontend; a new tab of a browser that has loaded the app before (Home once) finds
  most of them in its cache (Streamlit's hashed bundles have a long max-age), so its figure is
  the page's own cost.
"""
    if not args.no_readme and args.only is None:
        write_section("bench_lab", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
