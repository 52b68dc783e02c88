"""Any network on a digit set: the figures of ``mnist_core.serving.evaluation`` (one evaluation
path for MNIST's test set and one's own), per digit, and its mistakes with their probabilities.

``set_report`` is what both the page and ``python -m mnist_core evaluate`` print, so their
numbers are the same by construction (and tests/test_cli.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.config import NUM_CLASSES
from mnist_core.digits.collection import DigitSet
from mnist_core.serving.evaluation import Evaluation, evaluate
from mnist_core.serving.network import DenseNetwork
from mnist_core.text import digits as text


@dataclass(frozen=True)
class SetScore:
    """A network's figures on a set. ``evaluation`` is serving's ``Evaluation`` (probabilities
    float32 (N, 10), confusion int64 (10, 10) ...); ``correct`` and ``counts`` are int64 (10,):
    right answers and digits of each label."""

    evaluation: Evaluation
    correct: np.ndarray
    counts: np.ndarray

    @property
    def accuracy(self) -> float:
        return self.evaluation.accuracy

    @property
    def correct_total(self) -> int:
        return int(self.correct.sum())

    @property
    def count(self) -> int:
        return int(self.counts.sum())

    def class_accuracy(self) -> np.ndarray:
        """float64 (10,): the share right per label, NaN for a label with no digits."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.counts > 0, self.correct / np.maximum(self.counts, 1), np.nan)

    def mistakes(self) -> np.ndarray:
        """int64 indices into the set of the wrong answers, most confident first."""
        return self.evaluation.mistakes


def score(network: DenseNetwork, digits: DigitSet) -> SetScore:
    """``network`` on every digit of the set (one NumPy pass, serving's ``evaluate``)."""
    evaluation = evaluate(network, digits.images, digits.labels)
    counts = np.bincount(evaluation.labels, minlength=NUM_CLASSES)
    correct = np.diag(evaluation.confusion).astype(np.int64)
    return SetScore(evaluation, correct, counts)


def set_report(name: str, result: SetScore) -> list[str]:
    """The lines ``evaluate`` prints: overall, then one per digit."""
    lines = [text.accuracy_line(name, result.correct_total, result.count)]
    lines += [text.class_line(digit, int(result.correct[digit]), int(result.counts[digit]))
              for digit in range(NUM_CLASSES)]
    return lines
