"""Made-up values that several test modules build the same way."""

from __future__ import annotations

import numpy as np


def one_hot_probabilities(predicted, confidence) -> np.ndarray:
    """float32 (N, 10) rows: ``confidence`` on the predicted digit, the rest spread evenly."""
    rows = np.full((len(predicted), 10), 0.0, np.float32)
    for row, (digit, level) in enumerate(zip(predicted, confidence, strict=True)):
        rows[row] = (1 - level) / 9
        rows[row, digit] = level
    return rows
