"""Inside the network: the map's quality and time beside PCA, and the page's server time.

Prints:
  1. the 2-D map of the shipped model's last hidden layer for the 10,000 test digits:
     leave-one-out 10-NN accuracy in the map and seconds, for PCA (the baseline), the
     page's landmark t-SNE (mnist_core.network_map) and, when it is importable, openTSNE
     on all 10,000 points (its import time too); target: >= 0.90 in <= 30 s;
  2. the page's script run in AppTest, median and p95 ms over --repeats runs, for
     a. a new input (another test index in the URL, as Random or a map click does),
     b. a unit click (another unit in the URL, as the grid's on_select does),
     c. the baseline: a rerun of the Draw page with nothing drawn, in the same process;
     target for a and b: <= 150 ms (the map's one-off computation excluded: it is warm);
  3. the core work of a new input alone: explain() and the figures built.

Run from the repo root:  MNIST_PATH=/path/to/mnist.npz python benchmarks/bench_network.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "MNIST_PATH" not in os.environ and (ROOT.parent / "shared" / "data" / "mnist.npz").is_file():
    os.environ["MNIST_PATH"] = str(ROOT.parent / "shared" / "data" / "mnist.npz")

from mnist_core import load_default_network, load_mnist  # noqa: E402
from mnist_core.inspection import explain, hidden_activations  # noqa: E402
from mnist_core.network_map import build_map, fingerprint, knn_accuracy, pca_map  # noqa: E402


def timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def summary(seconds: list[float]) -> str:
    values = sorted(seconds)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


def bench_map(network, x_test, y_test) -> None:
    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores)")
    features, seconds = timed(lambda: hidden_activations(network, x_test)[-1])
    print(f"last hidden layer of 10,000 test digits: {seconds:.2f} s")
    positions, seconds = timed(lambda: pca_map(features))
    baseline = seconds
    print(f"PCA (baseline)             10-NN {knn_accuracy(positions, y_test):.3f}   {seconds:6.2f} s")
    atlas, seconds = timed(lambda: build_map(features, y_test, fingerprint(network)))
    print(f"landmark t-SNE (the page)  10-NN {knn_accuracy(atlas.positions, y_test):.3f}   {seconds:6.2f} s"
          f"   ({seconds / baseline:.0f}x PCA)")
    try:
        _, import_seconds = timed(lambda: __import__("openTSNE"))
    except ImportError:
        print("openTSNE                   not installed (pip install openTSNE to compare)")
        return
    import openTSNE

    embedding, seconds = timed(lambda: np.asarray(openTSNE.TSNE(n_jobs=2, random_state=0).fit(features)))
    print(f"openTSNE, all 10,000       10-NN {knn_accuracy(embedding, y_test):.3f}   {seconds:6.2f} s"
          f"   ({seconds / baseline:.0f}x PCA; import {import_seconds:.2f} s)")


def bench_page(repeats: int) -> None:
    from streamlit.testing.v1 import AppTest

    os.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["test"] = "0"
    at.switch_page("app_pages/network.py")
    at.run()  # warm: dataset, model, unit statistics, the shipped map
    assert not at.exception, at.exception
    rng = np.random.default_rng(0)
    new_input, unit_click = [], []
    for index in rng.integers(0, 10_000, repeats):
        at.query_params["test"] = str(index)
        new_input.append(timed(at.run)[1])
        at.query_params["unit"] = str(rng.integers(0, 512))
        unit_click.append(timed(at.run)[1])
        assert not at.exception, at.exception
    baselines = {}
    for name in ("draw", "predictions"):
        other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        other.switch_page(f"app_pages/{name}.py")
        other.run()
        baselines[name] = [timed(other.run)[1] for _ in range(repeats)]
    baseline = baselines["draw"]
    print(f"load average now: {os.getloadavg()[0]:.1f}")
    print(f"new input (AppTest.run)     {summary(new_input)}   "
          f"{statistics.median(new_input) / statistics.median(baseline):.1f}x baseline")
    print(f"unit click (AppTest.run)    {summary(unit_click)}   "
          f"{statistics.median(unit_click) / statistics.median(baseline):.1f}x baseline")
    print(f"baseline: Draw page rerun   {summary(baseline)}   (nothing drawn)")
    print(f"Predictions page rerun      {summary(baselines['predictions'])}   (a page of charts)")


def bench_core(network, x_test, repeats: int) -> None:
    from mnist_core.charts.network import activation_figure, pixel_parts_figure

    images = x_test[:repeats] / 255.0
    explain_times, figure_times = [], []
    for image in images:
        explanation, seconds = timed(lambda image=image: explain(network, image))
        explain_times.append(seconds)

        def figures(explanation=explanation, image=image):
            grids = [activation_figure(values, 0, "").to_json() for values in explanation.activations]
            return grids + [pixel_parts_figure(explanation.pixel_contributions(digit), image, "").to_json()
                            for digit in (0, 1)]

        figure_times.append(timed(figures)[1])
    print(f"explain() one image         {summary(explain_times)}")
    print(f"grids + 2 pixel maps, JSON  {summary(figure_times)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--skip-map", action="store_true")
    args = parser.parse_args()
    network, _ = load_default_network()
    _, (x_test, y_test) = load_mnist()
    if not args.skip_map:
        bench_map(network, x_test, y_test)
    bench_core(network, x_test, args.repeats)
    bench_page(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
