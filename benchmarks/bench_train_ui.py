"""Overhead of the Train page's live UI (progress bar, live Plotly charts) on training time.

Prints figures and a ratio against a baseline measured in the same run:

- page:     the real Train page (app_pages/train.py) run by Streamlit's AppTest: its own widgets
            set the settings, its Start button trains, with the live progress bar and the two
            live charts drawn into real st.empty() placeholders (protobuf deltas, element ids,
            Plotly JSON, the forward-message queue). Time = the run's fit wall time
            (Run.seconds, which includes every on_batch / on_epoch callback of the page).
- baseline: mnist_core.train(config, x, y) with no callbacks at all, same config, same seed.
            Time = TrainResult.seconds (fit wall time).

Repeats are interleaved (baseline, page / page, baseline, ...) and medians are taken, as the
machine is shared. The page also measures the time spent inside its own callbacks; that share
is printed too (it does not depend on comparing two separate runs). Target: ratio <= 1.05.

Run from the repository root:
    MNIST_PATH=/work/shared/data/mnist.npz python benchmarks/bench_train_ui.py [--repeats 3]
        [--epochs 5] [--train-size 60000]
Defaults are the 'seed' preset as a user starts it: Dense(512) on all 60,000 images, 5 epochs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "MNIST_PATH" not in os.environ and (ROOT.parent / "shared" / "data" / "mnist.npz").is_file():
    os.environ["MNIST_PATH"] = str(ROOT.parent / "shared" / "data" / "mnist.npz")

from streamlit.runtime.pages_manager import PagesManager  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1 import app_test as app_test_module  # noqa: E402

import mnist_core  # noqa: E402

PAGE_TIMEOUT = 1800  # seconds for one AppTest run of the page (training included)
TARGET = 1.05


class NavigationPagesManager(PagesManager):
    """Run app.py (st.navigation) on every AppTest run, as the real server does after its first.

    With a app_pages/ folder next to app.py, AppTest would otherwise run the page file alone from
    the second run on (see tests/test_app_train.py).
    """

    def __init__(self, *args, **kwargs):
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)


def baseline_seconds(config: mnist_core.ModelConfig, x_train, y_train) -> float:
    """Fit wall time of mnist_core.train with no callbacks."""
    result = mnist_core.train(config, x_train, y_train)
    if result.status != mnist_core.COMPLETED:
        raise RuntimeError(f"baseline run did not complete: {result.message}")
    return result.seconds


def page_seconds(config: mnist_core.ModelConfig) -> tuple[float, float, int]:
    """Train ``config`` through the Train page; (fit seconds, seconds in the page's callbacks, redraws)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=PAGE_TIMEOUT)
    at.switch_page("app_pages/train.py")
    at.run()
    at.radio(key="train_preset").set_value("seed").run()
    at.number_input(key="train_epochs").set_value(config.epochs)
    at.number_input(key="train_size").set_value(config.train_size or 60000)
    at.number_input(key="train_seed").set_value(config.seed)
    at.button(key="train_start").click()
    at.run()
    if at.exception:
        raise RuntimeError(f"the Train page raised: {at.exception}")
    [run] = at.session_state["runs"].values()
    if run.status != mnist_core.COMPLETED or run.config != config:
        raise RuntimeError(f"page run: status {run.status}, config {run.config}, {run.message}")
    details = at.session_state["train_details"][run.id]
    return run.seconds, details["ui_seconds"], details["ui_updates"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=60000)
    arguments = parser.parse_args()
    app_test_module.PagesManager = NavigationPagesManager
    os.chdir(ROOT)  # .streamlit/config.toml is read from the working folder

    size = None if arguments.train_size >= 60000 else arguments.train_size
    config = mnist_core.preset("seed").replace(epochs=arguments.epochs, train_size=size)
    (x_train, y_train), _ = mnist_core.load_mnist()
    print(f"config: {config.describe()}, {arguments.train_size} images; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    rows = []
    for repeat in range(arguments.repeats):
        order = ("baseline", "page") if repeat % 2 == 0 else ("page", "baseline")
        figures = {}
        for kind in order:
            if kind == "baseline":
                figures["baseline"] = baseline_seconds(config, x_train, y_train)
            else:
                figures["page"], figures["ui"], figures["redraws"] = page_seconds(config)
        rows.append(figures)
        print(
            f"repeat {repeat + 1}: baseline {figures['baseline']:.2f} s, page {figures['page']:.2f} s, "
            f"ratio {figures['page'] / figures['baseline']:.3f}; in the page's callbacks "
            f"{figures['ui']:.3f} s ({figures['ui'] / figures['page']:.2%}), "
            f"{figures['redraws']} chart redraws",
            flush=True,
        )

    baseline = statistics.median(row["baseline"] for row in rows)
    page = statistics.median(row["page"] for row in rows)
    pair_ratio = statistics.median(row["page"] / row["baseline"] for row in rows)
    ui_share = statistics.median(row["ui"] / row["page"] for row in rows)
    print()
    print(f"median fit time, no UI (mnist_core.train, no callbacks): {baseline:.2f} s")
    print(f"median fit time, Train page with live progress and charts: {page:.2f} s")
    print(f"ratio of medians (page / no UI): {page / baseline:.3f}   target <= {TARGET}")
    print(f"median of per-repeat ratios: {pair_ratio:.3f}")
    print(f"median share of fit time spent in the page's live-UI callbacks: {ui_share:.2%}   target < 5%")
    elapsed = time.perf_counter() - started
    print(f"whole benchmark: {elapsed:.0f} s, load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
