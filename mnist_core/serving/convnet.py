"""The small convnet as plain NumPy arrays, served like the dense networks (no TensorFlow).

A ``ConvNetwork`` is a chain of steps on 28x28x1 images (channels last, as Keras stores them):
3x3 'valid' convolutions with stride 1 (``Conv``), non-overlapping max-pools (``Pool``), one
Flatten, then Dense layers ending in a 10-unit softmax. Convolutions run as one matrix product
over the image patches (im2col); the input gradient backpropagates through every step, so the
attacks of ``mnist_core.lab`` treat it exactly like a ``DenseNetwork``.

It is read from a ``.keras`` file with ``zipfile``, ``json`` and ``h5py`` only
(``read_classifier`` in ``mnist_core.serving.classifier`` picks this or ``DenseNetwork``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.config import IMAGE_SIDE, NUM_CLASSES
from mnist_core.errors import ModelFileError
from mnist_core.serving.network import (
    ACTIVATIONS,
    IDENTITY_LAYERS,
    as_model_input,
    backward_activation,
    chain_layers,
    read_kernels,
)

CONV_CHUNK = 256  # images per forward chunk: the 64-filter layer's patches are 256x121x288 float32
# (36 MB); 10,000 images at once would be 1.4 GB


@dataclass(frozen=True, eq=False)
class Conv:
    """A 'valid', stride-1 convolution: kernel float32 (kh, kw, in, out), bias float32 (out,)."""

    kernel: np.ndarray
    bias: np.ndarray
    activation: str


@dataclass(frozen=True, eq=False)
class Pool:
    """A max-pool of ``size`` x ``size`` windows with stride ``size`` (Keras' MaxPooling2D default)."""

    size: int


@dataclass(frozen=True, eq=False)
class Dense:
    """kernel float32 (in, out), bias float32 (out,)."""

    kernel: np.ndarray
    bias: np.ndarray
    activation: str


@dataclass(frozen=True, eq=False)
class ConvNetwork:
    """``steps``: Conv and Pool steps on (N, 28, 28, 1) images, then (after a Flatten) Dense steps.

    Arrays are read-only, so one network can be shared between sessions.
    """

    steps: tuple

    def __post_init__(self) -> None:
        shape = (IMAGE_SIDE, IMAGE_SIDE, 1)
        flat = False
        for step in self.steps:
            if isinstance(step, Conv):
                rows, columns, channels, filters = step.kernel.shape
                if flat or channels != shape[2] or step.bias.shape != (filters,):
                    raise ModelFileError(f"Convolution {step.kernel.shape} does not fit its input {shape}.")
                shape = (shape[0] - rows + 1, shape[1] - columns + 1, filters)
            elif isinstance(step, Pool):
                shape = (shape[0] // step.size, shape[1] // step.size, shape[2])
            else:
                width = int(np.prod(shape)) if not flat else shape[0]
                flat = True
                if step.kernel.shape[0] != width or step.bias.shape != (step.kernel.shape[1],):
                    raise ModelFileError(f"Dense kernel {step.kernel.shape} does not fit {width} inputs.")
                shape = (step.kernel.shape[1],)
            if min(shape) < 1:
                raise ModelFileError("The convolutions and pools leave no pixels.")
            if not isinstance(step, Pool):
                if step.activation not in ACTIVATIONS:
                    raise ModelFileError(f"Activation {step.activation!r} is not supported.")
                step.kernel.flags.writeable = False
                step.bias.flags.writeable = False
        if not flat or shape != (NUM_CLASSES,) or self.steps[-1].activation != "softmax":
            raise ModelFileError(f"The last layer must be a {NUM_CLASSES}-unit softmax.")

    # -------------------------------------------------------------------------- facts

    @property
    def kernels(self) -> tuple[np.ndarray, ...]:
        """Every trained kernel in order (convolutions, then Dense), for fingerprints."""
        return tuple(step.kernel for step in self.steps if not isinstance(step, Pool))

    @property
    def biases(self) -> tuple[np.ndarray, ...]:
        return tuple(step.bias for step in self.steps if not isinstance(step, Pool))

    @property
    def parameter_count(self) -> int:
        return int(sum(array.size for array in (*self.kernels, *self.biases)))

    @property
    def filters(self) -> tuple[int, ...]:
        """Filters of each convolution, e.g. (32, 64)."""
        return tuple(step.kernel.shape[3] for step in self.steps if isinstance(step, Conv))

    # -------------------------------------------------------------------------- inference

    def probabilities(self, images, chunk: int = CONV_CHUNK) -> np.ndarray:
        """Class probabilities, float32 (N, 10), for float images in [0, 1] (N, 28, 28) or (N, 784)."""
        batch = as_model_input(images)
        parts = [self._forward(batch[start : start + chunk], tape=False)[0]
                 for start in range(0, len(batch), chunk)]
        if not parts:
            return np.zeros((0, NUM_CLASSES), "float32")
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def loss_gradient(self, images, labels, chunk: int = CONV_CHUNK) -> np.ndarray:
        """Gradient of each image's cross-entropy loss for ``labels`` (N,) with respect to its
        pixels, float32 (N, 784), by backpropagation through every step."""
        batch = as_model_input(images)
        labels = np.broadcast_to(np.asarray(labels, dtype=np.int64), (len(batch),))
        parts = []
        for start in range(0, len(batch), chunk):
            probabilities, cache = self._forward(batch[start : start + chunk])
            gradient = probabilities.copy()
            gradient[np.arange(len(gradient)), labels[start : start + chunk]] -= 1.0
            parts.append(self._backward(gradient, cache).reshape(len(gradient), -1))
        return np.concatenate(parts) if parts else np.zeros((0, batch.shape[1]), "float32")

    def _forward(self, batch: np.ndarray, tape: bool = True):
        """(N, 784) float32 -> probabilities (N, 10) and the tape ``_backward`` replays (with
        ``tape=False``, an empty one: pools skip finding which pixel was each window's maximum)."""
        values = batch.reshape(len(batch), IMAGE_SIDE, IMAGE_SIDE, 1)
        recorded = []
        for step in self.steps:
            if isinstance(step, Conv):
                patches = _patches(values, step.kernel.shape[0], step.kernel.shape[1])
                before = patches @ step.kernel.reshape(-1, step.kernel.shape[3]) + step.bias
                after = ACTIVATIONS[step.activation](before).astype("float32", copy=False)
                recorded.append((step, values.shape, before, after))
            elif isinstance(step, Pool) and not tape:
                after = _max_pool_values(values, step.size)
            elif isinstance(step, Pool):
                after, choice = _max_pool(values, step.size)
                recorded.append((step, values.shape, choice))
            else:
                if values.ndim > 2:
                    recorded.append(("flatten", values.shape))
                    values = values.reshape(len(values), -1)
                before = values @ step.kernel + step.bias
                after = ACTIVATIONS[step.activation](before).astype("float32", copy=False)
                recorded.append((step, before, after))
            values = after
        return values, recorded

    @staticmethod
    def _backward(gradient: np.ndarray, tape: list) -> np.ndarray:
        """Gradient w.r.t. the softmax's input (N, 10) -> w.r.t. the image, float32 (N, 28, 28, 1)."""
        for position, entry in enumerate(reversed(tape)):
            step = entry[0]
            if isinstance(step, Conv):
                _, shape, before, after = entry
                gradient = backward_activation(step.activation, gradient, before, after)
                patch_gradient = gradient @ step.kernel.reshape(-1, step.kernel.shape[3]).T
                gradient = _unpatch(patch_gradient, shape, step.kernel.shape[0], step.kernel.shape[1])
            elif isinstance(step, Pool):
                _, shape, choice = entry
                gradient = _unpool(gradient, choice, shape, step.size)
            elif isinstance(step, Dense):
                _, before, after = entry
                if position > 0:  # the softmax's own gradient is folded into the loss's (p - y)
                    gradient = backward_activation(step.activation, gradient, before, after)
                gradient = gradient @ step.kernel.T
            else:  # the Flatten
                gradient = gradient.reshape(entry[1])
        return gradient.astype("float32", copy=False)


def _patches(values: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """(N, H, W, C) -> patches (N, H-rows+1, W-columns+1, rows*columns*C), ordered (row, column,
    channel) like a Keras kernel (rows, columns, C, filters) reshaped to (rows*columns*C, filters)."""
    height, width = values.shape[1] - rows + 1, values.shape[2] - columns + 1
    parts = [values[:, i : i + height, j : j + width, :] for i in range(rows) for j in range(columns)]
    stacked = np.stack(parts, axis=3)  # (N, H', W', rows*columns, C)
    return stacked.reshape(*stacked.shape[:3], -1)


def _unpatch(patch_gradient: np.ndarray, shape: tuple, rows: int, columns: int) -> np.ndarray:
    """The adjoint of ``_patches``: (N, H', W', rows*columns*C) -> (N, H, W, C), summed where
    patches overlap."""
    count, height, width = patch_gradient.shape[:3]
    parts = patch_gradient.reshape(count, height, width, rows * columns, shape[3])
    gradient = np.zeros(shape, dtype="float32")
    for offset in range(rows * columns):
        i, j = divmod(offset, columns)
        gradient[:, i : i + height, j : j + width, :] += parts[:, :, :, offset, :]
    return gradient


def _max_pool_values(values: np.ndarray, size: int) -> np.ndarray:
    """(N, H, W, C) -> the maximum of each size x size window, (N, H//size, W//size, C)."""
    count, height, width, channels = values.shape
    rows, columns = height // size, width // size
    windows = values[:, : rows * size, : columns * size, :]
    return windows.reshape(count, rows, size, columns, size, channels).max(axis=(2, 4))


def _max_pool(values: np.ndarray, size: int):
    """(N, H, W, C) -> maxima (N, H//size, W//size, C) and, per window, which of its size*size
    pixels was the (first) maximum, int (N, H//size, W//size, C)."""
    count, height, width, channels = values.shape
    rows, columns = height // size, width // size
    windows = values[:, : rows * size, : columns * size, :]
    windows = windows.reshape(count, rows, size, columns, size, channels)
    windows = windows.transpose(0, 1, 3, 5, 2, 4).reshape(count, rows, columns, channels, size * size)
    choice = windows.argmax(axis=-1)
    return np.take_along_axis(windows, choice[..., None], axis=-1)[..., 0], choice


def _unpool(gradient: np.ndarray, choice: np.ndarray, shape: tuple, size: int) -> np.ndarray:
    """The adjoint of ``_max_pool``: each window's gradient goes to its maximum, the rest get 0
    (the last rows/columns a pool drops get 0 too)."""
    count, rows, columns, channels = gradient.shape
    windows = np.zeros((count, rows, columns, channels, size * size), dtype="float32")
    np.put_along_axis(windows, choice[..., None], gradient[..., None], axis=-1)
    windows = windows.reshape(count, rows, columns, channels, size, size).transpose(0, 1, 4, 2, 5, 3)
    full = np.zeros(shape, dtype="float32")
    full[:, : rows * size, : columns * size, :] = windows.reshape(count, rows * size, columns * size,
                                                                  channels)
    return full


def convnet_from_keras(config: dict, weights: bytes, name: str = "The model file") -> ConvNetwork:
    """A ``ConvNetwork`` from a ``.keras`` file's parsed config.json and model.weights.h5 bytes.

    Accepts one chain: Reshape to 28x28x1, 'valid' stride-1 Conv2D and MaxPooling2D layers,
    Flatten, Dropout (the identity at inference), Dense layers; raises ``ModelFileError`` else.
    """
    unsupported = ModelFileError(
        f"{name} is not a convnet MNIST Lab can run: it must be a chain of 'valid' Conv2D and "
        "MaxPooling2D layers on 28x28x1, a Flatten and Dense layers ending in 10 classes."
    )
    plan, groups = [], []
    for layer, group in chain_layers(config, unsupported):
        kind, settings = layer.get("class_name"), layer.get("config", {})
        if kind in IDENTITY_LAYERS:  # Dropout and the random moves do nothing at inference
            continue
        if kind == "Reshape" and not plan and list(settings.get("target_shape", [])) == [28, 28, 1]:
            plan.append("reshape")
        elif kind == "Conv2D" and plan and _plain_convolution(settings):
            plan.append((Conv, settings["activation"]))
            groups.append(group)
        elif kind == "MaxPooling2D" and plan and _plain_pool(settings):
            plan.append(Pool(int(settings["pool_size"][0])))
        elif kind == "Flatten" and plan and "flatten" not in plan:
            plan.append("flatten")
        elif kind == "Dense" and "flatten" in plan and settings.get("use_bias", True):
            plan.append((Dense, settings.get("activation", "linear")))
            groups.append(group)
        else:
            raise unsupported
    weights_read = iter(read_kernels(weights, groups, name))
    steps = []
    for item in plan:
        if isinstance(item, Pool):
            steps.append(item)
        elif isinstance(item, tuple):
            kernel, bias = next(weights_read)
            steps.append(item[0](np.array(kernel, "float32"), np.array(bias, "float32"), str(item[1])))
    return ConvNetwork(tuple(steps))


def _plain_convolution(settings: dict) -> bool:
    return (settings.get("padding") == "valid" and list(settings.get("strides", [1, 1])) == [1, 1]
            and list(settings.get("dilation_rate", [1, 1])) == [1, 1] and settings.get("groups", 1) == 1
            and settings.get("data_format", "channels_last") == "channels_last"
            and settings.get("use_bias", True) and isinstance(settings.get("activation"), str))


def _plain_pool(settings: dict) -> bool:
    size = list(settings.get("pool_size", []))
    strides = list(settings.get("strides") or size)
    return (len(size) == 2 and size[0] == size[1] and strides == size and settings.get("padding") == "valid"
            and settings.get("data_format", "channels_last") == "channels_last")
