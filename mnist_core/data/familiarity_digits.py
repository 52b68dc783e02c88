"""The digits the Draw page's familiarity signal is calibrated on: MNIST training digits drawn on
the page's canvas by ``mnist_core.data.synthetic`` and read by the page's own steps.

They are the same for every network and cost about a minute to draw, so they ship in
``models/familiarity-digits.npz``; ``python -m mnist_core.data.familiarity_digits`` rewrites it
(``mnist_core.reading.familiarity`` only reads it; a test checks it against this generator).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist_core.config import TRAIN_IMAGES
from mnist_core.data.mnist import load_mnist
from mnist_core.data.synthetic import draw_ink
from mnist_core.reading.familiarity import BANK_DIGITS, CALIBRATION_DIGITS, DIGITS_PATH, SEED
from mnist_core.reading.preprocess import ink_to_mnist_steps


def drawn_training_digits(indices, seed: int = SEED) -> np.ndarray:
    """The training digits at ``indices`` drawn on the page's canvas by ``mnist_core.data.synthetic``
    (each from its own seeded generator) and put through the page's steps: uint8 (N, 28, 28).
    Raises ``DatasetError`` without MNIST."""
    (x_train, _), _ = load_mnist()
    images = [
        ink_to_mnist_steps(draw_ink(x_train[index], np.random.default_rng([seed, int(index)]))).centred
        for index in indices
    ]
    return np.rint(np.stack(images) * 255.0).astype(np.uint8)


def digit_indices(seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Which training digits form the bank and the calibration set (disjoint)."""
    order = np.random.default_rng(seed).permutation(TRAIN_IMAGES)
    return order[:BANK_DIGITS], order[BANK_DIGITS : BANK_DIGITS + CALIBRATION_DIGITS]


def write_digits(path: Path = DIGITS_PATH, seed: int = SEED) -> None:
    """Draw the bank and calibration digits and save them (about a minute on one core)."""
    bank, calibration = digit_indices(seed)
    np.savez_compressed(path, bank=drawn_training_digits(bank, seed),
                        calibration=drawn_training_digits(calibration, seed))


if __name__ == "__main__":
    write_digits()
    print(f"wrote {DIGITS_PATH}")
