"""Benchmarks of mnist_core (issue 2). Every figure and its baseline are measured in this run.

    python benchmarks/bench_core.py        # MNIST from $MNIST_PATH (or Keras' download)

1. Test accuracy of models/default.keras, and of the seed preset trained fresh.
2. Wall time of train() with progress callbacks against a plain model.fit (same data,
   settings and seed), interleaved repeats, medians: the ratio of the two.
3. Latency of canvas_to_mnist + DenseNetwork.probabilities for one 280x280 drawing: median and p95
   (the one drawing-latency figure; bench_draw.py times the rest of the Draw page's handling).
4. Accuracy on synthetic drawings (MNIST test digits redrawn on a 280x280 canvas at a
   random spot and size, varied stroke width) in both canvas encodings, against the same
   model's plain test accuracy; and the naive whole-canvas resize most demos use.

Prints a table (each figure beside its target says whether it meets it) and writes the
figures into benchmarks/README.md (the "bench_core" section).
"""

from __future__ import annotations

import datetime
import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from benchmarks.report import argument_parser, figure_table, machine, percentile, write_section  # noqa: E402
from mnist_core import (  # noqa: E402
    PRESETS,
    DenseNetwork,
    build_model,
    canvas_to_mnist,
    canvas_to_mnist_steps,
    evaluate,
    flatten_and_scale,
    load_default_network,
    load_mnist,
    train,
)
from mnist_core.data.synthetic import (  # noqa: E402
    ENCODINGS,
    MAX_FRACTION,
    MIN_FRACTION,
    STROKE_RANGE,
    draw_ink,
    encode_canvas,
    naive_resize,
)
from mnist_core.text.runs import settings_summary  # noqa: E402
from mnist_core.training.worker.fit import ProgressCallback  # noqa: E402

COMMAND = "python benchmarks/bench_core.py"  # with MNIST_PATH set, or Keras' download


# ---------------------------------------------------------------- 2. training overhead


def plain_fit(config, x_train, y_train) -> float:
    """(wall, CPU) seconds for the same work train() does, with model.fit and no callbacks."""
    started, cpu = time.perf_counter(), time.process_time()
    inputs = flatten_and_scale(x_train)
    train_count = len(inputs) - int(len(inputs) * config.validation_split)
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, math.ceil(train_count / config.batch_size))
    model.fit(inputs, y_train, epochs=config.epochs, batch_size=config.batch_size,
              validation_split=config.validation_split, verbose=0)
    return time.perf_counter() - started, time.process_time() - cpu


def train_with_callbacks(config, x_train, y_train):
    """(wall, CPU) seconds, result, on_batch calls: train() with callbacks doing trivial recording."""
    batches, epochs, polls = [], [], [0]

    def should_stop():
        polls[0] += 1
        return False

    started, cpu = time.perf_counter(), time.process_time()
    result = train(config, x_train, y_train, on_batch=batches.append,
                   on_epoch=lambda epoch, logs: epochs.append(logs), should_stop=should_stop)
    seconds = time.perf_counter() - started, time.process_time() - cpu
    if len(epochs) != config.epochs or not batches or polls[0] != config.epochs * result.steps_per_epoch:
        raise RuntimeError("the progress callbacks were not all called")
    return seconds, result, len(batches)


def callback_self_time(config, x_train, y_train):
    """train() once with the batch hook timed: (result, seconds spent in it, batches)."""
    original = ProgressCallback.on_train_batch_end
    spent = []

    def timed(self, batch, logs=None):
        clock = time.perf_counter()
        original(self, batch, logs)
        spent.append(time.perf_counter() - clock)

    ProgressCallback.on_train_batch_end = timed
    try:
        _, result, _ = train_with_callbacks(config, x_train, y_train)
    finally:
        ProgressCallback.on_train_batch_end = original
    return result, sum(spent), len(spent)


def measure_overhead(config, x_train, y_train, repeats: int) -> dict:
    """Interleaved (ABBA) repeats of train() and plain fit; medians and their ratio."""
    wall = {"train": [], "fit": []}
    cpu = {"train": [], "fit": []}
    ratios, on_batch_calls = [], []
    for repeat in range(repeats):
        order = ("train", "fit") if repeat % 2 == 0 else ("fit", "train")
        for kind in order:
            if kind == "train":
                seconds, _, calls = train_with_callbacks(config, x_train, y_train)
                on_batch_calls.append(calls)
            else:
                seconds = plain_fit(config, x_train, y_train)
            wall[kind].append(seconds[0])
            cpu[kind].append(seconds[1])
            print(f"  repeat {repeat + 1}: {kind:5s} {seconds[0]:6.2f} s wall, {seconds[1]:6.2f} s CPU",
                  flush=True)
        ratios.append(wall["train"][-1] / wall["fit"][-1])
    median = statistics.median
    return {
        "train_median": median(wall["train"]),
        "fit_median": median(wall["fit"]),
        "ratio": median(wall["train"]) / median(wall["fit"]),
        "pair_ratio_median": median(ratios),
        "pair_ratios": ratios,
        "cpu_ratio": median(cpu["train"]) / median(cpu["fit"]),
        "cpu_train_median": median(cpu["train"]),
        "cpu_fit_median": median(cpu["fit"]),
        "on_batch_calls": median(on_batch_calls),
    }


# ---------------------------------------------------------------- 3. latency


def measure_latency(model, canvases: list[np.ndarray], calls: int) -> dict:
    """Per-call milliseconds of canvas_to_mnist + DenseNetwork.probabilities on one drawing at a time."""
    for canvas in canvases[:10]:  # warm-up: first calls fault in the weights and SciPy
        model.probabilities(canvas_to_mnist(canvas))
    total, preprocess_only, predict_only = [], [], []
    for index in range(calls):
        canvas = canvases[index % len(canvases)]
        started = time.perf_counter()
        digit = canvas_to_mnist(canvas)
        middle = time.perf_counter()
        model.probabilities(digit)
        ended = time.perf_counter()
        total.append(ended - started)
        preprocess_only.append(middle - started)
        predict_only.append(ended - middle)

    def summary(values):
        return 1000 * percentile(values, 0.5), 1000 * percentile(values, 0.95)

    return {"total": summary(total), "preprocess": summary(preprocess_only), "predict": summary(predict_only)}


# ---------------------------------------------------------------- 4. drawn digits


def draw_test_set(x_test: np.ndarray, indices: np.ndarray, seed: int):
    """Canvas ink (float32, 280x280) for each chosen test digit, with its size and stroke."""
    rng = np.random.default_rng(seed)
    fractions = rng.uniform(MIN_FRACTION, MAX_FRACTION, len(indices))
    strokes = rng.uniform(*STROKE_RANGE, len(indices))
    inks = [draw_ink(x_test[index], rng, fraction=fraction, stroke=stroke)
            for index, fraction, stroke in zip(indices, fractions, strokes, strict=True)]
    return inks, fractions, strokes


def centre_at(image: np.ndarray, centre: float, frame: int = 28) -> np.ndarray:
    """Like preprocess.centre_by_mass but with the centre of mass put at ``centre``."""
    height, width = image.shape
    centre_row, centre_col = ndimage.center_of_mass(image)
    top = int(np.clip(round(centre - centre_row), 0, frame - height))
    left = int(np.clip(round(centre - centre_col), 0, frame - width))
    result = np.zeros((frame, frame), dtype="float32")
    result[top : top + height, left : left + width] = image
    return result


def prepare_inputs(inks) -> dict[str, np.ndarray]:
    """(N, 28, 28) model inputs per method: MNIST steps in each encoding, and naive resizing.

    "centre 13.5" is the transparent drawing with the centre of mass put at 13.5 (the
    preprocessing before it was fixed to MNIST's 14.0), to show what that half pixel costs.
    """
    steps = [canvas_to_mnist_steps(encode_canvas(ink, "transparent")) for ink in inks]
    inputs = {"transparent": np.stack([step.centred for step in steps])}
    inputs["opaque"] = np.stack([canvas_to_mnist(encode_canvas(ink, "opaque")) for ink in inks])
    inputs["naive"] = np.stack([naive_resize(encode_canvas(ink, "transparent")) for ink in inks])
    inputs["centre 13.5"] = np.stack([centre_at(step.boxed, 13.5) for step in steps])
    return inputs


def drawn_accuracies(model, inputs: dict, x_plain: np.ndarray, labels: np.ndarray) -> dict:
    scores = {"plain": float((model.probabilities(flatten_and_scale(x_plain)).argmax(1) == labels).mean())}
    for method, batch in inputs.items():
        scores[method] = float((model.probabilities(batch).argmax(1) == labels).mean())
    return scores


def breakdown(model, batch, labels, values, name: str, edges) -> tuple[list[str], list[float]]:
    """Accuracy of ``batch`` per bin of ``values`` (e.g. stroke or size): text lines, accuracies."""
    correct = model.probabilities(batch).argmax(1) == labels
    lines, accuracies = [], []
    for low, high in zip(edges, edges[1:], strict=False):
        chosen = (values >= low) & (values < high)
        if chosen.any():
            accuracy = correct[chosen].mean()
            lines.append(f"{name} {low:+.2f}..{high:+.2f}: {accuracy:.4f} ({chosen.sum()} digits)")
            accuracies.append(float(accuracy))
    return lines, accuracies


# ---------------------------------------------------------------- report


def bin_span(accuracies: list[float]) -> float:
    """Points between the best and worst bin."""
    return 100 * (max(accuracies) - min(accuracies)) if accuracies else float("nan")


def main(argv=None) -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--drawn", type=int, default=10000, help="test digits to draw (default all 10,000)")
    parser.add_argument("--repeats", type=int, default=6, help="interleaved train/fit pairs")
    parser.add_argument("--overhead-epochs", type=int, default=2, help="epochs of each overhead run")
    parser.add_argument("--latency-calls", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn test set")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    host = machine(f"Keras {keras.__version__}")
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{date}; {host}", flush=True)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    default_model, default_meta = load_default_network()
    default_config = default_meta.get("config", {})

    print("1. default model on the test set", flush=True)
    default_accuracy = evaluate(default_model, x_test, y_test).accuracy

    seed = PRESETS["seed"]
    print(f"1. seed preset trained fresh ({settings_summary(seed)}), batch hook timed", flush=True)
    seed_result, hook_seconds, hook_calls = callback_self_time(seed, x_train, y_train)
    seed_model = DenseNetwork.from_keras_model(seed_result.model)
    seed_accuracy = evaluate(seed_model, x_test, y_test).accuracy
    overhead_config = seed.replace(epochs=args.overhead_epochs)
    print(f"2. train() vs plain fit, {settings_summary(overhead_config)}, {args.repeats} interleaved pairs",
          flush=True)
    overhead = measure_overhead(overhead_config, x_train, y_train, args.repeats)

    print(f"4. drawing {args.drawn} test digits on 280x280 canvases", flush=True)
    if args.drawn >= len(x_test):
        indices = np.arange(len(x_test))
    else:
        indices = np.sort(np.random.default_rng(args.seed).permutation(len(x_test))[: args.drawn])
    clock = time.perf_counter()
    inks, fractions, strokes = draw_test_set(x_test, indices, args.seed)
    inputs = prepare_inputs(inks)
    drawing_seconds = time.perf_counter() - clock
    labels = y_test[indices].astype(np.int64)
    drawn = {name: drawn_accuracies(model, inputs, x_test[indices], labels)
             for name, model in (("default", default_model), ("seed", seed_model))}
    stroke_edges = np.linspace(*STROKE_RANGE, 4).tolist()[:-1] + [STROKE_RANGE[1] + 1e-9]
    stroke_lines, stroke_accuracies = breakdown(default_model, inputs["transparent"], labels, strokes,
                                                "stroke", stroke_edges)
    size_lines, size_accuracies = breakdown(default_model, inputs["transparent"], labels, fractions, "size",
                           [MIN_FRACTION, 0.5, 0.75, MAX_FRACTION + 1e-9])

    print("3. latency of canvas_to_mnist + DenseNetwork.probabilities, one drawing", flush=True)
    latency_canvases = [encode_canvas(ink, encoding) for ink in inks[:20] for encoding in ENCODINGS]
    latency = measure_latency(default_model, latency_canvases, args.latency_calls)

    rows = [
        ("models/default.keras test accuracy", f"{default_accuracy:.4f}", ">= 0.986", default_accuracy),
        ("seed preset trained fresh, test accuracy", f"{seed_accuracy:.4f}", ">= 0.975", seed_accuracy),
        ("train() with callbacks / plain fit (medians)",
         f"{overhead['ratio']:.3f} ({overhead['train_median']:.1f} s / {overhead['fit_median']:.1f} s)",
         "<= 1.05", overhead["ratio"]),
        ("  median of per-pair ratios", f"{overhead['pair_ratio_median']:.3f} "
         f"({', '.join(f'{ratio:.2f}' for ratio in overhead['pair_ratios'])})", ""),
        ("  same, process CPU time (medians)",
         f"{overhead['cpu_ratio']:.3f} ({overhead['cpu_train_median']:.1f} s / "
         f"{overhead['cpu_fit_median']:.1f} s)",
         ""),
        ("  time inside the batch hook, share of a seed run",
         f"{hook_seconds * 1000 / hook_calls:.3f} ms x {hook_calls} = {hook_seconds:.2f} s of "
         f"{seed_result.seconds:.1f} s ({100 * hook_seconds / seed_result.seconds:.2f} %)", ""),
        ("canvas_to_mnist + DenseNetwork.probabilities, median / p95",
         f"{latency['total'][0]:.2f} / {latency['total'][1]:.2f} ms", "<= 0.5 ms median",
         latency["total"][0]),
        ("  canvas_to_mnist alone, median / p95",
         f"{latency['preprocess'][0]:.2f} / {latency['preprocess'][1]:.2f} ms", ""),
        ("  DenseNetwork.probabilities alone, median / p95",
         f"{latency['predict'][0]:.2f} / {latency['predict'][1]:.2f} ms", ""),
    ]
    for name in ("default", "seed"):
        scores = drawn[name]
        rows += [
            (f"{name} model: plain test accuracy (same {len(indices)} digits)", f"{scores['plain']:.4f}", ""),
            (f"{name} model: drawn, transparent canvas", f"{scores['transparent']:.4f}",
             f">= {scores['plain'] - 0.01:.4f}", scores["transparent"]),
            (f"{name} model: drawn, opaque black canvas", f"{scores['opaque']:.4f}",
             f">= {scores['plain'] - 0.01:.4f}", scores["opaque"]),
            (f"{name} model: drawn, naive whole-canvas resize", f"{scores['naive']:.4f}", "(what demos do)"),
            (f"{name} model: drawn, centre of mass at 13.5 (old)", f"{scores['centre 13.5']:.4f}",
             "(ablation)"),
        ]
    table = figure_table(rows)
    total_seconds = time.perf_counter() - started
    print("\n" + table)
    print("\nDefault model on drawn digits (transparent), by stroke change (MNIST px) and size:")
    print("\n".join("  " + line for line in stroke_lines + size_lines))

    batches_per_run = seed_result.steps_per_epoch * overhead_config.epochs
    mass = np.array([ndimage.center_of_mass(digit) for digit in x_test.astype("float32")])
    centres, spread = mass.mean(axis=0), mass.std(axis=0)
    seed_cost = 100 * (drawn["seed"]["transparent"] - drawn["seed"]["centre 13.5"])
    default_cost = 100 * (drawn["default"]["transparent"] - drawn["default"]["centre 13.5"])
    sample = "all 10,000" if len(indices) == len(x_test) else f"a seeded sample of {len(indices)}"
    section = f"""## Core (mnist_core) — `benchmarks/bench_core.py`

Command: `{COMMAND}` (MNIST from `MNIST_PATH`, or Keras' download)

Measured {date} on {host}. Times move with whatever else runs on the machine (see the load
average), so the ratio comes from interleaved repeats (train, fit / fit, train, ...) and medians.
Whole run: {total_seconds / 60:.1f} min.

{table}

- Default model: `models/default.keras` as found at the time of the run
  (config: {default_config.get('hidden_units')} hidden, {default_config.get('optimizer')},
  {default_config.get('epochs')} epochs, augment={default_config.get('augment')}).
- Seed preset: {settings_summary(seed)}, seed {seed.seed}, trained once by train() with callbacks.
- Overhead: {args.repeats} interleaved pairs of {settings_summary(overhead_config)} (the seed preset
  with {args.overhead_epochs} epochs, so more pairs fit in the run). Both sides build the same model
  and fit all 60,000 with a 10 % validation split, seed 0. The baseline is the lesson's way
  (float32 pixels from flatten_and_scale into model.fit); train() fits the uint8 pixels through
  a Rescaling(1/255) wrapper (no float copies of the set), which is why it can come out faster
  than the baseline. train() adds
  on_batch (throttled to 4 calls a second: {overhead['on_batch_calls']:.0f} calls a run), on_epoch,
  and a should_stop poll after each of the {batches_per_run} batches. The batch hook's own time
  (recording, should_stop, throttled on_batch) was timed separately in the full seed run.
- Latency: {args.latency_calls} calls on 40 synthetic 280x280 drawings (both encodings), after
  10 warm-up calls, default model, one drawing per call.
- Drawn set: {sample} MNIST test digits (seed {args.seed}) redrawn by
  `mnist_core.data.synthetic.draw_ink`: cut to the digit, enlarged so its longer side is
  {MIN_FRACTION:.2f}-{MAX_FRACTION:.2f} of the 280 px canvas, stroke grown or thinned by grey
  dilation/erosion with a disc of {STROKE_RANGE[0]:+.2f}..{STROKE_RANGE[1]:+.2f} MNIST pixels
  (scaled with the size), made a solid pen stroke with soft edges, placed at a random spot;
  then encoded as the canvas returns it (transparent: ink in alpha; opaque: white on black).
  The served path, `canvas_to_mnist`, crops to the ink, brings the strokes to MNIST's width,
  scales the crop into the 20x20 box and centres its centre of mass at 14.0; the model is
  `mnist_core.serving.network.DenseNetwork` (NumPy), as the pages serve it.
  Drawing and preprocessing took {drawing_seconds:.0f} s. "Naive" shrinks the whole canvas to
  28x28 (bilinear) without cropping or centring.
- Default model on drawn digits (transparent) by stroke change and by size:
{chr(10).join('  - ' + line for line in stroke_lines + size_lines)}
- 1-minute load average at the end: {os.getloadavg()[0]:.1f}.

Reading the figures:
- Centring matters: MNIST's 10,000 test digits have their centre of mass at pixel
  ({centres[0]:.2f}, {centres[1]:.2f}) on average (spread {spread[0]:.2f} / {spread[1]:.2f} px, that of a
  whole-pixel shift). Centring drawings at 13.5 instead, as `centre_by_mass` did before, costs
  the seed model {seed_cost:.1f} points on drawn digits (row "centre of mass at 13.5"); the
  augmented default model, trained with random shifts, {default_cost:.1f}.
- Stroke width and size, once the drawing goes through the MNIST steps: the default model's
  accuracy per stroke bin spans {bin_span(stroke_accuracies):.1f} points and per size bin
  {bin_span(size_accuracies):.1f} points (bins above).
- The train()/fit wall-time ratio moves with other work on the cores (the per-pair ratios
  above show how much), while the work train() adds is the batch hook's own time (row "time
  inside the batch hook") plus Keras handing it the logs every batch. Where the pairs spread
  widely, re-run on an idle machine to check the 1.05 target.
"""
    if not args.no_readme:
        write_section("bench_core", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
