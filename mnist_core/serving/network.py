"""The dense network as plain NumPy arrays: the one inference path of the served app.

A ``DenseNetwork`` holds, for each Dense layer in order, its kernel float32 (in, out), its
bias float32 (out,) and the name of its activation. It runs forward for one image or
10,000 without TensorFlow. It is built from

- a ``.keras`` file (``from_keras_file`` / ``from_keras_bytes``), read with ``zipfile``,
  ``json`` and ``h5py`` only: the server never imports Keras;
- a trained Keras model in memory (``from_keras_model``), in the training worker.

Dropout is the identity at inference, and so is the augmentation block (a Reshape to
28x28x1, random rotation / zoom / translation, then Flatten back to 784).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

import numpy as np

from mnist_core.config import IMAGE_PIXELS, NUM_CLASSES, dense_parameters
from mnist_core.errors import ModelFileError

DEFAULT_CHUNK = 1024  # rows per matrix product on big inputs: bounds the temporaries, no slower
# (benchmarks/README.md, "Serving: what made the difference (history)")


def flatten_and_scale(images: np.ndarray) -> np.ndarray:
    """The lesson's input step: uint8 images (N, 28, 28) -> float32 (N, 784) in [0, 1]."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"Expected images of shape (N, 28, 28), got {images.shape}.")
    return images.reshape(len(images), 784).astype("float32") / 255.0


def _sigmoid(values: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), without overflow warnings for large negative x."""
    exponent = np.exp(-np.abs(values))
    return np.where(values >= 0, 1.0 / (1.0 + exponent), exponent / (1.0 + exponent))


def _gelu(values: np.ndarray) -> np.ndarray:
    """Keras' default gelu: the exact, erf-based one (approximate=False)."""
    from scipy.special import erf  # only for gelu networks: the others never pay for SciPy's import

    return 0.5 * values * (1.0 + erf(values / np.float32(np.sqrt(2.0))))


def _softmax(values: np.ndarray) -> np.ndarray:
    exponent = np.exp(values - values.max(axis=-1, keepdims=True))
    return exponent / exponent.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "relu": lambda values: np.maximum(values, np.float32(0.0)),
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "gelu": _gelu,
    "linear": lambda values: values,
    "softmax": _softmax,
}


def backward_activation(name: str, gradient: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The gradient w.r.t. an activation's input, from the gradient w.r.t. its output
    (``before``/``after``: the activation's input and output, same shape as ``gradient``)."""
    if name == "relu":
        return gradient * (before > 0)
    if name == "tanh":
        return gradient * (1.0 - after * after)
    if name == "sigmoid":
        return gradient * after * (1.0 - after)
    if name == "linear":
        return gradient
    if name == "gelu":
        from scipy.special import erf

        density = np.exp(-0.5 * before * before) / np.float32(np.sqrt(2.0 * np.pi))
        return gradient * (0.5 * (1.0 + erf(before / np.float32(np.sqrt(2.0)))) + before * density)
    raise ValueError(f"No gradient for activation {name!r} inside a network.")


# Layers that do nothing at inference, or (Reshape ... Flatten) a round trip that cancels.
IDENTITY_LAYERS = {"Dropout", "RandomRotation", "RandomZoom", "RandomTranslation", "InputLayer"}


@dataclass(frozen=True, eq=False)
class DenseNetwork:
    """A chain of Dense layers: 784 inputs -> hidden layers -> 10 softmax outputs.

    ``kernels[i]`` float32 (in_i, out_i), ``biases[i]`` float32 (out_i,),
    ``activations[i]`` a key of ``ACTIVATIONS``; the last layer is the 10-unit softmax.
    Arrays are read-only, so one network can be shared between sessions.
    """

    kernels: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    activations: tuple[str, ...]

    def __post_init__(self) -> None:
        if not (len(self.kernels) == len(self.biases) == len(self.activations)) or not self.kernels:
            raise ModelFileError("A dense network needs one kernel, bias and activation per layer.")
        width = IMAGE_PIXELS
        for kernel, bias, activation in zip(self.kernels, self.biases, self.activations, strict=True):
            if kernel.ndim != 2 or kernel.shape[0] != width or bias.shape != (kernel.shape[1],):
                raise ModelFileError(
                    f"Layer shapes do not chain: kernel {kernel.shape} and bias {bias.shape} after "
                    f"{width} units."
                )
            if activation not in ACTIVATIONS:
                raise ModelFileError(
                    f"Activation {activation!r} is not supported; use one of {', '.join(ACTIVATIONS)}."
                )
            width = kernel.shape[1]
        if width != NUM_CLASSES or self.activations[-1] != "softmax":
            raise ModelFileError(
                f"The last layer must be a {NUM_CLASSES}-unit softmax, got {width} {self.activations[-1]}."
            )
        for array in (*self.kernels, *self.biases):
            array.flags.writeable = False

    @classmethod
    def from_arrays(cls, layers) -> DenseNetwork:
        """From an iterable of (kernel, bias, activation name), copied to float32."""
        kernels, biases, activations = [], [], []
        for kernel, bias, activation in layers:
            kernels.append(np.array(kernel, dtype="float32"))
            biases.append(np.array(bias, dtype="float32"))
            activations.append(str(activation))
        return cls(tuple(kernels), tuple(biases), tuple(activations))

    @property
    def hidden_units(self) -> tuple[int, ...]:
        """Width of each hidden layer, e.g. (512,) for the lesson's network."""
        return tuple(kernel.shape[1] for kernel in self.kernels[:-1])

    @property
    def parameter_count(self) -> int:
        return sum(dense_parameters(*kernel.shape) for kernel in self.kernels)

    def layer_outputs(self, images) -> list[np.ndarray]:
        """Every layer's output for float images in [0, 1] (N, 28, 28), (N, 784), (28, 28) or (784,).

        A list of float32 arrays: each hidden layer's activations (N, units), then the class
        probabilities (N, 10). Not chunked: meant for one image or a few hundred.
        """
        values = as_model_input(images)
        outputs = []
        for kernel, bias, activation in zip(self.kernels, self.biases, self.activations, strict=True):
            values = ACTIVATIONS[activation](values @ kernel + bias).astype("float32", copy=False)
            outputs.append(values)
        return outputs

    def probabilities_from_products(self, products: np.ndarray) -> np.ndarray:
        """Class probabilities float32 (N, 10) from the first layer's products ``images @
        kernels[0]`` float32 (N, units), before its bias: the rest of ``layer_outputs``, the same
        arithmetic. ``products`` is overwritten (the bias and a relu are applied in place), so a
        caller scoring many batches reuses one buffer instead of allocating one per batch."""
        values = products
        values += self.biases[0]
        if self.activations[0] == "relu":
            np.maximum(values, np.float32(0.0), out=values)
        else:
            values = ACTIVATIONS[self.activations[0]](values).astype("float32", copy=False)
        for kernel, bias, activation in zip(self.kernels[1:], self.biases[1:], self.activations[1:],
                                            strict=True):
            values = ACTIVATIONS[activation](values @ kernel + bias).astype("float32", copy=False)
        return values

    def logits(self, images) -> np.ndarray:
        """Class scores before the softmax, float32 (N, 10)."""
        values = as_model_input(images)
        for kernel, bias, activation in zip(self.kernels[:-1], self.biases[:-1], self.activations[:-1],
                                            strict=True):
            values = ACTIVATIONS[activation](values @ kernel + bias)
        return (values @ self.kernels[-1] + self.biases[-1]).astype("float32", copy=False)

    def probabilities(self, images, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
        """Class probabilities, float32 (N, 10), for float images in [0, 1] (see ``layer_outputs``)."""
        batch = as_model_input(images)
        if len(batch) == 0:
            return np.zeros((0, NUM_CLASSES), "float32")
        parts = [self.layer_outputs(batch[start : start + chunk])[-1]
                 for start in range(0, len(batch), chunk)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def loss_gradient(self, images, labels, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
        """Gradient of each image's cross-entropy loss for ``labels`` (N,) (or one label for all)
        with respect to its pixels, float32 (N, 784).

        Exact for this network: the softmax and the loss give ``p - onehot(label)`` at the
        output, and each Dense layer passes it back through its kernel and activation's slope;
        for the lesson's network the gradient of class k's score is ``W1 @ (relu_mask * W2[:, k])``.
        """
        batch = as_model_input(images)
        labels = np.broadcast_to(np.asarray(labels, dtype=np.int64), (len(batch),))
        parts = []
        for start in range(0, len(batch), chunk):
            inputs = [batch[start : start + chunk]]
            befores = []
            for kernel, bias, activation in zip(self.kernels, self.biases, self.activations, strict=True):
                befores.append(inputs[-1] @ kernel + bias)
                inputs.append(ACTIVATIONS[activation](befores[-1]).astype("float32", copy=False))
            gradient = inputs[-1].copy()
            gradient[np.arange(len(gradient)), labels[start : start + chunk]] -= 1.0
            for layer in range(len(self.kernels) - 1, -1, -1):
                if layer < len(self.kernels) - 1:
                    gradient = backward_activation(self.activations[layer], gradient, befores[layer],
                                                   inputs[layer + 1])
                gradient = gradient @ self.kernels[layer].T
            parts.append(gradient.astype("float32", copy=False))
        return np.concatenate(parts) if parts else np.zeros((0, IMAGE_PIXELS), "float32")

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_keras_file(cls, path) -> DenseNetwork:
        """Read a ``.keras`` file without Keras. Raises ``ModelFileError`` with what to do."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise ModelFileError(f"Could not read {path} ({error}).") from error
        return cls.from_keras_bytes(data, name=str(path))

    @classmethod
    def from_keras_bytes(cls, data: bytes, name: str = "The model file") -> DenseNetwork:
        """Read the bytes of a ``.keras`` file (a zip of config.json and model.weights.h5)."""
        config, weights = read_keras_archive(data, name)
        layers = _dense_chain(config, name)
        return cls.from_arrays(_read_weights(weights, layers, name))

    @classmethod
    def from_keras_model(cls, model) -> DenseNetwork:
        """From a Keras model in memory, by way of its ``.keras`` serialisation (the same reader
        as for files, so the two can never disagree). Imports Keras: training worker only."""
        return cls.from_keras_bytes(keras_model_bytes(model), name=f"Model {model.name!r}")


def keras_model_bytes(model) -> bytes:
    """The model as the bytes of a ``.keras`` file (imports Keras through the model)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "model.keras"
        model.save(file)
        return file.read_bytes()


def read_keras_archive(data: bytes, name: str = "The model file") -> tuple[dict, bytes]:
    """The architecture (config.json, parsed) and the bytes of model.weights.h5 of a ``.keras``
    file's bytes. Raises ``ModelFileError`` for anything but an intact .keras zip."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ModelFileError(
            f"{name} is not a .keras file: it is not a zip archive (truncated, or another format)."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return json.loads(archive.read("config.json")), archive.read("model.weights.h5")
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as error:
        raise ModelFileError(
            f"{name} is a damaged .keras file ({type(error).__name__}: {error})."
        ) from error


def as_model_input(images) -> np.ndarray:
    """(N, 28, 28), (28, 28), (N, 784) or (784,) floats in [0, 1] -> (N, 784) float32."""
    array = np.asarray(images, dtype="float32")
    if array.shape in ((28, 28), (IMAGE_PIXELS,)):
        array = array[np.newaxis]
    if array.ndim == 3 and array.shape[1:] == (28, 28):
        array = array.reshape(len(array), IMAGE_PIXELS)
    if array.ndim != 2 or array.shape[1] != IMAGE_PIXELS:
        raise ValueError(f"Expected images shaped (N, 28, 28) or (N, 784), got {np.shape(images)}.")
    return array


# ---------------------------------------------------------------------- reading a .keras file


def chain_layers(config: dict, unsupported: ModelFileError):
    """(layer config, h5 group name) of each layer of a Sequential or Functional model whose
    layers form one chain; raises ``unsupported`` for anything else (branches, sub-models)."""
    if config.get("class_name") not in ("Functional", "Sequential"):
        raise unsupported
    layers = config.get("config", {}).get("layers", [])
    previous = None
    for layer, group in zip(layers, layer_groups(layers), strict=True):
        kind = layer.get("class_name")
        inbound = layer.get("inbound_nodes") or []
        if config["class_name"] == "Functional" and kind != "InputLayer":
            sources = [arg.get("config", {}).get("keras_history", [None])[0]
                       for node in inbound for arg in node.get("args", []) if isinstance(arg, dict)]
            if len(inbound) != 1 or sources != [previous]:
                raise unsupported
        previous = layer.get("name") or layer.get("config", {}).get("name")
        yield layer, group


def layer_groups(layers: list[dict]) -> list[str]:
    """Each layer's group in model.weights.h5 (``dense``, ``dense_1``, ``conv2d`` ...), in order:
    Keras names them after the class, counting repeats."""
    counts: dict[str, int] = {}
    groups = []
    for layer in layers:
        base = _snake_case(layer.get("class_name") or "")
        groups.append(base if base not in counts else f"{base}_{counts[base]}")
        counts[base] = counts.get(base, 0) + 1
    return groups


def _snake_case(name: str) -> str:
    """Keras' own naming of layers inside model.weights.h5 (keras.src.utils.naming.to_snake_case)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _dense_chain(config: dict, name: str) -> list[tuple[str, str]]:
    """The Dense layers of a chain model as (h5 group name, activation), in order.

    Raises ``ModelFileError`` for anything but a single chain of supported layers.
    """
    unsupported = ModelFileError(
        f"{name} is not a network MNIST Lab can run: it must be a chain of Dense layers "
        "(with optional Dropout and the augmentation block) from 784 pixels to 10 classes."
    )
    dense, flat = [], True
    for layer, group in chain_layers(config, unsupported):
        kind = layer.get("class_name")
        settings = layer.get("config", {})
        if kind == "Dense":
            activation = settings.get("activation", "linear")
            if not isinstance(activation, str) or activation not in ACTIVATIONS or not flat:
                raise unsupported
            if not settings.get("use_bias", True):
                raise unsupported
            dense.append((group, activation))
        elif kind == "Reshape" and flat and list(settings.get("target_shape", [])) == [28, 28, 1]:
            flat = False
        elif kind == "Flatten" and not flat:
            flat = True
        elif kind not in IDENTITY_LAYERS:
            raise unsupported
    if not dense or not flat:
        raise unsupported
    return dense


def _read_weights(data: bytes, layers: list[tuple[str, str]], name: str):
    """(kernel, bias, activation) of each (h5 group, activation) in ``layers``."""
    arrays = read_kernels(data, [group for group, _ in layers], name)
    return [(kernel, bias, activation)
            for (kernel, bias), (_, activation) in zip(arrays, layers, strict=True)]


def read_kernels(data: bytes, groups: list[str], name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(kernel, bias) of each named layer group of model.weights.h5's bytes."""
    import h5py  # only here: only reading a model file pays for its import

    try:
        with h5py.File(io.BytesIO(data), "r") as weights:
            return [(weights[f"layers/{group}/vars/0"][()], weights[f"layers/{group}/vars/1"][()])
                    for group in groups]
    except (KeyError, OSError, ValueError) as error:
        raise ModelFileError(f"{name} has unreadable or missing weights ({error}).") from error
