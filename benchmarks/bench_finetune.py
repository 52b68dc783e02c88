"""Your digits (issue 27): fine-tuning on a writer unlike MNIST's, scoring a set, the page's first load.

    MNIST_PATH=/path/to/mnist.npz python benchmarks/bench_finetune.py [--no-readme] [--no-browser]

1. Fine-tune. The writer: ``mnist_core.data.synthetic.font_style_ink``, digits in the shapes of
   Pillow's bundled font (its 1 has a flag and a foot, its 4 is closed, its 6 and 9 are straight)
   written with a round pen, each instance with its own slant, rotation, size, pen width and
   elastic wobble, then put through the MNIST steps as a drawing is. 50 digits (5 of each, seed
   100) are tuned on; 500 others (50 of each, seed 200, never trained on) measure before and after.
   The shipped model is tuned with the page's settings (``FinetuneSettings()``) by the page's code
   (``mnist_core.training.worker.finetune``), on 1 TensorFlow thread as in the training worker.
   Targets: held-out accuracy +5 points or more, MNIST test accuracy -0.3 points at most, 60 s
   at most. Baseline in the same run: one epoch of the lesson's network on all 60,000 images.
2. Scoring 500 digits (``mnist_core.digits.scoring.score``, median of 50), against the same
   call on 500 MNIST test digits. Target 50 ms.
3. The page's first load: server CPU of a new session opening /mine on a warm server (median of
   3 fresh browser contexts), beside Draw's (/draw) in the same run. Target 0.3 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import argument_parser, figure_table, machine, publish, times_ms  # noqa: E402
from mnist_core import load_mnist  # noqa: E402
from mnist_core.data.synthetic import font_style_set  # noqa: E402
from mnist_core.digits.collection import DigitSet  # noqa: E402
from mnist_core.digits.scoring import score  # noqa: E402
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_default_network  # noqa: E402
from mnist_core.serving.process import one_blas_thread  # noqa: E402
from mnist_core.training.tuning import FinetuneJob, FinetuneSettings  # noqa: E402

TUNE_SEED, HELD_SEED = 100, 200


def bench_finetune(mnist) -> tuple[list[tuple], list[str]]:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)  # as the training worker (WORKER_THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    from mnist_core.config import ModelConfig
    from mnist_core.training.worker.finetune import finetune
    from mnist_core.training.worker.fit import train

    (x_train, y_train), (x_test, y_test) = mnist
    tune_images, tune_labels = font_style_set(5, TUNE_SEED)
    held_images, held_labels = font_style_set(50, HELD_SEED)
    settings = FinetuneSettings()
    job = FinetuneJob("models/default.keras", DEFAULT_MODEL_PATH.read_bytes(), tune_images, tune_labels,
                      held_images, held_labels, settings)
    begun = time.perf_counter()
    result, report = finetune(job, x_train, y_train, x_test, y_test)
    whole = time.perf_counter() - begun
    baseline = train(ModelConfig(epochs=1, validation_split=0.0), x_train, y_train).seconds
    base = load_default_network()[0]
    per_digit_before = score(base, DigitSet.from_arrays(held_images, held_labels)).class_accuracy()
    from mnist_core.serving.network import DenseNetwork

    tuned = DenseNetwork.from_keras_model(result.model)
    per_digit_after = score(tuned, DigitSet.from_arrays(held_images, held_labels)).class_accuracy()
    gain = (report.held_after - report.held_before) * 100
    cost = (report.mnist_before - report.mnist_after) * 100
    rows = [
        ("held-out font-style digits (500): before -> after", f"{report.held_before:.3f} -> "
         f"{report.held_after:.3f}", "", None),
        ("  gain, points", f"{gain:+.1f}", ">= 5", gain),
        ("MNIST test (10,000): before -> after", f"{report.mnist_before:.4f} -> {report.mnist_after:.4f}",
         "", None),
        ("  cost, points", f"{cost:.2f}", "<= 0.3", cost),
        ("fine-tune time (fit), s", f"{report.seconds:.1f}", "<= 60", report.seconds),
        ("  with the before/after scoring, s", f"{whole:.1f}", "", None),
        ("  baseline: 1 epoch of the lesson's network on 60,000, s", f"{baseline:.1f}", "", None),
        ("  ratio fine-tune / baseline epoch", f"{report.seconds / baseline:.2f}", "", None),
    ]
    notes = [
        f"- Settings: {settings.epochs} epochs of {settings.images_per_epoch(50):,} images (the 50 digits "
        f"{settings.repeats} times, augmented, and {settings.mnist_images:,} MNIST training images drawn "
        f"afresh each epoch), batch {settings.batch_size}, Adam at {settings.learning_rate:g}.",
        "- Held-out accuracy per digit before: " + ", ".join(
            f"{digit}: {value:.2f}" for digit, value in enumerate(per_digit_before)),
        "- after: " + ", ".join(f"{digit}: {value:.2f}" for digit, value in enumerate(per_digit_after)),
    ]
    return rows, notes


def bench_scoring(mnist) -> list[tuple]:
    (_, _), (x_test, y_test) = mnist
    network = load_default_network()[0]
    mine = DigitSet.from_arrays(*font_style_set(50, HELD_SEED))
    reference = DigitSet.from_arrays(x_test[:500], y_test[:500])

    def median_ms(digits) -> float:
        return statistics.median(times_ms(lambda: score(network, digits), 50))

    own, baseline = median_ms(mine), median_ms(reference)
    return [
        ("scoring 500 of one's own digits (median), ms", f"{own:.1f}", "<= 50", own),
        ("  baseline: the same on 500 MNIST test digits, ms", f"{baseline:.1f}", "", None),
    ]


def bench_first_load(sessions: int = 3) -> list[tuple]:
    from playwright.sync_api import sync_playwright

    from harness import browser
    from harness.processes import cpu_seconds

    figures = {}
    with browser.StreamlitServer("bench-finetune-server") as server, sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        for path in ("mine", "draw", "mine", "draw"):  # warm: every module imported, caches filled
            page = chrome.new_context(viewport=browser.VIEWPORT).new_page()
            browser.open_app(page, server.url, path)
            page.context.close()
        for path in ("mine", "draw"):
            values = []
            for _ in range(sessions):
                context = chrome.new_context(viewport=browser.VIEWPORT)
                page = context.new_page()
                before = cpu_seconds({server.process.pid})
                browser.open_app(page, server.url, path)
                values.append(cpu_seconds({server.process.pid}) - before)
                if browser.exceptions(page):
                    raise RuntimeError(f"/{path} raised: {browser.exceptions(page)}")
                context.close()
            figures[path] = statistics.median(values)
        chrome.close()
    return [
        ("page first load, server CPU of a new session: /mine, s", f"{figures['mine']:.2f}", "<= 0.3",
         figures["mine"]),
        ("  baseline: /draw in the same run, s", f"{figures['draw']:.2f}", "", None),
    ]


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--no-browser", action="store_true", help="skip the page's first-load figure")
    arguments = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    one_blas_thread()  # as the app server scores: one BLAS thread per call (sessions share the cores)
    begun, host = time.perf_counter(), machine()
    mnist = load_mnist()
    rows, notes = bench_finetune(mnist)
    rows += bench_scoring(mnist)
    if not arguments.no_browser:
        rows += bench_first_load()
    text = "\n".join([
        "## Your digits — `benchmarks/bench_finetune.py`",
        "",
        "Command: `python benchmarks/bench_finetune.py` (MNIST from `MNIST_PATH`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {host}; "
        f"{machine(when='at the end').split('; ')[-1]}. Whole run: {(time.perf_counter() - begun) / 60:.1f} "
        "min.",
        "",
        figure_table(rows),
        "",
        "- Writer style: `font_style_ink` (Pillow's bundled font, pen-written with random slant, "
        "rotation, size, pen width and elastic wobble); 50 tuning digits (seed 100) and 500 held-out "
        "digits (seed 200) are separate draws, never the same instances.",
        *notes,
    ])
    publish("bench_finetune", text, readme=not arguments.no_readme)


if __name__ == "__main__":
    main()
