"""The NumPy inference path (mnist_core.serving.network) against Keras' own predict."""


import keras
import numpy as np
import pytest

from mnist_core import (
    PRESETS,
    DenseNetwork,
    JobStatus,
    ModelConfig,
    ModelFileError,
    build_model,
    flatten_and_scale,
    train,
)
from mnist_core.config import ACTIVATIONS as FORM_ACTIVATIONS
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_network
from mnist_core.serving.network import ACTIVATIONS


def spread_weights(model, seed=0):
    """Random weights large enough that the outputs are far from uniform (a strict comparison)."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.15, np.shape(w)).astype("float32") for w in model.get_weights()])
    return model


def dense_model(hidden_activation, output_activation="softmax"):
    inputs = keras.Input((784,))
    hidden = keras.layers.Dense(48, activation=hidden_activation)(inputs)
    return keras.Model(inputs, keras.layers.Dense(10, activation=output_activation)(hidden))


def assert_matches_keras(model, images):
    network = DenseNetwork.from_keras_model(model)
    probabilities = network.probabilities(images)
    expected = model.predict(images, verbose=0)
    assert probabilities.dtype == np.float32 and probabilities.shape == expected.shape
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    assert not np.allclose(expected, 0.1, atol=0.02)  # outputs spread: the comparison means something


@pytest.fixture(scope="module")
def sample_images(mnist):
    return flatten_and_scale(mnist[1][0][:64])


@pytest.fixture(scope="module")
def test_images(mnist):
    return flatten_and_scale(mnist[1][0])


def test_shipped_model_matches_keras_on_all_test_images(test_images):
    model = keras.saving.load_model(DEFAULT_MODEL_PATH)
    network, sidecar = load_network(DEFAULT_MODEL_PATH)
    np.testing.assert_allclose(network.probabilities(test_images), model.predict(test_images, verbose=0),
                               atol=1e-5)
    assert network.hidden_units == tuple(sidecar["config"]["hidden_units"])


@pytest.mark.parametrize("config", [
    PRESETS["seed"],
    PRESETS["best"],  # augmentation layers and dropout
    ModelConfig(hidden_units=(64, 32, 16), dropout=0.3),
    ModelConfig(hidden_units=()),  # softmax regression
], ids=["seed", "best", "three layers with dropout", "no hidden layer"])
def test_configs_the_form_builds_match_keras(config, sample_images):
    model = spread_weights(build_model(config))
    assert_matches_keras(model, sample_images)
    assert_matches_keras(model, sample_images[:1])  # the Draw page's one image


@pytest.mark.parametrize("activation", sorted(set(ACTIVATIONS) - {"softmax"}) + ["softmax"])
def test_each_hidden_activation_matches_keras(activation, test_images):
    assert_matches_keras(spread_weights(dense_model(activation)), test_images)


@pytest.mark.parametrize("config", [
    PRESETS["seed"].replace(train_size=6000, epochs=1),  # the lesson's network, a seed run
    ModelConfig(hidden_units=(128, 64), dropout=0.3, epochs=1, train_size=6000, augment=True),
    *[ModelConfig(hidden_units=(64,), activation=name, epochs=1, train_size=3000)
      for name in FORM_ACTIVATIONS],
], ids=["seed run", "two layers, dropout, augmentation", *FORM_ACTIVATIONS])
def test_trained_runs_match_keras_on_all_test_images(config, mnist, test_images):
    """Really trained weights (a seed run, dropout with 2 layers, each activation the Train form
    offers), through the .keras bytes, against model.predict on the 10,000 test images."""
    (x_train, y_train), _ = mnist
    result = train(config, x_train, y_train)
    assert result.status == JobStatus.COMPLETED
    assert result.history.val_accuracy[-1] > 0.5  # it learned (chance: 0.1)
    assert_matches_keras(result.model, test_images)


def test_a_sequential_model_matches_keras(sample_images):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax")])
    assert_matches_keras(spread_weights(model), sample_images)


def layer_norm_model():
    inputs = keras.Input((784,))
    hidden = keras.layers.LayerNormalization()(keras.layers.Dense(32, activation="relu")(inputs))
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))


def residual_model():
    inputs = keras.Input((784,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    hidden = keras.layers.Add()([hidden, keras.layers.Dense(32)(hidden)])
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))


@pytest.mark.parametrize("make_model", [
    layer_norm_model,
    residual_model,
    lambda: dense_model("relu", "sigmoid"),
    lambda: keras.Sequential([keras.Input((784,)), keras.layers.Dense(12, activation="relu")]),
], ids=["LayerNormalization", "Add (two inputs)", "sigmoid output", "12 outputs"])
def test_other_architectures_get_a_clear_error(make_model):
    with pytest.raises(ModelFileError, match="MNIST Lab can run|softmax"):
        DenseNetwork.from_keras_model(make_model())
