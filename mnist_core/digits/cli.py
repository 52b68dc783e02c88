"""``python -m mnist_core evaluate --model M.keras --digits D.npz``: a model's accuracy on a digit
set, overall and per digit, with the NumPy network (no Keras), as the "Your digits" page scores it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mnist_core.digits.files import from_npz
from mnist_core.digits.scoring import score, set_report
from mnist_core.errors import MnistLabError
from mnist_core.serving.model_files import load_network


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m mnist_core evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="a .keras model file")
    parser.add_argument("--digits", required=True, help="a digit set, .npz (x_test, y_test), as exported")
    return parser.parse_args(argv)


def read_digits(path: str):
    """The set in the .npz at ``path``; ``MnistLabError`` with the reason when it cannot be read."""
    file = Path(path)
    if not file.is_file():
        raise MnistLabError(f"{path} does not exist.")
    return from_npz(file.read_bytes())


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        network, _ = load_network(args.model)
        digits = read_digits(args.digits)
    except MnistLabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Model: {args.model}", flush=True)
    for line in set_report(Path(args.digits).name, score(network, digits)):
        print(line)
    return 0
