"""The Keras model (build_model) and evaluation (metrics, mistakes)."""

import keras
import numpy as np
import pytest

from mnist_core import (
    PRESETS,
    DenseNetwork,
    ModelConfig,
    build_model,
    evaluate,
    flatten_and_scale,
    load_default_model,
)
from mnist_core.config import CONVNET_FILTERS

OPTIMIZER_CLASSES = {"rmsprop": keras.optimizers.RMSprop, "adam": keras.optimizers.Adam,
                     "sgd": keras.optimizers.SGD}


@pytest.fixture(scope="module")
def seed_model():
    keras.utils.set_random_seed(0)
    return build_model(PRESETS["seed"])


# ---------------------------------------------------------------- build_model


def test_seed_preset_is_the_lessons_network(seed_model):
    dense = [layer for layer in seed_model.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.units, layer.activation.__name__) for layer in dense] == [(512, "relu"), (10, "softmax")]
    assert isinstance(seed_model.layers[0], keras.layers.InputLayer)  # starts with keras.Input
    assert tuple(seed_model.input_shape) == (None, 784) and tuple(seed_model.output_shape) == (None, 10)
    assert seed_model.count_params() == 784 * 512 + 512 + 512 * 10 + 10
    assert isinstance(seed_model.optimizer, keras.optimizers.RMSprop)
    assert float(seed_model.optimizer.learning_rate) == pytest.approx(1e-3)
    assert seed_model.loss == "sparse_categorical_crossentropy"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_build_as_configured(name):
    config = PRESETS[name]
    model = build_model(config)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [*config.hidden_units, 10]
    assert all(layer.activation.__name__ == config.activation for layer in dense[:-1])
    assert dense[-1].activation.__name__ == "softmax"
    dropouts = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    convolutions = [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if config.architecture == "convnet":  # one dropout before its output layer, after the convolutions
        assert convolutions == list(CONVNET_FILTERS) and dropouts == [config.dropout]
    else:
        assert not convolutions
        assert dropouts == ([config.dropout] * len(config.hidden_units) if config.dropout else [])
    assert isinstance(model.layers[0], keras.layers.InputLayer)
    assert tuple(model.input_shape) == (None, 784) and tuple(model.output_shape) == (None, 10)
    assert isinstance(model.optimizer, OPTIMIZER_CLASSES[config.optimizer])
    assert model.loss == "sparse_categorical_crossentropy"
    schedule = model.optimizer._learning_rate
    if config.schedule == "cosine":
        assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
        assert schedule.initial_learning_rate == pytest.approx(config.learning_rate)
    else:
        assert float(model.optimizer.learning_rate) == pytest.approx(config.learning_rate)


@pytest.mark.parametrize("config, dense_units", [
    (ModelConfig(hidden_units=()), [10]),  # plain softmax regression
    (ModelConfig(hidden_units=(64, 32), activation="tanh", dropout=0.3, optimizer="sgd"), [64, 32, 10]),
], ids=["no hidden layer", "two layers sgd"])
def test_custom_configs(config, dense_units):
    model = build_model(config)
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == dense_units
    assert isinstance(model.optimizer, OPTIMIZER_CLASSES[config.optimizer])


def test_augmentation_only_acts_while_training():
    model = build_model(ModelConfig(hidden_units=(16,), augment=True))
    images = np.random.default_rng(0).random((4, 784), dtype=np.float32)
    inference = model(images, training=False).numpy()
    np.testing.assert_allclose(model.predict(images, verbose=0), inference, atol=1e-6)
    assert not np.allclose(model(images, training=True).numpy(), model(images, training=False).numpy())


def test_evaluate_agrees_with_keras_evaluate(mnist):
    model, _ = load_default_model()
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])  # shipped uncompiled
    (_, _), (x_test, y_test) = mnist
    result = evaluate(DenseNetwork.from_keras_model(model), x_test, y_test)
    keras_loss, keras_accuracy = model.evaluate(flatten_and_scale(x_test), y_test, batch_size=1000, verbose=0)
    assert result.loss == pytest.approx(keras_loss, abs=1e-3)
    assert result.accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    assert result.confusion.sum() == 10000
    assert np.trace(result.confusion) == round(result.accuracy * 10000)
    np.testing.assert_array_equal(result.confusion.sum(axis=1), np.bincount(y_test, minlength=10))
    wrong = result.mistakes
    assert len(wrong) == 10000 - np.trace(result.confusion)
    assert np.all(np.diff(result.confidence[wrong]) <= 0)
