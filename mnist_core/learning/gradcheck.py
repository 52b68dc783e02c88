"""The gradient check: the backward pass's gradient of a few weights beside a central finite difference,
(L(w + eps) - L(w - eps)) / (2 eps), computed in float64 whatever the run's dtype."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.learning.network import NAMES, Parameters, backward, forward, loss

FINITE_STEP = 1e-6  # eps of the central difference, in float64 (error ~ eps**2 and ~ 1e-16 / eps)


@dataclass(frozen=True)
class GradientCheck:
    """One row per weight checked: names str (K,) ("w1", "b2", ...), positions (K,) of tuples (index into
    that array), analytic float64 (K,), numeric float64 (K,), relative_error float64 (K,) =
    |analytic - numeric| / max(|analytic|, |numeric|)."""

    names: tuple[str, ...]
    positions: tuple[tuple[int, ...], ...]
    analytic: np.ndarray
    numeric: np.ndarray
    relative_error: np.ndarray

    @property
    def worst(self) -> float:
        return float(np.max(self.relative_error))


def pick_weights(gradients: Parameters, count: int, rng: np.random.Generator) -> list[tuple[str, tuple]]:
    """``count`` random (name, position) pairs whose gradient is not zero (a weight of a pixel that is
    blank in the whole batch, or of a unit that is off for every image, has gradient exactly 0 and
    nothing to check), spread over the four arrays in turn."""
    picked = []
    for turn in range(count):
        name = NAMES[turn % len(NAMES)]
        array = getattr(gradients, name)
        candidates = np.flatnonzero(array)
        if candidates.size == 0:
            candidates = np.arange(array.size)
        flat = int(rng.choice(candidates))
        picked.append((name, tuple(int(i) for i in np.unravel_index(flat, array.shape))))
    return picked


def central_difference(params: Parameters, x: np.ndarray, labels: np.ndarray, name: str, position: tuple,
                       step: float = FINITE_STEP) -> float:
    """(L(w + step) - L(w - step)) / (2 step) for the weight ``params.<name>[position]`` on the batch x
    (N, 784), labels int (N,); the weight is put back as it was."""
    array = getattr(params, name)
    original = array[position]
    array[position] = original + step
    above = loss(params, x, labels)
    array[position] = original - step
    below = loss(params, x, labels)
    array[position] = original
    return (above - below) / (2 * step)


def gradient_check(params: Parameters, x: np.ndarray, labels: np.ndarray, count: int = 6,
                   seed: int = 0, step: float = FINITE_STEP) -> GradientCheck:
    """Check ``count`` randomly picked weights (``seed``) of ``params`` on the batch x float (N, 784),
    labels int (N,): analytic gradient (backward pass) against a central difference, both in float64."""
    params64, x64 = params.astype("float64"), x.astype("float64")
    gradients = backward(params64, forward(params64, x64, labels)).gradients
    picked = pick_weights(gradients, count, np.random.default_rng(seed))
    analytic, numeric = [], []
    for name, position in picked:
        numeric.append(central_difference(params64, x64, labels, name, position, step))
        analytic.append(float(getattr(gradients, name)[position]))
    analytic_values, numeric_values = np.array(analytic), np.array(numeric)
    scale = np.maximum(np.maximum(np.abs(analytic_values), np.abs(numeric_values)), 1e-300)
    return GradientCheck(tuple(name for name, _ in picked), tuple(position for _, position in picked),
                         analytic_values, numeric_values, np.abs(analytic_values - numeric_values) / scale)
