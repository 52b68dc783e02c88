"""Test-set evaluation: loss, accuracy, confusion matrix, per-class figures and table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mnist_core.serving.browsing import select_indices
from mnist_core.serving.classifier import Classifier
from mnist_core.serving.network import DEFAULT_CHUNK, flatten_and_scale

EPSILON = 1e-7  # Keras' clip for the cross-entropy


@dataclass(frozen=True)
class Evaluation:
    """Everything the Predictions page shows about one model on one labelled set.

    ``probabilities`` float32 (N, 10); ``predicted``, ``labels`` int64 (N,);
    ``confusion`` int64 (10, 10), rows = true digit, columns = predicted digit;
    ``precision``, ``recall`` float64 (10,) per digit.
    """

    loss: float
    accuracy: float
    probabilities: np.ndarray
    predicted: np.ndarray
    labels: np.ndarray
    confusion: np.ndarray
    precision: np.ndarray
    recall: np.ndarray

    @cached_property
    def confidence(self) -> np.ndarray:
        """float32 (N,), read-only: probability of the predicted class (computed once)."""
        confidence = self.probabilities.max(axis=1)
        confidence.flags.writeable = False
        return confidence

    @property
    def mistakes(self) -> np.ndarray:
        """int64 indices of wrong predictions, most confident first (mnist_core.serving.browsing's order)."""
        return select_indices(self.labels, self.predicted, self.confidence, mistakes_only=True,
                              order="confident_mistakes")

    @property
    def mistake_count(self) -> int:
        return int((self.predicted != self.labels).sum())


def evaluate(network: Classifier, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate on uint8 images (N, 28, 28) and labels (N,) in one NumPy prediction pass, scaled
    to float a chunk at a time (a float32 copy of the 10,000 test images would be 31 MB more
    peak memory in the server for every model it scores)."""
    chunks = [network.probabilities(flatten_and_scale(images[start : start + DEFAULT_CHUNK]))
              for start in range(0, len(images), DEFAULT_CHUNK)]
    probabilities = np.concatenate(chunks) if chunks else np.zeros((0, 10), "float32")
    return evaluate_probabilities(probabilities, labels)


def evaluate_probabilities(probabilities: np.ndarray, labels: np.ndarray) -> Evaluation:
    """The same figures from precomputed probabilities (N, 10) and labels (N,)."""
    labels = np.asarray(labels).astype(np.int64)
    probabilities = np.asarray(probabilities, dtype="float32")
    if probabilities.shape != (len(labels), 10):
        raise ValueError(f"Expected probabilities of shape ({len(labels)}, 10), got {probabilities.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"Labels must be digits 0-9, got {labels.min()}-{labels.max()}.")
    predicted = probabilities.argmax(axis=1)
    picked = probabilities[np.arange(len(labels)), labels]
    loss = float(-np.log(np.clip(picked, EPSILON, 1.0 - EPSILON)).mean()) if len(labels) else float("nan")
    matrix = confusion_matrix(labels, predicted)
    diagonal = np.diag(matrix).astype("float64")
    precision = diagonal / np.maximum(matrix.sum(axis=0), 1)
    recall = diagonal / np.maximum(matrix.sum(axis=1), 1)
    return Evaluation(
        loss=loss,
        accuracy=float((predicted == labels).mean()) if len(labels) else float("nan"),
        probabilities=probabilities,
        predicted=predicted,
        labels=labels,
        confusion=matrix,
        precision=precision,
        recall=recall,
    )


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """int64 (classes, classes): entry [t, p] counts images of digit t predicted as p."""
    labels, predicted = np.asarray(labels, dtype=np.int64), np.asarray(predicted, dtype=np.int64)
    if labels.shape != predicted.shape:
        raise ValueError(f"{labels.shape} labels but {predicted.shape} predictions.")
    for name, values in (("labels", labels), ("predictions", predicted)):
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise ValueError(f"The {name} must be 0-{classes - 1}, got {values.min()}-{values.max()}.")
    return np.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def per_class_table(evaluation: Evaluation):
    """One row per digit (the index, named "Digit"): "Precision", "Recall" (floats),
    "Confused with" (the wrong digit it is most often predicted as, "3 (12×)", or "—") and
    "Images" (test images of that digit): a pandas DataFrame."""
    import pandas as pd  # here, not at the top: only the pages that show a table pay for its import

    confusion = evaluation.confusion
    off_diagonal = confusion - np.diag(np.diag(confusion))
    confused_with = off_diagonal.argmax(axis=1)
    return pd.DataFrame(
        {
            "Precision": evaluation.precision,
            "Recall": evaluation.recall,
            "Confused with": [
                f"{digit} ({off_diagonal[row, digit]}×)" if off_diagonal[row, digit] else "—"
                for row, digit in enumerate(confused_with)
            ],
            "Images": confusion.sum(axis=1),
        },
        index=pd.Index(np.arange(10), name="Digit"),
    )
