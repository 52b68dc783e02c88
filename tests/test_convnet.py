"""The convnet served in NumPy: its input gradient (fast, against finite differences) and its
parity with Keras on all 10,000 test images (slow: imports Keras)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core.config import MODELS_DIR, preset
from mnist_core.errors import ModelFileError
from mnist_core.serving.classifier import read_classifier
from mnist_core.serving.convnet import Conv, ConvNetwork, Dense, Pool
from mnist_core.serving.model_files import load_network


def tiny_convnet(seed: int = 0) -> ConvNetwork:
    generator = np.random.default_rng(seed)
    return ConvNetwork((
        Conv(generator.normal(0, 0.3, (3, 3, 1, 4)).astype("float32"), np.full(4, 0.05, "float32"), "relu"),
        Pool(2),
        Conv(generator.normal(0, 0.3, (3, 3, 4, 6)).astype("float32"), np.full(6, 0.05, "float32"), "relu"),
        Pool(2),
        Dense(generator.normal(0, 0.1, (150, 10)).astype("float32"), np.zeros(10, "float32"), "softmax"),
    ))


def test_the_convnet_gradient_matches_finite_differences():
    network = tiny_convnet()
    images = np.random.default_rng(1).random((2, 784)).astype("float32")
    labels = np.array([3, 8])
    gradient = network.loss_gradient(images, labels)

    def loss(x):
        probabilities = network.probabilities(x.astype("float32")).astype("float64")
        return -np.log(probabilities[np.arange(2), labels])

    for pixel in (100, 406, 500):
        nudged = images.astype("float64").copy()
        nudged[:, pixel] += 1e-3
        numeric = (loss(nudged) - loss(images)) / 1e-3
        np.testing.assert_allclose(gradient[:, pixel], numeric, rtol=0.05, atol=2e-4)


def test_a_convnet_whose_shapes_do_not_chain_is_refused():
    network = tiny_convnet()
    with pytest.raises(ModelFileError, match="does not fit"):
        ConvNetwork((network.steps[0], network.steps[0], *network.steps[1:]))  # 4 channels into 1
    with pytest.raises(ModelFileError, match="softmax"):
        ConvNetwork(network.steps[:-1])  # no softmax at the end


def test_the_shipped_convnet_is_small_accurate_and_read_without_keras():
    network, sidecar = load_network(MODELS_DIR / "convnet.keras")
    assert isinstance(network, ConvNetwork) and network.filters == (32, 64)
    assert network.parameter_count == 34_826  # at most 100,000
    assert preset("convnet").parameter_count == network.parameter_count  # what the config describes
    assert sidecar["test"]["accuracy"] >= 0.992  # issue 26: as Keras measured it; served: the slow test
    bytes_read = read_classifier((MODELS_DIR / "convnet.keras").read_bytes())
    assert bytes_read.parameter_count == network.parameter_count


@pytest.mark.slow
def test_the_numpy_convnet_agrees_with_keras_on_all_test_images(mnist):
    import keras

    (_, _), (x_test, y_test) = mnist
    images = x_test.reshape(len(x_test), 784).astype("float32") / 255
    model = keras.saving.load_model(MODELS_DIR / "convnet.keras", compile=False)
    expected = model.predict(images, batch_size=1000, verbose=0)
    served = load_network(MODELS_DIR / "convnet.keras")[0].probabilities(images)
    assert np.abs(served - expected).max() <= 1e-5
    assert (served.argmax(axis=1) == y_test).mean() >= 0.992  # issue 26's bar, as the server scores it
