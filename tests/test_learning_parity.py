"""The "How it learns" engine against TensorFlow (slow: these tests import Keras; the server never does).

- The NumPy gradients equal GradientTape's for the same weights and batch (relative error <= 1e-5 in
  float64, <= 1e-4 in float32).
- NumPy's RMSprop steps equal keras.optimizers.RMSprop's for the same gradients (within 1e-6).
- 469 NumPy steps (RMSprop, lr 1e-3, batch 128) from a Keras-initialised network reach a test accuracy
  within 1 point of Keras' own first epoch from the same weights on the same batches.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core.learning.batches import BatchPlan
from mnist_core.learning.network import Parameters, accuracy, as_inputs, backward, forward
from mnist_core.learning.optimisers import apply_update, new_state
from mnist_core.learning.settings import LearningSettings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """NumPy's BLAS on one thread, as in the server: OpenBLAS' spinning threads make a busy machine slower."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def keras():
    import keras

    return keras


def keras_network(keras, dtype: str, seed: int = 0):
    """The lesson's network in Keras: Dense(512, relu) -> Dense(10, softmax), Keras' own initialisation."""
    keras.utils.set_random_seed(seed)
    return keras.Sequential([
        keras.Input((784,), dtype=dtype),
        keras.layers.Dense(512, activation="relu", dtype=dtype),
        keras.layers.Dense(10, activation="softmax", dtype=dtype),
    ])


def parameters_of(model) -> Parameters:
    return Parameters(*(np.array(weight) for weight in model.get_weights()))


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.linalg.norm(ours.astype("float64") - theirs) / np.linalg.norm(theirs))


@pytest.mark.parametrize(("dtype", "tolerance"), [("float64", 1e-5), ("float32", 1e-4)])
def test_gradients_equal_gradient_tape(keras, mnist, dtype, tolerance):
    import tensorflow as tf

    (x_train, y_train), _ = mnist
    model = keras_network(keras, dtype)
    rng = np.random.default_rng(0)  # biases away from 0, so their gradients are tested too
    model.set_weights([w + (0.01 * rng.standard_normal(w.shape)).astype(dtype) for w in model.get_weights()])
    x, labels = as_inputs(x_train[:128], dtype), y_train[:128].astype(int)
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(labels, model(x))
    theirs = [np.array(g) for g in tape.gradient(loss, model.trainable_weights)]
    params = parameters_of(model)
    result = forward(params, x, labels)
    assert result.loss == pytest.approx(float(loss), rel=tolerance)
    ours = backward(params, result).gradients
    for mine, keras_gradient in zip(ours.arrays(), theirs, strict=True):
        assert mine.dtype == np.dtype(dtype)
        assert relative_error(mine, keras_gradient) <= tolerance


def test_rmsprop_steps_equal_keras(keras):
    settings = LearningSettings()  # RMSprop, lr 1e-3, rho 0.9, epsilon 1e-7: Keras' defaults
    rng = np.random.default_rng(1)
    start = Parameters(*(rng.standard_normal(shape).astype("float32") for shape in ((784, 512), (512,),
                                                                                    (512, 10), (10,))))
    steps = [start.map(lambda a: (0.01 * rng.standard_normal(a.shape)).astype("float32")) for _ in range(3)]
    variables = [keras.Variable(array) for array in start.arrays()]
    optimizer = keras.optimizers.RMSprop(learning_rate=1e-3)
    params, state = start, new_state(settings, start)
    for gradients in steps:
        optimizer.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in gradients.arrays()], variables,
                                      strict=True))
        params, state = apply_update(settings, params, gradients, state)
        for ours, theirs in zip(params.arrays(), variables, strict=True):
            np.testing.assert_allclose(ours, np.array(theirs), rtol=0, atol=1e-6)


def test_one_numpy_epoch_matches_keras_first_epoch(keras, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    settings = LearningSettings()
    model = keras_network(keras, "float32", seed=0)
    params = parameters_of(model)
    plan = BatchPlan(settings)
    order = np.concatenate([plan.indices(step) for step in range(settings.steps_per_epoch)])
    assert settings.steps_per_epoch == 469 and np.array_equal(np.sort(order), np.arange(60_000))
    state = new_state(settings, params)
    for step in range(settings.steps_per_epoch):
        indices = plan.indices(step)
        result = forward(params, as_inputs(x_train[indices]), y_train[indices].astype(int))
        params, state = apply_update(settings, params, backward(params, result).gradients, state)
    ours = accuracy(params, as_inputs(x_test), y_test.astype(int))

    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(as_inputs(x_train[order]), y_train[order], batch_size=128, epochs=1, shuffle=False, verbose=0)
    keras_accuracy = float(np.mean(np.argmax(model.predict(as_inputs(x_test), verbose=0), axis=1) == y_test))
    assert ours > 0.9 and keras_accuracy > 0.9
    print(f"test accuracy after one epoch: NumPy {ours:.4f}, Keras {keras_accuracy:.4f}")
    assert abs(ours - keras_accuracy) <= 0.01, (ours, keras_accuracy)
