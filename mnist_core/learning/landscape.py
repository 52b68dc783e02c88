"""The loss landscape: a 2-D slice of the loss around the current weights along two random
filter-normalised directions (Li, Xu, Taylor, Studer and Goldstein, 2018, "Visualizing the Loss
Landscape of Neural Nets", section 4), and the path of the steps taken so far projected onto it.

A direction is a Gaussian draw shaped like the kernels; each filter (for a Dense layer, one unit's
column of incoming weights) is rescaled to the norm of the same filter of the weights, and the
biases are not moved (Li et al. set the direction of biases to 0). The raw Gaussian draws are fixed
for a run, so the path can be projected later: per step we keep only each filter's dot product with
them (``PathRecorder``), 2 x (H + 10) numbers instead of the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.learning.network import Parameters, forward

DIRECTIONS_DTYPE = "float32"  # 3.3 MB for two, shared by a seed's runs (lesson.RunStart): no cast per step
MAX_PATH_POINTS = 256  # steps kept for the path; beyond, every other one is dropped


@dataclass(frozen=True)
class RawDirections:
    """Two Gaussian draws shaped like the kernels: first float32 (2, 784, H), second float32 (2, H, 10)
    (index 0 and 1 are the two directions)."""

    first: np.ndarray
    second: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.first.nbytes + self.second.nbytes


def raw_directions(seed: int, hidden_units: int) -> RawDirections:
    """The run's two raw directions, drawn from ``seed``."""
    rng = np.random.default_rng([seed, 2018])
    first = rng.standard_normal((2, 784, hidden_units), dtype="float32").astype(DIRECTIONS_DTYPE)
    second = rng.standard_normal((2, hidden_units, 10), dtype="float32").astype(DIRECTIONS_DTYPE)
    return RawDirections(first, second)


def filter_dots(params: Parameters, raw: RawDirections) -> np.ndarray:
    """Each filter's dot product with each raw direction: float64 (2, H + 10) (the H hidden units'
    columns of w1, then the 10 columns of w2)."""
    first = np.einsum("ij,dij->dj", params.w1.astype("float32", copy=False), raw.first, dtype="float32")
    second = np.einsum("ij,dij->dj", params.w2.astype("float32", copy=False), raw.second, dtype="float32")
    return np.concatenate([first, second], axis=1).astype("float64")


def filter_scales(params: Parameters, raw: RawDirections) -> np.ndarray:
    """Per direction and filter, ||weights' filter|| / ||raw filter||: float64 (2, H + 10)."""
    def column_norms(array: np.ndarray) -> np.ndarray:
        return np.sqrt(np.square(array.astype("float64")).sum(axis=-2))
    weights = np.concatenate([column_norms(params.w1), column_norms(params.w2)])
    raws = np.concatenate([column_norms(raw.first), column_norms(raw.second)], axis=1)
    return weights[None, :] / np.maximum(raws, 1e-30)


def directions(params: Parameters, raw: RawDirections, dtype) -> tuple[Parameters, Parameters]:
    """The two filter-normalised directions around ``params``, as Parameters of ``dtype`` (biases 0)."""
    scales = filter_scales(params, raw)
    hidden = params.w1.shape[1]
    made = []
    for index in range(2):
        w1 = (raw.first[index].astype("float64") * scales[index, :hidden]).astype(dtype)
        w2 = (raw.second[index].astype("float64") * scales[index, hidden:]).astype(dtype)
        made.append(Parameters(w1, np.zeros_like(params.b1, dtype), w2, np.zeros_like(params.b2, dtype)))
    return made[0], made[1]


class PathRecorder:
    """The filters' dot products with the raw directions after each step, at most MAX_PATH_POINTS
    (thinned by dropping every other point): enough to project the path onto any later slice."""

    def __init__(self, raw: RawDirections):
        self.raw = raw
        self.steps: list[int] = []
        self.dots: list[np.ndarray] = []  # float32 (2, H + 10) each

    def record(self, step: int, params: Parameters) -> None:
        self.steps.append(step)
        self.dots.append(filter_dots(params, self.raw).astype("float32"))
        if len(self.steps) > MAX_PATH_POINTS:
            self.steps, self.dots = self.steps[::2], self.dots[::2]

    @property
    def nbytes(self) -> int:
        """Bytes of the recorded points (the raw directions are the seed's: see ``RawDirections.nbytes``)."""
        return sum(dot.nbytes for dot in self.dots)

    def project(self, params: Parameters) -> tuple[np.ndarray, np.ndarray]:
        """(steps int (K,), coordinates float64 (K, 2)): each recorded point's least-squares position in
        the plane of ``directions(params, ...)`` centred on ``params``."""
        if not self.steps:
            return np.zeros(0, int), np.zeros((0, 2))
        scales = filter_scales(params, self.raw)
        centre = filter_dots(params, self.raw)
        offsets = np.stack(self.dots).astype("float64") - centre[None]  # (K, 2, F)
        # <w_k - w_c, d_i> = sum_f scale_if * (dot_kif - dot_cif)
        along = np.einsum("kif,if->ki", offsets, scales)
        first, second = directions(params, self.raw, "float64")
        gram = np.array([[_dot(a, b) for b in (first, second)] for a in (first, second)])
        return np.array(self.steps), np.linalg.solve(gram, along.T).T


def _dot(a: Parameters, b: Parameters) -> float:
    return float(sum(np.vdot(x, y) for x, y in zip(a.arrays(), b.arrays(), strict=True)))


@dataclass(frozen=True)
class Landscape:
    """The loss on a grid around the weights: alphas float64 (P,) and betas float64 (P,) the offsets
    along the two directions (0 in the middle), losses float64 (P, P) with losses[j, i] at (alphas[i],
    betas[j]), centre_loss the loss at the weights themselves, path_steps int (K,) and path float64
    (K, 2) the steps taken so far in the same coordinates."""

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    centre_loss: float
    path_steps: np.ndarray
    path: np.ndarray


def loss_landscape(params: Parameters, x: np.ndarray, labels: np.ndarray, recorder: PathRecorder,
                   points: int = 21, span: float = 1.0) -> Landscape:
    """The loss on a points x points grid of params + a d1 + b d2, a and b from -span to span, on the
    fixed batch x float (N, 784), labels int (N,). The first layer is linear in its weights, so its
    three products (x w1, x d1, x d2) are computed once and combined per point."""
    dtype = params.w1.dtype
    first, second = directions(params, recorder.raw, dtype)
    offsets = np.linspace(-span, span, points)
    with np.errstate(over="ignore", invalid="ignore"):
        base = x @ params.w1 + params.b1
        along_first, along_second = x @ first.w1, x @ second.w1
        losses = np.empty((points, points))
        rows = np.arange(len(labels))
        for j, beta in enumerate(offsets):
            for i, alpha in enumerate(offsets):
                a, b = dtype.type(alpha), dtype.type(beta)
                h = np.maximum(base + a * along_first + b * along_second, 0)
                logits = h @ (params.w2 + a * first.w2 + b * second.w2) + params.b2
                top = logits.max(axis=1, keepdims=True)
                log_total = np.log(np.exp(logits - top).sum(axis=1)) + top[:, 0]
                losses[j, i] = float(np.mean(log_total - logits[rows, labels]))
    centre = forward(params, x, labels).loss
    steps, path = recorder.project(params)
    return Landscape(offsets, offsets.copy(), losses, centre, steps, path)
