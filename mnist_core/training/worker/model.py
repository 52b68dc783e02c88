"""The Keras dense network: built and compiled from a ``ModelConfig`` (training worker only)."""

from __future__ import annotations

import keras

from mnist_core.config import ModelConfig
from mnist_core.errors import ConfigError


def build_model(config: ModelConfig, steps_per_epoch: int = 422) -> keras.Model:
    """A compiled Functional model: (N, 784) float32 in [0, 1] -> (N, 10) probabilities.

    With ``config.augment`` the input is reshaped to 28x28 and randomly shifted, rotated
    and zoomed while training (the layers do nothing at inference). ``steps_per_epoch``
    sizes the cosine learning-rate schedule.
    """
    inputs = keras.Input(shape=(784,), name="pixels")
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


def inference_model(model: keras.Model) -> keras.Model:
    """The trained Dense chain of ``model`` alone, for shipping: same layer names and weights,
    no Dropout and no augmentation layers (both are the identity at inference) and not
    compiled, so no optimizer state is saved (Adam's moments are twice the weights).

    Predicts exactly what ``model`` predicts; loads with ``keras.models.load_model`` (call
    ``compile`` before ``evaluate`` or ``fit``).
    """
    trained = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    features = inputs = keras.Input(shape=(784,), name="pixels")
    copies = []
    for layer in trained:
        copies.append(keras.layers.Dense(layer.units, activation=layer.activation, name=layer.name))
        features = copies[-1](features)
    for source, copy in zip(trained, copies, strict=True):
        copy.set_weights(source.get_weights())
    return keras.Model(inputs, features, name=model.name)


def augmentation(inputs, seed: int):
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
