"""The lesson's network from scratch: 784 -> hidden (ReLU) -> 10 (softmax), its forward pass on a
batch, and its backward pass (the gradients of the batch's mean cross-entropy).

Every function works in the dtype of the parameters it is given (float32 as Keras trains, or
float64 to check the maths). Shapes: N images in a batch, H hidden units (512 in the lesson).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from mnist_core.config import IMAGE_PIXELS, NUM_CLASSES

NAMES = ("w1", "b1", "w2", "b2")  # the four parameter arrays, in Keras' order of trainable weights


@dataclass(frozen=True)
class Parameters:
    """The network's weights (or anything shaped like them: gradients, optimiser slots, directions).

    w1 float (784, H): first layer kernel, column j is hidden unit j's incoming weights (one per pixel)
    b1 float (H,): first layer biases
    w2 float (H, 10): second layer kernel, column k is digit k's incoming weights
    b2 float (10,): second layer biases
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(w1, b1, w2, b2), Keras' order of a Dense-Dense model's trainable weights."""
        return tuple(getattr(self, field.name) for field in fields(self))

    def map(self, function, *others: Parameters) -> Parameters:
        """A new Parameters with ``function(array, *other arrays)`` for each of the four."""
        return Parameters(*(function(*group) for group in zip(self.arrays(), *(o.arrays() for o in others),
                                                                strict=True)))

    def astype(self, dtype) -> Parameters:
        return self.map(lambda array: array.astype(dtype))

    @property
    def count(self) -> int:
        """Number of parameters: 407,050 for the lesson's network."""
        return sum(array.size for array in self.arrays())

    @property
    def nbytes(self) -> int:
        return sum(array.nbytes for array in self.arrays())

    def norms(self) -> dict[str, float]:
        """Euclidean norm of each array, by name (float64 sums, cast in einsum's buffers, not copies)."""
        return {name: math.sqrt(np.einsum("i,i->", array.ravel(), array.ravel(), dtype="float64"))
                for name, array in zip(NAMES, self.arrays(), strict=True)}

    def is_finite(self) -> bool:
        """True when no array holds a NaN or an infinity (their min and max are finite: both propagate
        NaN; no temporary array as large as the weights)."""
        return all(math.isfinite(array.min()) and math.isfinite(array.max()) for array in self.arrays())


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, dtype: str) -> np.ndarray:
    """Keras' default kernel initialiser: uniform on [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)).

    Returns float ``dtype`` (fan_in, fan_out).
    """
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def initial_parameters(seed: int, hidden_units: int = 512, dtype: str = "float32") -> Parameters:
    """Glorot-uniform kernels and zero biases, as Keras' Dense layers start, drawn from ``seed``.

    The same seed gives the same weights (NumPy's generator, not Keras' own: the values differ from a
    Keras model with the same seed, the distribution is the same).
    """
    rng = np.random.default_rng(seed)
    return Parameters(
        w1=glorot_uniform(IMAGE_PIXELS, hidden_units, rng, dtype),
        b1=np.zeros(hidden_units, dtype),
        w2=glorot_uniform(hidden_units, NUM_CLASSES, rng, dtype),
        b2=np.zeros(NUM_CLASSES, dtype),
    )


def as_inputs(images: np.ndarray, dtype: str = "float32", out: np.ndarray | None = None) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float ``dtype`` (N, 784) in [0, 1], the lesson's preprocessing.

    ``out``: an array no longer needed that gets the values when it is a writeable float ``dtype``
    (N, 784) (see ``reusable``), else a new array is made.
    """
    pixels = np.asarray(images).reshape(len(images), IMAGE_PIXELS)
    out = reusable(out, pixels.shape, dtype)
    scaled = np.divide(pixels, np.array(255, dtype), out=out)
    return scaled.astype(dtype, copy=False)  # already ``dtype`` for float32 and float64: no copy


def reusable(array: np.ndarray | None, shape: tuple[int, ...], dtype) -> np.ndarray | None:
    """``array`` when it is writeable and of ``shape`` and ``dtype``, else None (``out=None`` to NumPy
    makes a new one). A step's arrays from 256 kB on would each be a new mapping in the server
    (mnist_core.serving.process), whose pages fault in afresh: a run writes its next step into the last
    one's arrays instead. Read-only arrays (a start shared by sessions) are never written."""
    if array is None or not array.flags.writeable or array.shape != tuple(shape):
        return None
    return array if array.dtype == np.dtype(dtype) else None


@dataclass(frozen=True)
class Forward:
    """Everything the forward pass computed on a batch of N images (float in the parameters' dtype).

    x (N, 784) inputs; labels int (N,); z1 (N, H) pre-activations; h (N, H) = relu(z1);
    logits (N, 10); probabilities (N, 10) = softmax(logits); losses (N,) = -log p[label];
    loss: their mean, the batch loss (a Python float, NaN or inf when the weights diverged).
    """

    x: np.ndarray
    labels: np.ndarray
    z1: np.ndarray
    h: np.ndarray
    logits: np.ndarray
    probabilities: np.ndarray
    losses: np.ndarray
    loss: float


def forward(params: Parameters, x: np.ndarray, labels: np.ndarray, reuse: Forward | None = None) -> Forward:
    """The forward pass on x float (N, 784) with labels int (N,), in the parameters' dtype.

    The loss is computed from the logits (log-sum-exp), as Keras does for a softmax output. ``reuse``:
    an earlier Forward no longer needed, whose (N, H) arrays get the new values (``reusable``).
    """
    shape, dtype = (len(x), params.w1.shape[1]), np.result_type(x, params.w1)
    with np.errstate(over="ignore", invalid="ignore"):
        z1 = np.matmul(x, params.w1, out=reusable(reuse and reuse.z1, shape, dtype))
        z1 += params.b1
        h = np.maximum(z1, 0, out=reusable(reuse and reuse.h, shape, dtype))
        logits = h @ params.w2 + params.b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        probabilities = exp / total
        losses = np.log(total[:, 0]) - shifted[np.arange(len(labels)), labels]
    return Forward(x, labels, z1, h, logits, probabilities, losses, float(losses.mean()))


def loss(params: Parameters, x: np.ndarray, labels: np.ndarray) -> float:
    """The batch's mean cross-entropy (float) for x float (N, 784), labels int (N,)."""
    return forward(params, x, labels).loss


@dataclass(frozen=True)
class Backward:
    """The backward pass: ``gradients`` (a Parameters: dL/dw1 (784, H), dL/db1 (H,), dL/dw2 (H, 10),
    dL/db2 (10,)), and the two error signals: delta2 (N, 10) = (p - onehot) / N = dL/dlogits and
    delta1 (N, H) = (delta2 w2^T) * relu'(z1) = dL/dz1."""

    gradients: Parameters
    delta2: np.ndarray
    delta1: np.ndarray


def backward(params: Parameters, result: Forward, reuse: Backward | None = None) -> Backward:
    """Gradients of ``result.loss`` (the batch mean) with respect to every parameter, by the chain rule.

    relu'(0) is taken as 0, as TensorFlow does. ``reuse``: an earlier Backward no longer needed, whose
    dL/dw1 (784, H) and delta1 (N, H) get the new values (``reusable``).
    """
    count = len(result.labels)
    with np.errstate(over="ignore", invalid="ignore"):
        delta2 = result.probabilities.copy()
        delta2[np.arange(count), result.labels] -= 1
        delta2 /= np.array(count, delta2.dtype)
        w2 = result.h.T @ delta2
        b2 = delta2.sum(axis=0)
        delta1 = np.matmul(delta2, params.w2.T, out=reusable(reuse and reuse.delta1, result.z1.shape,
                                                             np.result_type(delta2, params.w2)))
        delta1 *= result.z1 > 0
        w1 = np.matmul(result.x.T, delta1, out=reusable(reuse and reuse.gradients.w1, params.w1.shape,
                                                        np.result_type(result.x, delta1)))
        b1 = delta1.sum(axis=0)
    return Backward(Parameters(w1, b1, w2, b2), delta2, delta1)


def inked_pixels(x: np.ndarray) -> np.ndarray:
    """The pixels (columns) of x float (N, 784) that are not 0 in every image: int (P,), ascending."""
    return np.flatnonzero(np.asarray(x).any(axis=0))


UNIT_BLOCK = 64  # hidden units per block of ``predict``: a (1000, 64) float32 block stays under 256 kB


@dataclass(frozen=True)
class BlockBuffers:
    """Where ``predict`` writes each block: hidden float (N, UNIT_BLOCK) and weights float (P, UNIT_BLOCK)
    (the block's weights of the inked pixels). A run keeps one, so that every step's validation reuses
    the same memory: new blocks come from memory the allocator may have given back to the system after
    the last step, whose pages then fault in again."""

    hidden: np.ndarray
    weights: np.ndarray

    @classmethod
    def for_inputs(cls, x: np.ndarray, dtype: str) -> BlockBuffers:
        """Buffers for x float (N, P) (the validation slice) and weights of ``dtype``."""
        return cls(np.empty((len(x), UNIT_BLOCK), dtype), np.empty((x.shape[1], UNIT_BLOCK), dtype))

    @property
    def nbytes(self) -> int:
        return self.hidden.nbytes + self.weights.nbytes


def predict(params: Parameters, x: np.ndarray, pixels: np.ndarray | None = None,
            buffers: BlockBuffers | None = None) -> np.ndarray:
    """Predicted digits int (N,) for x float (N, 784) (argmax of the logits).

    With ``pixels`` (int (P,), from ``inked_pixels``), x float (N, P) holds only those pixels' columns:
    the others are 0 in every image, so their weights add nothing and are skipped (a third of the
    work on MNIST, whose borders are blank). Only valid for finite weights (0 * inf is NaN).

    The hidden layer is computed UNIT_BLOCK units at a time, each block's part of the logits added
    up: the same products, in blocks small enough to reuse freed memory (the server maps every
    array from 256 kB on afresh, mnist_core.serving.process), where whole (N, H) arrays cost more
    in page faults than in arithmetic. ``buffers`` (of x's shape and the weights' dtype) hold the
    blocks instead of new arrays: the same numbers.
    """
    logits = np.zeros((len(x), params.w2.shape[1]), params.w2.dtype)
    rows = slice(None) if pixels is None else pixels
    dtype = np.result_type(x, params.w1)
    fits = (buffers is not None and pixels is not None and buffers.hidden.shape == (len(x), UNIT_BLOCK)
            and buffers.weights.shape == (len(pixels), UNIT_BLOCK)
            and buffers.hidden.dtype == dtype == buffers.weights.dtype == params.w1.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, params.w1.shape[1], UNIT_BLOCK):
            units = slice(start, start + UNIT_BLOCK)
            if fits and params.w1[:, units].shape[1] == UNIT_BLOCK:
                # mode "clip" (the pixels are valid indices): "raise" copies through a new buffer
                weights = np.take(params.w1[:, units], pixels, axis=0, out=buffers.weights, mode="clip")
                hidden = np.matmul(x, weights, out=buffers.hidden)
            else:
                hidden = x @ params.w1[rows, units]
            hidden += params.b1[units]
            np.maximum(hidden, 0, out=hidden)
            logits += hidden @ params.w2[units]
        logits += params.b2
    return np.argmax(logits, axis=1)


def accuracy(params: Parameters, x: np.ndarray, labels: np.ndarray,
             pixels: np.ndarray | None = None, buffers: BlockBuffers | None = None) -> float:
    """Share of x float (N, 784) (or (N, P) with ``pixels``, as in ``predict``) predicted as labels
    int (N,); NaN when the weights are not all finite numbers (a diverged run predicts nothing)."""
    if not params.is_finite():
        return float("nan")
    return float(np.mean(predict(params, x, pixels, buffers) == labels))
