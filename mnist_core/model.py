"""The Keras dense network and fast prediction."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import keras
import numpy as np
import scipy.special

from .config import ModelConfig
from .errors import ConfigError

PREDICT_CHUNK = 4096  # rows per predict_on_batch call on big inputs (bounds peak memory)
NUMPY_MAX_ROWS = 64  # batches up to this size run the forward pass in NumPy when the model allows


def build_model(config: ModelConfig, steps_per_epoch: int = 422) -> keras.Model:
    """A compiled Functional model: (N, 784) float32 in [0, 1] -> (N, 10) probabilities.

    With ``config.augment`` the input is reshaped to 28x28 and randomly shifted, rotated
    and zoomed while training (the layers do nothing at inference). ``steps_per_epoch``
    sizes the cosine learning-rate schedule.
    """
    inputs = keras.Input(shape=(784,), name="pixels")
    features = _augmentation(inputs, config.seed) if config.augment else inputs
    for index, units in enumerate(config.hidden_units, start=1):
        features = keras.layers.Dense(units, activation=config.activation, name=f"hidden_{index}")(
            features
        )
        if config.dropout:
            features = keras.layers.Dropout(config.dropout, name=f"dropout_{index}")(features)
    outputs = keras.layers.Dense(10, activation="softmax", name="digit")(features)
    model = keras.Model(inputs, outputs, name="mnist_dense")
    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _augmentation(inputs, seed: int):
    """Small random shifts (±2 px), rotations (±10°) and zoom (±10 %), as drawn digits vary."""
    images = keras.layers.Reshape((28, 28, 1), name="as_image")(inputs)
    images = keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed, name="rotate")(images)
    images = keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 1, name="zoom")(images)
    images = keras.layers.RandomTranslation(
        0.07, 0.07, fill_mode="constant", seed=seed + 2, name="shift"
    )(images)
    return keras.layers.Flatten(name="flatten")(images)


def make_optimizer(config: ModelConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """The configured optimizer, with a cosine-decay schedule over the run if asked."""
    rate = float(config.learning_rate)  # Keras refuses an int (e.g. 10 from a JSON sidecar)
    if config.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            rate, decay_steps=max(1, steps_per_epoch * config.epochs)
        )
    optimizers = {
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "sgd": lambda learning_rate: keras.optimizers.SGD(learning_rate, momentum=0.9),
    }
    if config.optimizer not in optimizers:
        raise ConfigError(f"Unknown optimizer {config.optimizer!r}.")
    return optimizers[config.optimizer](learning_rate=rate)


def as_model_input(images) -> np.ndarray:
    """(N, 28, 28), (28, 28), (N, 784) or (784,) floats in [0, 1] -> (N, 784) float32."""
    array = np.asarray(images, dtype="float32")
    if array.shape == (28, 28) or array.shape == (784,):
        array = array[np.newaxis]
    if array.ndim == 3 and array.shape[1:] == (28, 28):
        array = array.reshape(len(array), 784)
    if array.ndim != 2 or array.shape[1] != 784:
        raise ValueError(f"Expected images shaped (N, 28, 28) or (N, 784), got {np.shape(images)}.")
    return array


def predict_proba(model: keras.Model, images) -> np.ndarray:
    """Class probabilities, float32 (N, 10), for floats in [0, 1] shaped (N, 28, 28) or (N, 784).

    Up to ``NUMPY_MAX_ROWS`` images (the Draw page's one image) go through a NumPy forward
    pass of the model's own weights when the model is a plain chain of Dense layers (see
    ``numpy_forward_pass``): 0.12 ms back to back, about 1.1 ms in a fresh thread as a
    Streamlit rerun makes it, and steady on a busy CPU, where ``predict_on_batch`` waited
    up to 35-231 ms for TensorFlow's thread pools. Other models, and bigger inputs, use
    ``predict_on_batch`` (in chunks of ``PREDICT_CHUNK`` rows).
    """
    batch = as_model_input(images)
    if 0 < len(batch) <= NUMPY_MAX_ROWS:
        forward = numpy_forward_pass(model)
        if forward is not None:
            return forward(batch)
    chunks = [
        np.asarray(model.predict_on_batch(batch[start : start + PREDICT_CHUNK]))
        for start in range(0, len(batch), PREDICT_CHUNK)
    ]
    return np.concatenate(chunks).astype("float32", copy=False) if chunks else np.zeros((0, 10), "float32")


# ---------------------------------------------------------------- NumPy forward pass

def _gelu(values: np.ndarray) -> np.ndarray:
    """Keras' default (exact, erf-based) gelu: keras.activations.gelu(x, approximate=False)."""
    return 0.5 * values * (1.0 + scipy.special.erf(values / np.float32(np.sqrt(2.0))))


def _softmax(values: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, stable (the row maximum is subtracted first)."""
    exponentials = np.exp(values - values.max(axis=-1, keepdims=True))
    return exponentials / exponentials.sum(axis=-1, keepdims=True)


# Keras' activation functions (with their default arguments) -> the same in NumPy, float32.
_ACTIVATIONS = {
    keras.activations.relu: lambda values: np.maximum(values, np.float32(0.0)),
    keras.activations.softmax: _softmax,
    keras.activations.tanh: np.tanh,
    keras.activations.sigmoid: scipy.special.expit,  # no overflow for large negative inputs
    keras.activations.linear: lambda values: values,
    keras.activations.gelu: _gelu,
}
# Identity at inference (training=False), or (Reshape ... Flatten) a round trip that
# cancels: the random augmentation layers sit between a Reshape to 28x28x1 and a Flatten.
_PASS_THROUGH = (
    keras.layers.Dropout,
    keras.layers.RandomRotation,
    keras.layers.RandomZoom,
    keras.layers.RandomTranslation,
)


@dataclass(frozen=True)
class _DenseStack:
    """The model's Dense layers as float32 NumPy arrays: (kernel (in, out), bias (out,), activation).

    Holds no reference to the model, so a cached stack never keeps a model alive.
    """

    layers: tuple[tuple[np.ndarray, np.ndarray, object], ...]

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """(N, 784) float32 -> (N, 10) float32 probabilities."""
        values = batch
        for kernel, bias, activation in self.layers:
            values = activation(values @ kernel + bias)
        return values.astype("float32", copy=False)


_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (optimizer step, stack)
_cache_lock = threading.Lock()  # Streamlit runs sessions in threads


def numpy_forward_pass(model: keras.Model) -> _DenseStack | None:
    """A NumPy function computing ``model`` at inference, (N, 784) float32 -> (N, 10) float32,
    or None when the model has a layer or activation it does not reproduce exactly.

    Supported: a single chain of InputLayer, Dense (relu, softmax, tanh, sigmoid, linear,
    gelu; float32), Dropout, and Reshape / RandomRotation / RandomZoom / RandomTranslation /
    Flatten (the augmentation block, an identity at inference).

    The weights are copied once per model and cached under a weak reference to it (the
    cache never keeps a model alive), together with the optimizer's step counter
    ``iterations``: every ``fit`` step raises it, so a model trained after it was cached
    gets fresh weights. If the counter moves while the weights are being copied, the model
    is being trained right now: None, and ``predict_on_batch`` reads the live weights.
    Reading that counter is the one TensorFlow op left: about 0.7 ms as a thread's first
    TensorFlow op (a Streamlit rerun's thread is new), 0.04 ms after.
    Not detected: ``set_weights`` / ``load_weights`` / direct assignment on a model already
    cached (this app never does that; it loads and trains new model objects).
    """
    step = _optimizer_step(model)
    with _cache_lock:
        cached = _cache.get(model)
        if cached is not None and cached[0] == step:
            return cached[1]
        stack = _dense_stack(model)
        if _optimizer_step(model) != step:  # training in progress: do not cache a torn copy
            return None
        _cache[model] = (step, stack)
        return stack


def _optimizer_step(model: keras.Model) -> int | None:
    """The optimizer's ``iterations`` (fit steps applied so far), or None without an optimizer."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return int(optimizer.iterations.numpy())


def _dense_stack(model: keras.Model) -> _DenseStack | None:
    """The model's Dense layers copied to NumPy, or None if the model is not a supported chain."""
    layers = _layer_chain(model)
    if layers is None:
        return None
    dense_layers, flat = [], True
    for layer in layers:
        if isinstance(layer, keras.layers.Dense):
            activation = _ACTIVATIONS.get(layer.activation)
            if not flat or activation is None or not _plain_float32(layer):
                return None
            kernel = np.array(keras.ops.convert_to_numpy(layer.kernel), dtype="float32")
            bias = (np.array(keras.ops.convert_to_numpy(layer.bias), dtype="float32")
                    if layer.use_bias else np.zeros(layer.units, "float32"))
            dense_layers.append((kernel, bias, activation))
        elif isinstance(layer, keras.layers.Reshape) and flat and tuple(layer.target_shape) == (28, 28, 1):
            flat = False
        elif isinstance(layer, keras.layers.Flatten) and not flat:
            flat = True
        elif not isinstance(layer, _PASS_THROUGH):
            return None
    if not flat or not dense_layers:
        return None
    if dense_layers[0][0].shape[0] != 784 or dense_layers[-1][0].shape[1] != 10:
        return None
    return _DenseStack(tuple(dense_layers))


def _plain_float32(layer: keras.layers.Dense) -> bool:
    """True for an unquantized float32 Dense layer without LoRA."""
    return (layer.dtype_policy.name == "float32" and not getattr(layer, "lora_enabled", False)
            and getattr(layer, "quantization_mode", None) is None)


def _layer_chain(model: keras.Model) -> list | None:
    """The layers applied from the input to the output, in order (a layer called twice appears
    twice); None for other models (several inputs or outputs, a layer with several inputs,
    subclassed models). Keras' predict calls every layer with training=False, whatever
    ``training`` the layer was called with when the model was built."""
    if isinstance(model, keras.Sequential):
        return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not isinstance(model, keras.Model) or len(inputs or ()) != 1 or len(outputs or ()) != 1:
        return None
    chain, tensor = [], outputs[0]
    while tensor is not inputs[0]:
        history = getattr(tensor, "_keras_history", None)
        if history is None or isinstance(history.operation, keras.layers.InputLayer):
            return None
        node = history.operation._inbound_nodes[history.node_index]
        if len(node.input_tensors) != 1:
            return None
        chain.append(history.operation)
        tensor = node.input_tensors[0]
    return chain[::-1]
