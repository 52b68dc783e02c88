"""The Keras model (build_model, predict_proba) and evaluation (metrics, mistakes)."""

import gc
import weakref
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest

from mnist_core import (
    PRESETS,
    ModelConfig,
    build_model,
    confusion_matrix,
    evaluate,
    evaluate_probabilities,
    flatten_and_scale,
    load_default_model,
    predict_proba,
    rank_mistakes,
)
from mnist_core import model as model_module
from mnist_core.model import NUMPY_MAX_ROWS, numpy_forward_pass
from mnist_core.training import scaling_trainer

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
    np.testing.assert_allclose(predict_proba(model, images), model(images, training=False).numpy(), atol=1e-6)
    assert not np.allclose(model(images, training=True).numpy(), model(images, training=False).numpy())


# ---------------------------------------------------------------- predict_proba


@pytest.mark.parametrize("shape", [(7, 28, 28), (7, 784), (28, 28), (784,), (1, 28, 28)],
                         ids=["N,28,28", "N,784", "one 28x28", "one 784", "1,28,28"])
def test_predict_proba_matches_keras(seed_model, mnist, shape):
    images = flatten_and_scale(mnist[1][0][:7])[: int(np.prod(shape)) // 784].reshape(shape)
    probabilities = predict_proba(seed_model, images)
    expected = seed_model.predict(images.reshape(-1, 784), verbose=0)
    assert probabilities.shape == expected.shape == (max(1, int(np.prod(shape)) // 784), 10)
    assert probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_predict_proba_in_chunks_matches_keras(mnist):
    model, _ = load_default_model()
    images = flatten_and_scale(mnist[1][0][:5000])  # more rows than one predict_on_batch chunk
    np.testing.assert_allclose(predict_proba(model, images), model.predict(images, verbose=0), atol=1e-5)


@pytest.mark.parametrize("shape", [(3, 27, 28), (3, 783), (2, 3, 28, 28)])
def test_predict_proba_rejects_other_shapes(seed_model, shape):
    with pytest.raises(ValueError, match=r"\(N, 28, 28\) or \(N, 784\)"):
        predict_proba(seed_model, np.zeros(shape, np.float32))


# ---------------------------------------------------------------- predict_proba's NumPy path


def spread_weights(model, seed=0):
    """Random weights large enough that the outputs are far from uniform (a strict comparison)."""
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.15, np.shape(w)).astype("float32") for w in model.get_weights()])
    return model


def dense_model(hidden_activation, output_activation="softmax"):
    inputs = keras.Input((784,))
    hidden = keras.layers.Dense(48, activation=hidden_activation)(inputs)
    return keras.Model(inputs, keras.layers.Dense(10, activation=output_activation)(hidden))


def assert_numpy_path_matches_keras(model, images):
    assert numpy_forward_pass(model) is not None  # the NumPy path is taken, not predict_on_batch
    probabilities = predict_proba(model, images)
    expected = model.predict(images, verbose=0)
    assert probabilities.dtype == np.float32 and probabilities.shape == expected.shape
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    assert not np.allclose(expected, 0.1, atol=0.02)  # outputs spread: the comparison means something


@pytest.fixture(scope="module")
def sample_images(mnist):
    return flatten_and_scale(mnist[1][0][:NUMPY_MAX_ROWS])


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_numpy_path_matches_keras_for_presets(name, sample_images):
    model = spread_weights(build_model(PRESETS[name]))  # 'best' has augmentation layers and dropout
    assert_numpy_path_matches_keras(model, sample_images)
    assert_numpy_path_matches_keras(model, sample_images[:1])  # the Draw page's one image


@pytest.mark.parametrize("hidden, output", [
    ("relu", "softmax"), ("tanh", "softmax"), ("sigmoid", "softmax"), ("gelu", "softmax"),
    ("linear", "softmax"), ("softmax", "softmax"), ("relu", "linear"), ("gelu", "sigmoid"),
])
def test_numpy_path_matches_keras_for_each_activation(hidden, output, sample_images):
    assert_numpy_path_matches_keras(spread_weights(dense_model(hidden, output)), sample_images)


def test_numpy_gelu_is_keras_exact_erf_gelu():
    """Keras' gelu defaults to the exact erf form; the tanh approximation would differ."""
    values = np.linspace(-4, 4, 801, dtype=np.float32)
    exact = keras.ops.convert_to_numpy(keras.activations.gelu(values))
    np.testing.assert_allclose(model_module._gelu(values), exact, atol=1e-6)
    approximate = keras.ops.convert_to_numpy(keras.activations.gelu(values, approximate=True))
    assert np.abs(approximate - exact).max() > 1e-4


def test_numpy_path_on_the_shipped_default_model(sample_images):
    model, _ = load_default_model()
    assert_numpy_path_matches_keras(model, sample_images)


def test_numpy_path_on_a_sequential_model(sample_images):
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax")])
    assert_numpy_path_matches_keras(spread_weights(model), sample_images)


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
    lambda: dense_model(keras.activations.leaky_relu),
    lambda: dense_model(lambda values: keras.activations.gelu(values, approximate=True)),
], ids=["LayerNormalization", "Add (two inputs)", "leaky_relu", "approximate gelu"])
def test_unsupported_models_fall_back_to_keras(make_model, sample_images):
    model = spread_weights(make_model())
    assert numpy_forward_pass(model) is None
    expected = model.predict(sample_images[:3], verbose=0)
    np.testing.assert_allclose(predict_proba(model, sample_images[:3]), expected, atol=1e-5)


def test_one_image_does_not_call_predict_on_batch(monkeypatch, sample_images):
    model = spread_weights(dense_model("relu"))
    expected = model.predict(sample_images[:1], verbose=0)

    def refuse(*args, **kwargs):
        raise AssertionError("predict_on_batch called for one image")

    monkeypatch.setattr(keras.Model, "predict_on_batch", refuse)
    np.testing.assert_allclose(predict_proba(model, sample_images[0]), expected, atol=1e-5)


@pytest.mark.parametrize("rows", [NUMPY_MAX_ROWS + 1, 700])
def test_large_batches_use_keras_and_agree(monkeypatch, mnist, rows):
    model = spread_weights(dense_model("relu"))
    images = flatten_and_scale(mnist[1][0][:rows])
    expected = model.predict(images, verbose=0)
    monkeypatch.setattr(model_module, "numpy_forward_pass", lambda model: pytest.fail("NumPy path used"))
    np.testing.assert_allclose(predict_proba(model, images), expected, atol=1e-5)


def test_cache_does_not_keep_the_model_alive(sample_images):
    model = spread_weights(dense_model("relu"))
    predict_proba(model, sample_images[:1])
    assert model in model_module._cache
    entries = len(model_module._cache)
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is None
    assert len(model_module._cache) < entries  # its entry went with it


@pytest.mark.parametrize("through", ["model.fit", "train()'s scaling_trainer"])
def test_training_after_caching_refreshes_the_weights(through, small_mnist):
    (x_train, y_train), (x_test, _) = small_mnist
    keras.utils.set_random_seed(0)
    model = build_model(ModelConfig(hidden_units=(32,)))
    images = flatten_and_scale(x_test[:8])
    before = predict_proba(model, images)  # caches the untrained weights
    if through == "model.fit":
        model.fit(flatten_and_scale(x_train[:128]), y_train[:128], batch_size=128, epochs=1, verbose=0)
    else:
        scaling_trainer(model).fit(x_train[:128].reshape(128, 784), y_train[:128], batch_size=128, verbose=0)
    after = predict_proba(model, images)
    assert not np.allclose(after, before, atol=1e-4)  # one step did change the predictions
    np.testing.assert_allclose(after, model.predict(images, verbose=0), atol=1e-5)


def test_weights_changing_while_copied_are_not_cached(monkeypatch, sample_images):
    """A model being trained (its optimizer step moves during the copy) goes to predict_on_batch."""
    keras.utils.set_random_seed(0)
    model = spread_weights(build_model(ModelConfig(hidden_units=(32,))))
    copy = model_module._dense_stack

    def copy_during_a_training_step(model):
        stack = copy(model)
        model.optimizer.iterations.assign_add(1)
        return stack

    monkeypatch.setattr(model_module, "_dense_stack", copy_during_a_training_step)
    assert numpy_forward_pass(model) is None and model not in model_module._cache
    expected = model.predict(sample_images[:2], verbose=0)
    np.testing.assert_allclose(predict_proba(model, sample_images[:2]), expected, atol=1e-5)


def test_threads_share_one_cached_copy(sample_images):
    model = spread_weights(dense_model("gelu"))
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda index: predict_proba(model, sample_images[index]), range(32)))
        stacks = set(map(id, pool.map(lambda _: numpy_forward_pass(model), range(8))))
    expected = model.predict(sample_images[:32], verbose=0)
    np.testing.assert_allclose(np.concatenate(results), expected, atol=1e-5)
    assert len(stacks) == 1


# ---------------------------------------------------------------- evaluation, by hand


def one_hot_probabilities(predicted, confidence):
    """(N, 10) rows: ``confidence`` on the predicted digit, the rest spread evenly."""
    rows = np.full((len(predicted), 10), 0.0, np.float32)
    for row, (digit, level) in enumerate(zip(predicted, confidence, strict=True)):
        rows[row] = (1 - level) / 9
        rows[row, digit] = level
    return rows


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


def test_rank_mistakes_most_confident_first():
    labels = np.array([3, 3, 3, 3, 3, 3])
    predicted = [3, 5, 8, 3, 1, 5]
    confidence = [0.99, 0.6, 0.95, 0.5, 0.8, 0.95]
    order = rank_mistakes(labels, one_hot_probabilities(predicted, confidence))
    assert order.tolist() == [2, 5, 4, 1]  # ties keep their original order
    result = evaluate_probabilities(one_hot_probabilities(predicted, confidence), labels)
    assert result.mistakes.tolist() == [2, 5, 4, 1]
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
    (_, _), (x_test, y_test) = mnist
    result = evaluate(model, x_test, y_test)
    keras_loss, keras_accuracy = model.evaluate(flatten_and_scale(x_test), y_test, batch_size=1000, verbose=0)
    assert result.loss == pytest.approx(keras_loss, abs=1e-3)
    assert result.accuracy == pytest.approx(keras_accuracy, abs=1e-6)
    assert result.confusion.sum() == 10000
    assert np.trace(result.confusion) == round(result.accuracy * 10000)
    np.testing.assert_array_equal(result.confusion.sum(axis=1), np.bincount(y_test, minlength=10))
    wrong = result.mistakes
    assert len(wrong) == 10000 - np.trace(result.confusion)
    assert np.all(np.diff(result.confidence[wrong]) <= 0)
