"""The Keras model (build_model) and evaluation (metrics, mistakes)."""

import keras
import numpy as np
import pytest

from mnist_core import (
    PRESETS,
    DenseNetwork,
    ModelConfig,
    build_model,
    confusion_matrix,
    evaluate,
    evaluate_probabilities,
    flatten_and_scale,
    load_default_model,
)
from tests.made_up import one_hot_probabilities

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


# ---------------------------------------------------------------- evaluation, by hand


def test_confusion_matrix_by_hand():
    labels = np.array([0, 0, 1, 1, 1, 2, 9], np.uint8)  # uint8 like MNIST's labels
    predicted = np.array([0, 1, 1, 1, 0, 2, 2])
    matrix = confusion_matrix(labels, predicted)
    assert matrix.shape == (10, 10) and matrix.sum() == 7
    assert matrix[0, 0] == 1 and matrix[0, 1] == 1  # row = true digit, column = predicted
    assert matrix[1, 1] == 2 and matrix[1, 0] == 1
    assert matrix[2, 2] == 1 and matrix[9, 2] == 1


def test_precision_and_recall_by_hand():
    labels = np.array([0, 0, 1, 1, 1, 2, 9])
    predicted = np.array([0, 1, 1, 1, 0, 2, 2])
    result = evaluate_probabilities(one_hot_probabilities(predicted, [0.9] * 7), labels)
    assert result.accuracy == pytest.approx(4 / 7)
    np.testing.assert_allclose(result.precision[[0, 1, 2, 9]], [1 / 2, 2 / 3, 1 / 2, 0.0])
    np.testing.assert_allclose(result.recall[[0, 1, 2, 9]], [1 / 2, 2 / 3, 1.0, 0.0])
    assert result.precision[5] == 0.0 and result.recall[5] == 0.0  # digit never seen nor predicted
    assert result.loss == pytest.approx(-np.mean(np.log([0.9, 0.1 / 9, 0.9, 0.9, 0.1 / 9, 0.9, 0.1 / 9])),
                                        rel=1e-5)


def test_mistakes_most_confident_first():
    labels = np.array([3, 3, 3, 3, 3, 3])
    predicted = [3, 5, 8, 3, 1, 5]
    confidence = [0.99, 0.6, 0.95, 0.5, 0.8, 0.95]
    result = evaluate_probabilities(one_hot_probabilities(predicted, confidence), labels)
    assert result.mistakes.tolist() == [2, 5, 4, 1]  # ties keep their original order
    assert result.mistake_count == 4
    np.testing.assert_allclose(result.confidence, confidence, rtol=1e-6)


def test_evaluate_probabilities_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"\(3, 10\)"):
        evaluate_probabilities(np.zeros((4, 10)), np.zeros(3, int))


@pytest.mark.parametrize("labels, predicted, words", [
    ([0, 10], [0, 1], "labels must be 0-9"),
    ([0, -1], [0, 1], "labels must be 0-9"),
    ([0, 1], [0, 12], "predictions must be 0-9"),
    ([0, 1, 2], [0, 1], "labels but"),
], ids=["label 10", "negative label", "prediction 12", "lengths"])
def test_confusion_matrix_rejects_bad_input(labels, predicted, words):
    with pytest.raises(ValueError, match=words):
        confusion_matrix(np.array(labels), np.array(predicted))


def test_evaluate_probabilities_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match="digits 0-9"):
        evaluate_probabilities(np.full((2, 10), 0.1), np.array([3, 10]))


# ---------------------------------------------------------------- evaluation against Keras


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
