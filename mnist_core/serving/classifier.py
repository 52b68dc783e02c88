"""The one inference path: what every served network does, and reading any of them from a file.

Both ``DenseNetwork`` (mnist_core/serving/network.py) and ``ConvNetwork``
(mnist_core/serving/convnet.py) satisfy ``Classifier``: pages, evaluation, robustness curves
and attacks call these two methods and never ask which kind of network they hold.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from mnist_core.serving.convnet import ConvNetwork, convnet_from_keras
from mnist_core.serving.network import DenseNetwork, read_keras_archive


class Classifier(Protocol):
    """A network from 28x28 images in [0, 1] to 10 class probabilities, served in NumPy."""

    kernels: tuple[np.ndarray, ...]  # every trained kernel, for fingerprints
    biases: tuple[np.ndarray, ...]

    @property
    def parameter_count(self) -> int: ...

    def probabilities(self, images) -> np.ndarray:
        """float32 (N, 10) for images (N, 28, 28) or (N, 784) float in [0, 1]."""

    def loss_gradient(self, images, labels) -> np.ndarray:
        """float32 (N, 784): d cross-entropy(labels) / d pixels, for images as above."""


def is_convnet(config: dict) -> bool:
    """Whether a parsed config.json holds a convolution."""
    return any(layer.get("class_name") == "Conv2D" for layer in config.get("config", {}).get("layers", []))


def read_classifier(data: bytes, name: str = "The model file") -> DenseNetwork | ConvNetwork:
    """The network in a ``.keras`` file's bytes, dense or convolutional (``ModelFileError`` if
    neither)."""
    config, weights = read_keras_archive(data, name)
    if is_convnet(config):
        return convnet_from_keras(config, weights, name)
    return DenseNetwork.from_keras_bytes(data, name)
