"""What each hidden unit does over a labelled image set (the test set): its mean activation per
digit, the images that excite it most and how often it is active. Plain NumPy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOP_IMAGES = 9  # test images shown per unit


def active_threshold(activation: str) -> float:
    """The value above which a unit counts as active: 0.5 for sigmoid (its output at 0), else 0."""
    return 0.5 if activation == "sigmoid" else 0.0


def active_count(values: np.ndarray, activation: str) -> int:
    """How many of a layer's activations (units,) are active (see ``active_threshold``)."""
    return int(np.count_nonzero(np.asarray(values) > active_threshold(activation)))


@dataclass(frozen=True)
class UnitStatistics:
    """Per-unit summaries of one hidden layer over a labelled image set (the test set).

    - ``class_means`` float32 (units, 10): mean activation for images of each true digit.
    - ``top_images`` int64 (units, 9): indices of the images that excite the unit most, best first.
    - ``top_values`` float32 (units, 9): those activations.
    - ``active_share`` float32 (units,): share of images on which the unit is active.
    """

    class_means: np.ndarray
    top_images: np.ndarray
    top_values: np.ndarray
    active_share: np.ndarray


def unit_statistics(activations: np.ndarray, labels: np.ndarray, activation: str,
                    top: int = TOP_IMAGES) -> UnitStatistics:
    """``UnitStatistics`` of a layer from its activations float (N, units) and labels int (N,)."""
    activations = np.asarray(activations, dtype="float32")
    labels = np.asarray(labels).astype("int64")
    if activations.ndim != 2 or labels.shape != (len(activations),):
        raise ValueError(f"Need activations (N, units) and labels (N,), got {activations.shape} and "
                         f"{labels.shape}.")
    one_hot = np.eye(10, dtype="float32")[labels]  # (N, 10)
    counts = np.maximum(one_hot.sum(0), 1.0)
    class_means = (activations.T @ one_hot) / counts  # (units, 10)
    top = min(top, len(activations))
    candidates = np.argpartition(-activations, top - 1, axis=0)[:top].T  # (units, top), unordered
    values = np.take_along_axis(activations.T, candidates, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    threshold = active_threshold(activation)
    return UnitStatistics(
        class_means=class_means.astype("float32"),
        top_images=np.take_along_axis(candidates, order, axis=1).astype("int64"),
        top_values=np.take_along_axis(values, order, axis=1).astype("float32"),
        active_share=(activations > threshold).mean(0).astype("float32"),
    )
