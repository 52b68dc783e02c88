"""Statistics of MNIST's arrays, as plain NumPy values: counts, means, summaries, samples.

No figures and no words here: charts/dataset.py draws these, the Dataset and Home pages show them.
"""

from __future__ import annotations

import numpy as np

from mnist_core.config import CLASSES, IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES

_COUNT_CHUNK = 1 << 20  # pixels per np.bincount call in pixel_value_counts


def check_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    """``images`` as an array, or ValueError unless it is shaped (N, 28, 28)."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise ValueError(f"Expected {name} of shape (N, 28, 28), got {images.shape}.")
    return images


def class_counts(labels: np.ndarray) -> np.ndarray:
    """int64 (10,): how many labels (N,) of each digit 0-9."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"Expected labels of shape (N,), got {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError("Labels must be digits 0-9.")
    return np.bincount(labels.astype(np.int64), minlength=NUM_CLASSES)


def class_means(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """float64 (10, 28, 28): the pixel-wise mean of each digit's uint8 images (N, 28, 28).

    A digit with no image gets an all-zero mean.
    """
    images = check_images(images)
    labels = np.asarray(labels).astype(np.int64)
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    sums = np.zeros((NUM_CLASSES, IMAGE_PIXELS), dtype=np.float64)
    for digit in CLASSES:
        sums[digit] = images[labels == digit].reshape(-1, IMAGE_PIXELS).sum(axis=0, dtype=np.float64)
    counts = np.maximum(class_counts(labels), 1)
    return (sums / counts[:, np.newaxis]).reshape(NUM_CLASSES, IMAGE_SIDE, IMAGE_SIDE)


def pixel_value_counts(images: np.ndarray) -> np.ndarray:
    """int64 (256,): how many pixels of the uint8 images (N, 28, 28) have each value 0-255."""
    images = check_images(images)
    if images.dtype != np.uint8:
        raise ValueError(f"Expected uint8 images, got {images.dtype}.")
    flat = images.reshape(-1)
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, flat.size, _COUNT_CHUNK):  # chunks avoid one 8-bytes-per-pixel copy
        counts += np.bincount(flat[start : start + _COUNT_CHUNK], minlength=256)
    return counts


def sample_indices(labels: np.ndarray, digit: int | None, count: int, seed: int | None = None) -> np.ndarray:
    """int64 indices of up to ``count`` images with label ``digit`` (any digit when None).

    ``seed`` None keeps dataset order (the first matching images); an int draws a
    seeded random sample, so a new seed is a shuffle.
    """
    labels = np.asarray(labels)
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}.")
    if digit is not None and digit not in CLASSES:
        raise ValueError(f"digit must be 0-9 or None, got {digit!r}.")
    matching = np.arange(len(labels)) if digit is None else np.flatnonzero(labels == digit)
    if seed is None:
        return matching[:count].astype(np.int64)
    picked = np.random.default_rng(seed).choice(len(matching), size=min(count, len(matching)), replace=False)
    return matching[np.sort(picked)].astype(np.int64)


def array_summary(arrays: dict[str, np.ndarray]) -> list[dict]:
    """One row per named array: name, shape, dtype, min, max (for a table)."""
    return [
        {
            "array": name,
            "shape": str(tuple(array.shape)),
            "dtype": str(array.dtype),
            "min": int(array.min()) if array.size else None,
            "max": int(array.max()) if array.size else None,
        }
        for name, array in arrays.items()
    ]
