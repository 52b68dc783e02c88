"""Train a preset or explicit hyperparameters on MNIST, report test accuracy, save the model.

The command line's front (its arguments and what it prints); the Keras work is the training
worker's (``training/worker``: fit, fine-tune, saving). Run as ``python -m mnist_core``
(mnist_core/__main__.py calls ``main``):

    python -m mnist_core --preset best --out models/default.keras
    python -m mnist_core --preset seed --epochs 3 --hidden 256,128 --out /tmp/m.keras

and ``finetune_main``, ``python -m mnist_core finetune --model M.keras --digits D.npz --out T.keras``:
the "Your digits" page's fine-tune (a fifth of each digit held out), printing before and after.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mnist_core.config import PRESETS
from mnist_core.data.mnist import load_mnist, mnist_source
from mnist_core.digits.cli import read_digits
from mnist_core.errors import MnistLabError, ModelFileError
from mnist_core.serving.classifier import read_classifier
from mnist_core.serving.evaluation import evaluate
from mnist_core.serving.network import keras_model_bytes
from mnist_core.text.digits import finetune_lines
from mnist_core.text.runs import outcome_text, settings_summary
from mnist_core.training.record import JobStatus
from mnist_core.training.tuning import FinetuneJob, FinetuneSettings, split_held_out

SIDECAR_BATCH_POINTS = 200  # per-batch curve points kept in the sidecar (the epoch figures are all kept)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mnist_core", description=__doc__.split("\n")[0],
        epilog="Subcommands for your own digits: `python -m mnist_core evaluate --model M.keras --digits "
        "D.npz` and `python -m mnist_core finetune --model M.keras --digits D.npz --out T.keras` "
        "(each with --help).",
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="seed")
    parser.add_argument("--hidden", help="hidden layer sizes, comma-separated, e.g. 512,256")
    parser.add_argument("--activation")
    parser.add_argument("--dropout", type=float)
    parser.add_argument("--optimizer")
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--schedule", choices=["constant", "cosine"])
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--validation-split", type=float)
    parser.add_argument("--train-size", type=int)
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--data", help="MNIST .npz or IDX folder (default: $MNIST_PATH, then Keras)")
    parser.add_argument("--out", default="model.keras",
                        help="where to save the .keras file (a folder: <folder>/model.keras)")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace):
    changes = {
        name: getattr(args, name)
        for name in ("activation", "dropout", "optimizer", "learning_rate", "schedule", "epochs",
                     "batch_size", "validation_split", "train_size", "augment", "seed")
        if getattr(args, name) is not None
    }
    if args.hidden is not None:
        changes["hidden_units"] = tuple(int(part) for part in args.hidden.split(",") if part.strip())
    return PRESETS[args.preset].replace(**changes)


def output_path(out: str) -> Path:
    """The .keras file to write: ``out`` itself, or ``out/model.keras`` for a folder."""
    path = Path(out)
    if path.is_dir():
        path = path / "model.keras"
    if path.suffix != ".keras":
        raise ModelFileError(f"--out must name a .keras file (or a folder), got {out!r}.")
    return path


def main(argv=None) -> int:
    args = parse_args(argv)
    from mnist_core.training.worker.fit import progress_bars, train  # Keras: only once training starts
    from mnist_core.training.worker.keras_files import build_metadata, save_model
    from mnist_core.training.worker.model import inference_model

    try:
        out = output_path(args.out)  # checked before minutes of training, not after
        config = config_from_args(args)
        print(f"Data: {mnist_source(args.data)}", flush=True)
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    except (MnistLabError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Model: {settings_summary(config)}", flush=True)
    on_batch, on_epoch = progress_bars()
    result = train(config, x_train, y_train, on_batch=on_batch, on_epoch=on_epoch)
    print(outcome_text(result), f"({result.seconds:.1f} s)", flush=True)
    if result.status == JobStatus.DIVERGED:
        return 1
    shipped = inference_model(result.model)  # no optimizer state, no augmentation
    scores = evaluate(read_classifier(keras_model_bytes(shipped)), x_test, y_test)
    print(f"Test accuracy: {scores.accuracy:.4f}  test loss: {scores.loss:.4f}", flush=True)
    test = {"loss": scores.loss, "accuracy": scores.accuracy}
    metadata = build_metadata(config, result.history.thinned(SIDECAR_BATCH_POINTS), test,
                              status=result.status, train_seconds=result.seconds,
                              data=mnist_source(args.data))
    path = save_model(shipped, out, metadata)
    print(f"Saved {path} (+ {path.with_suffix('.json').name})", flush=True)
    return 0 if result.status == JobStatus.COMPLETED else 1


def parse_finetune_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mnist_core finetune",
                                     description="Fine-tune a model on your digits, as the page does.")
    parser.add_argument("--model", required=True, help="the .keras model to start from")
    parser.add_argument("--digits", required=True, help="your digit set, .npz (x_test, y_test), as exported")
    parser.add_argument("--out", required=True, help="where to save the tuned .keras file")
    parser.add_argument("--data", help="MNIST .npz or IDX folder (default: $MNIST_PATH, then Keras)")
    return parser.parse_args(argv)


def finetune_main(argv=None) -> int:
    """Tune ``--model`` on ``--digits`` (a fifth of each digit held out) mixed with MNIST, print
    before and after, save the tuned model (``--out``) and its sidecar (the report)."""
    args = parse_finetune_args(argv)
    from mnist_core.training.worker.finetune import finetune  # Keras: only once tuning starts
    from mnist_core.training.worker.keras_files import build_metadata, save_model
    from mnist_core.training.worker.model import inference_model

    try:
        out = output_path(args.out)
        base_bytes = Path(args.model).read_bytes() if Path(args.model).is_file() else None
        if base_bytes is None:
            raise ModelFileError(f"{args.model} does not exist.")
        digits = read_digits(args.digits)
        tune, held = split_held_out(digits.labels)
        job = FinetuneJob(Path(args.model).name, base_bytes, digits.images[tune], digits.labels[tune],
                          digits.images[held], digits.labels[held], FinetuneSettings())
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
        result, report = finetune(job, x_train, y_train, x_test, y_test)
    except (MnistLabError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(outcome_text(result), flush=True)
    for line in finetune_lines(report.to_dict()):
        print(line, flush=True)
    if result.status == JobStatus.DIVERGED:
        return 1
    test = {"accuracy": report.mnist_after}
    metadata = build_metadata(result.config, result.history, test, status=result.status,
                              train_seconds=result.seconds, finetune=report.to_dict())
    path = save_model(inference_model(result.model), out, metadata)
    print(f"Saved {path} (+ {path.with_suffix('.json').name})", flush=True)
    return 0
