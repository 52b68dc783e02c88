"""Reading a drawing or a photo: the MNIST steps, the network's answer and how far off-digit it is.

- ``read_canvas`` / ``read_upload``: a canvas (RGBA array) or an uploaded file (bytes)
  through the MNIST-faithful steps and the network, as a ``Reading``.
- ``Reading``: the steps, the 10 probabilities and, when a ``DigitFamiliarity`` is given,
  whether the input looks like the digits the network was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.reading.familiarity import DigitFamiliarity
from mnist_core.reading.photo import image_to_mnist_steps
from mnist_core.reading.preprocess import PreprocessSteps, canvas_to_mnist_steps, load_image_bytes
from mnist_core.serving.network import DenseNetwork


@dataclass(frozen=True)
class Reading:
    """One classified image.

    ``steps``: its preprocessing; ``probabilities``: float32 (10,); ``unfamiliarity``: the
    input's distance from the training digits in units of the calibrated threshold (above
    1.0 it does not look like a digit the network was trained on), or None when unknown.
    """

    steps: PreprocessSteps
    probabilities: np.ndarray
    unfamiliarity: float | None = None

    @property
    def digit(self) -> int:
        """The most likely digit."""
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        """The probability of the most likely digit, in [0, 1]."""
        return float(self.probabilities[self.digit])

    @property
    def runner_up(self) -> int:
        """The second most likely digit."""
        return int(np.argsort(self.probabilities)[-2])

    @property
    def looks_like_a_digit(self) -> bool:
        """False when the familiarity check says the input is unlike the training digits."""
        return self.unfamiliarity is None or self.unfamiliarity <= 1.0


def read_steps(
    steps: PreprocessSteps, network: DenseNetwork, familiarity: DigitFamiliarity | None = None
) -> Reading:
    """Classify preprocessed steps: one forward pass gives both probabilities and the hidden layer."""
    outputs = network.layer_outputs(steps.centred)
    unfamiliarity = None if familiarity is None else float(familiarity.score_outputs(outputs)[0])
    return Reading(steps, outputs[-1][0], unfamiliarity)


def read_canvas(
    rgba: np.ndarray, network: DenseNetwork, familiarity: DigitFamiliarity | None = None
) -> Reading:
    """Classify a (H, W, 4) uint8 RGBA canvas. Raises ``BlankImageError`` when nothing is drawn."""
    return read_steps(canvas_to_mnist_steps(rgba), network, familiarity)


def read_upload(
    data: bytes, network: DenseNetwork, familiarity: DigitFamiliarity | None = None
) -> Reading:
    """Classify an uploaded photo or scan of one digit, given as the file's bytes.

    Raises ``ImageFileError`` (empty, not an image, truncated, too large) or
    ``PhotoError`` / ``BlankImageError`` (no digit found, and why in photo terms), all
    ``ValueError`` with a message to show.
    """
    return read_steps(image_to_mnist_steps(load_image_bytes(data)), network, familiarity)
