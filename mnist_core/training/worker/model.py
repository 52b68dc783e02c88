"""The Keras networks (the dense chain, or the small convnet): built and compiled from a ``ModelConfig``
(training worker only)."""

from __future__ import annotations

import keras

from mnist_core.config import CONVNET_FILTERS, ModelConfig
from mnist_core.errors import ConfigError


def build_model(config: ModelConfig, steps_per_epoch: int = 422) -> keras.Model:
    """A compiled Functional model: (N, 784) float32 in [0, 1] -> (N, 10) probabilities.

    With ``config.augment`` the input is reshaped to 28x28 and randomly shifted, rotated
    and zoomed while training (the layers do nothing at inference). ``steps_per_epoch``
    sizes the cosine learning-rate schedule.
    """
    inputs = keras.Input(shape=(784,), name="pixels")
    if config.architecture == "convnet":  # the Break-it page's small convnet
        return _compiled(keras.Model(inputs, _convnet(inputs, config), name="mnist_convnet"),
                         config, steps_per_epoch)
    features = augmentation(inputs, config.seed) if config.augment else inputs
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


def _compiled(model: keras.Model, config: ModelConfig, steps_per_epoch: int) -> keras.Model:
    """``model`` compiled as ``build_model`` compiles the dense network."""
    model.compile(optimizer=make_optimizer(config, steps_per_epoch), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _convnet(features, config: ModelConfig):
    """(N, 784) pixels -> 28x28x1 -> [Conv2D(f, 3x3, relu) -> MaxPool(2x2)] per CONVNET_FILTERS
    -> Flatten -> Dropout -> Dense(10, softmax): keras-io's mnist_convnet."""
    features = keras.layers.Reshape((28, 28, 1), name="as_image")(features)
    if config.augment:
        features = _random_moves(features, config.seed)
    for index, filters in enumerate(CONVNET_FILTERS, start=1):
        features = keras.layers.Conv2D(filters, (3, 3), activation="relu", name=f"conv_{index}")(features)
        features = keras.layers.MaxPooling2D((2, 2), name=f"pool_{index}")(features)
    features = keras.layers.Flatten(name="flatten")(features)
    if config.dropout:
        features = keras.layers.Dropout(config.dropout, name="dropout")(features)
    return keras.layers.Dense(10, activation="softmax", name="digit")(features)


def inference_model(model: keras.Model) -> keras.Model:
    """The trained Dense chain of ``model`` alone, for shipping: same layer names and weights,
    no Dropout and no augmentation layers (both are the identity at inference) and not
    compiled, so no optimizer state is saved (Adam's moments are twice the weights).

    Predicts exactly what ``model`` predicts; loads with ``keras.models.load_model`` (call
    ``compile`` before ``evaluate`` or ``fit``).
    """
    if any(isinstance(layer, keras.layers.Conv2D) for layer in model.layers):
        inference_only = (keras.layers.InputLayer, keras.layers.Dropout, keras.layers.RandomRotation,
                          keras.layers.RandomZoom, keras.layers.RandomTranslation)
        trained = [layer for layer in model.layers if not isinstance(layer, inference_only)]
    else:
        trained = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    features = inputs = keras.Input(shape=(784,), name="pixels")
    copies = []
    for layer in trained:
        copies.append(type(layer).from_config(layer.get_config()))
        features = copies[-1](features)
    for source, copy in zip(trained, copies, strict=True):
        copy.set_weights(source.get_weights())
    return keras.Model(inputs, features, name=model.name)


def augmentation(inputs, seed: int):
    """Small random shifts (±2 px), rotations (±10°) and zoom (±10 %), as drawn digits vary."""
    images = keras.layers.Reshape((28, 28, 1), name="as_image")(inputs)
    return keras.layers.Flatten(name="flatten")(_random_moves(images, seed))


def _random_moves(images, seed: int):
    """The random rotation, zoom and translation of ``augmentation`` on (N, 28, 28, 1) images."""
    images = keras.layers.RandomRotation(0.03, fill_mode="constant", seed=seed, name="rotate")(images)
    images = keras.layers.RandomZoom(0.1, fill_mode="constant", seed=seed + 1, name="zoom")(images)
    return keras.layers.RandomTranslation(
        0.07, 0.07, fill_mode="constant", seed=seed + 2, name="shift"
    )(images)


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
