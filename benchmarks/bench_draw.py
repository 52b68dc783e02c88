"""Draw page latency: from a finished stroke to the shown prediction, server side.

Prints median and p95 (milliseconds) of:
  1. canvas_to_mnist + model.predict for one 280x280 drawing, the usual Keras call and the
     previous served path, as the baseline. The served path for one drawing,
     canvas_to_mnist + DenseNetwork.probabilities (NumPy), is measured once, with its target,
     by ``python benchmarks/bench_core.py`` (its row "canvas_to_mnist + DenseNetwork.probabilities");
  2. the page's whole handling of a stroke outside Streamlit: decode the canvas PNG
     (what CanvasResult.image_data does), read_canvas, the probability chart serialised
     as st.plotly_chart does, and the four step tiles PNG-encoded as st.image does;
  3. the Draw page script rerun after a new stroke, in AppTest, timed in the script
     thread (every st.* call of the page); and the whole AppTest.run for reference, which
     adds app.py, the sidebar and AppTest's own polling.

  4. DenseNetwork.probabilities and the page handling timed like strokes (in a new thread
     after an idle gap), with Keras' predict_on_batch as a reference; with --busy N the
     same again while N processes burn CPU, as on a shared host.

Run from the repo root:  MNIST_PATH=/path/to/mnist.npz python benchmarks/bench_draw.py [--busy 4]
"""

from __future__ import annotations

import argparse
import base64
import io
import multiprocessing
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import plotly.io  # noqa: E402
from PIL import Image  # noqa: E402
from streamlit.elements.lib.image_utils import _np_array_to_bytes  # noqa: E402

from benchmarks.report import machine, percentile, times_ms  # noqa: E402
from harness.environment import with_defaults  # noqa: E402
from mnist_core import DenseNetwork, canvas_to_mnist, load_default_model, load_mnist  # noqa: E402
from mnist_core.charts.drawing import probability_bars, step_tiles  # noqa: E402
from mnist_core.reading.familiarity import calibrate  # noqa: E402
from mnist_core.reading.reader import read_canvas  # noqa: E402

REPEATS = 300
STROKE_REPEATS = 30  # "like strokes": each call in a new thread after 250 ms idle
STROKE_GAP = 0.25
BASELINE_REPEATS = 60
APP_RERUNS = 20
CANVAS_KEY = "draw_canvas"  # app_pages/draw.py's canvas key (importing the page would run it)


def drawing(image: np.ndarray, side: int = 200, top: int = 50, left: int = 30) -> np.ndarray:
    """A (28, 28) uint8 digit scaled to ``side`` pixels on a black 280x280 RGBA canvas."""
    ink = np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BILINEAR))
    plane = np.zeros((280, 280), np.uint8)
    plane[top : top + side, left : left + side] = ink
    return np.dstack([plane, plane, plane, np.full_like(plane, 255)])


def data_url(rgba: np.ndarray) -> str:
    """The canvas' PNG data URL, as the component sends it after a stroke."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def decode(url: str) -> np.ndarray:
    """What CanvasResult.image_data does with the data URL."""
    _, encoded = url.split(";base64,", 1)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))))


def page_handling(url: str, model, familiarity=None) -> int:
    """Everything the page computes for one stroke, short of Streamlit's messaging."""
    reading = read_canvas(decode(url), model, familiarity)
    plotly.io.to_json(probability_bars(reading.probabilities), validate=False)
    for tile in step_tiles(reading.steps):
        _np_array_to_bytes(tile, "PNG")
    return reading.digit


def timed_like_strokes(function, repeats: int = STROKE_REPEATS) -> list[float]:
    """Milliseconds per call made as a stroke makes it: after an idle gap, in a new thread
    (Streamlit runs each rerun in a new script thread; thread pools have gone idle)."""
    times: list[float] = []

    def one_call() -> None:
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)

    for _ in range(repeats):
        time.sleep(STROKE_GAP)
        thread = threading.Thread(target=one_call)
        thread.start()
        thread.join()
    return times


def burn_cpu(until: float) -> None:
    """Keep one core busy until ``until`` (time.time()): a stand-in for a shared host."""
    count = 0
    while time.time() < until:
        count += 1


def summary(name: str, times: list[float], baseline: float | None = None) -> float:
    median = statistics.median(times)
    p95 = percentile(times, 0.95)
    ratio = f"   {baseline / median:6.1f}x faster than model.predict" if baseline else ""
    print(f"{name:<58} median {median:8.2f} ms   p95 {p95:8.2f} ms   (n={len(times)}){ratio}")
    return median


def app_reruns(urls: list[str]) -> tuple[list[float], list[float]]:
    """Whole Draw-page reruns in AppTest, each after a new injected stroke.

    Returns two lists of milliseconds: the page script itself (StreamlitPage.run, timed in
    the script thread: every st.* call of the page, with its messages and media; bytecode
    cached as a server does), and the whole AppTest.run (which adds app.py, the sidebar
    and AppTest's polling sleeps).
    """
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_script_runner
    from streamlit.navigation.page import StreamlitPage
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    page_times: list[float] = []
    original_run = StreamlitPage.run

    def timed_run(page) -> None:
        start = time.perf_counter()
        try:
            original_run(page)
        finally:
            page_times.append((time.perf_counter() - start) * 1000.0)

    os.chdir(ROOT)  # .streamlit/config.toml
    StreamlitPage.run = timed_run
    # AppTest compiles every script afresh on each run; a server compiles it once and
    # keeps the bytecode. Share one cache across runs so the page is timed as served.
    shared_cache = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared_cache
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.switch_page("app_pages/draw.py")
        at.run()
        run_times = []
        for index in range(APP_RERUNS + 3):
            at.session_state[CANVAS_KEY] = {
                "drawing": {"raw": {"objects": [{"type": "Path"}]}, "data": urls[index % len(urls)]},
                "backgroundFit": None,
            }
            start = time.perf_counter()
            at.run()
            run_times.append((time.perf_counter() - start) * 1000.0)
            if at.exception or not [metric for metric in at.metric if metric.label == "Prediction"]:
                raise RuntimeError("the Draw page did not show a prediction in AppTest")
    finally:
        StreamlitPage.run = original_run
        app_test.ScriptCache = local_script_runner.ScriptCache = ScriptCache
    return page_times[-APP_RERUNS:], run_times[-APP_RERUNS:]  # the first reruns warm caches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--busy", type=int, default=0, help="also time strokes with this many CPU-burning processes"
    )
    arguments = parser.parse_args()
    with_defaults(os.environ)  # MNIST from MNIST_PATH or the shared copy; quiet TensorFlow
    (_, _), (x_test, y_test) = load_mnist()
    model, _ = load_default_model()
    network = DenseNetwork.from_keras_model(model)
    rgba = drawing(x_test[0])
    url = data_url(rgba)
    digit = int(network.probabilities(canvas_to_mnist(rgba)).argmax())
    familiarity = calibrate(network)  # the Draw page's non-digit check, part of its handling
    print(f"One 280x280 drawing of test image 0 (label {y_test[0]}), classified as {digit}.")
    print(f"{machine()}\n")

    baseline = summary(
        "canvas_to_mnist + model.predict (baseline)",
        times_ms(
            lambda: model.predict(canvas_to_mnist(rgba)[np.newaxis].reshape(1, 784), verbose=0),
            BASELINE_REPEATS,
        ),
    )
    print("canvas_to_mnist + DenseNetwork.probabilities, one drawing: python benchmarks/bench_core.py")
    summary(
        "page handling of a stroke (decode, read, chart, 4 tiles)",
        times_ms(lambda: page_handling(url, network, familiarity), REPEATS),
        baseline,
    )
    summary("  of which decoding the canvas PNG", times_ms(lambda: decode(url), REPEATS))
    reading = read_canvas(rgba, network)
    summary(
        "  of which the probability chart, serialised",
        times_ms(lambda: plotly.io.to_json(probability_bars(reading.probabilities), validate=False), REPEATS),
    )
    summary(
        "  of which the four step tiles as PNG",
        times_ms(lambda: [_np_array_to_bytes(t, "PNG") for t in step_tiles(reading.steps)], REPEATS),
    )
    urls = [
        data_url(drawing(x_test[index], 150 + 10 * index, 20 + 5 * index, 60 - 5 * index))
        for index in range(5)
    ]
    page_times, run_times = app_reruns(urls)
    summary("Draw page script rerun after a stroke (AppTest)", page_times, baseline)
    summary("whole AppTest.run after a stroke (app.py, sidebar, polling)", run_times)
    strokes_like(model, network, rgba, url, busy=0)
    if arguments.busy:
        strokes_like(model, network, rgba, url, busy=arguments.busy)


def strokes_like(model, network, rgba: np.ndarray, url: str, busy: int) -> None:
    """The per-stroke figures timed as strokes arrive, optionally with ``busy`` cores burnt."""
    burners = [
        multiprocessing.Process(target=burn_cpu, args=(time.time() + 60,), daemon=True) for _ in range(busy)
    ]
    for burner in burners:
        burner.start()
    print(f"\nLike strokes (new thread after {STROKE_GAP * 1000:.0f} ms idle), {busy} CPU-burning processes:")
    centred = canvas_to_mnist(rgba)
    summary("  DenseNetwork.probabilities", timed_like_strokes(lambda: network.probabilities(centred)))
    summary(
        "  model.predict_on_batch (reference)",
        timed_like_strokes(lambda: model.predict_on_batch(centred.reshape(1, 784))),
    )
    familiarity = calibrate(network)  # the Draw page's non-digit check
    summary("  page handling of a stroke",
            timed_like_strokes(lambda: page_handling(url, network, familiarity)))
    for burner in burners:
        burner.terminate()
        burner.join()


if __name__ == "__main__":
    main()
