"""Does an input look like the digits the network was trained on? A signal from the network itself.

A classifier with a softmax must pick one of 0-9 for anything, a star or a ``#`` included, and
its confidence says little about that. Two measurements inside the network do better:

- the **energy** of the logits, ``-logsumexp(logits)`` (Liu et al. 2020): low when some
  class's score is high in absolute terms, as for the digits the network learned;
- the **distance to the nearest training digits of the class it reads** in the last hidden layer:
  one minus the cosine similarity to the ``NEIGHBOURS``-th most similar of the bank digits
  (MNIST training digits drawn on a canvas) that the network reads as the same class (Sun et
  al. 2022, "deep nearest neighbours", made class-conditional). A star read as a 6 must look
  like a 6 inside the network, not merely like some digit.

Both are calibrated on other training digits drawn on a canvas (never the test set): each gets a
threshold, both at the same rank there, so that an input is unfamiliar when either is exceeded
and ``FLAGGED_SHARE`` of the ``CALIBRATION_DIGITS`` are: the 2 % of digits the target allows, less
a margin. ``DigitFamiliarity.score`` is the larger of the two as a share of its threshold (above
1.0: unfamiliar). Comparing with one class's bank digits, not the whole bank, is also faster.

The figures against the targets (>= 80 % of a generated non-digit set flagged, <= 2 % of the
10,000 redrawn test digits) and every variant tried and dropped: benchmarks/bench_reading.py and
benchmarks/README.md, "Reading drawings and photos".

The drawn digits are the same for every network and cost seconds to draw, so they ship in
``models/familiarity-digits.npz`` (``python -m mnist_core.data.familiarity_digits`` rewrites it; a test
checks it against the generator).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy

from mnist_core.config import MODELS_DIR
from mnist_core.reading.preprocess import import_image_modules
from mnist_core.serving.network import DenseNetwork

FLAGGED_SHARE = 0.019  # of the calibration digits flagged: the 2 % allowed, less 0.1 point of margin
NEIGHBOURS = 5  # the distance is to the 5th most similar bank digit
BANK_DIGITS = 6_000  # training digits, drawn on a canvas, that inputs are compared with
CALIBRATION_DIGITS = 15_000  # other training digits, drawn, that set the thresholds
CHUNK = 3_000  # calibration digits through the network at a time (bounds the memory it takes)
SEED = 0  # which training digits, and how each is drawn
DIGITS_PATH = MODELS_DIR / "familiarity-digits.npz"
# Threads start on the first submit, not at import; one calibration at a time is plenty.
_CALIBRATIONS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="familiarity")


@dataclass(frozen=True, eq=False)
class DigitFamiliarity:
    """The calibrated signal for one network. Arrays are read-only (shared between sessions).

    ``bank`` float32 (units, BANK_DIGITS): the bank digits' last hidden layer, unit length,
    one column per digit (12 MB for 512 units), sorted by the class the network reads;
    ``class_starts`` int64 (11,): bank columns ``class_starts[c]:class_starts[c + 1]`` are read as c;
    ``centres`` and ``thresholds`` float64 (2,): the median of (energy, distance) on the
    calibration digits, and the thresholds that flag ``FLAGGED_SHARE`` of them.
    """

    network: DenseNetwork
    bank: np.ndarray
    class_starts: np.ndarray
    centres: np.ndarray
    thresholds: np.ndarray

    def __post_init__(self) -> None:
        for array in (self.bank, self.class_starts, self.centres, self.thresholds):
            array.flags.writeable = False

    def score(self, images) -> np.ndarray:
        """float64 (N,) for float images in [0, 1] (N, 28, 28) or (N, 784): above 1.0 unfamiliar."""
        return self.score_outputs(self.network.layer_outputs(images))

    def score_outputs(self, outputs: list[np.ndarray]) -> np.ndarray:
        """``score`` from ``DenseNetwork.layer_outputs`` already computed (one forward pass)."""
        raw = _raw_scores(self.network, outputs, self.bank, self.class_starts)
        return ((raw - self.centres) / (self.thresholds - self.centres)).max(axis=1)


def calibrate(network: DenseNetwork, bank_digits=None, calibration_digits=None) -> DigitFamiliarity:
    """Fit the signal for ``network`` on drawn training digits, uint8 or float (N, 28, 28).

    By default they are read from ``DIGITS_PATH``; raises ``FileNotFoundError`` without it.
    """
    if bank_digits is None or calibration_digits is None:
        bank_digits, calibration_digits = load_digits()
    outputs = network.layer_outputs(_as_float(bank_digits))
    classes = outputs[-1].argmax(axis=1)
    order = np.argsort(classes, kind="stable")
    bank = np.ascontiguousarray(_unit(outputs[-2][order]).T)
    class_starts = np.searchsorted(classes[order], np.arange(11)).astype(np.int64)
    raw = np.concatenate([
        _raw_scores(network, network.layer_outputs(_as_float(calibration_digits[start : start + CHUNK])),
                    bank, class_starts)
        for start in range(0, len(calibration_digits), CHUNK)
    ])
    centres = np.median(raw, axis=0)
    thresholds = np.maximum(_thresholds(raw), centres + 1e-6)  # a network that answers the same to all
    return DigitFamiliarity(network, bank, class_starts, centres, thresholds)


def calibrate_in_background(network: DenseNetwork) -> Future:
    """``calibrate(network)`` started on a background thread (NumPy, no Streamlit): a
    ``Future`` of the ``DigitFamiliarity``, so a page can show itself while the calibration
    runs and wait only when it classifies a drawing. The thread then imports the SciPy modules
    that reading a drawing needs (``import_image_modules``). ``result()`` raises what
    ``calibrate`` raised."""
    return _CALIBRATIONS.submit(_calibrate_then_import, network)


def _calibrate_then_import(network: DenseNetwork) -> DigitFamiliarity:
    """``calibrate(network)``, then the SciPy modules that reading the page's first drawing
    needs next, so that neither waits on the page's first run (``import_image_modules``)."""
    familiarity = calibrate(network)
    import_image_modules()
    return familiarity


def _thresholds(raw: np.ndarray, share: float = FLAGGED_SHARE) -> np.ndarray:
    """float64 (scores,): one threshold per column of ``raw`` (calibration digits, scores), all at
    the same rank, the highest rank at which "any score above its threshold" flags at least
    ``share`` of the rows (ties aside, exactly ``round(share * rows)`` of them)."""
    ordered = np.sort(raw, axis=0)
    worst_rank = np.argsort(np.argsort(raw, axis=0, kind="stable"), axis=0, kind="stable").max(axis=1)
    flagged = round(share * len(raw))
    if flagged < 1:
        return ordered[-1]
    rank = max(1, np.sort(worst_rank)[-flagged])  # the flagged-th highest worst rank is the last one flagged
    return (ordered[rank - 1] + ordered[rank]) / 2  # between the last kept and the first flagged value


def load_digits(path: Path = DIGITS_PATH) -> tuple[np.ndarray, np.ndarray]:
    """(bank, calibration) uint8 (N, 28, 28) from the shipped file."""
    with np.load(path) as stored:
        return stored["bank"], stored["calibration"]


def _as_float(images) -> np.ndarray:
    images = np.asarray(images)
    return images.astype("float32") / 255.0 if images.dtype == np.uint8 else images.astype("float32")


def _unit(features: np.ndarray) -> np.ndarray:
    return features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-9)


def _raw_scores(network: DenseNetwork, outputs: list[np.ndarray], bank: np.ndarray,
                class_starts: np.ndarray) -> np.ndarray:
    """float64 (N, 2): the logits' energy and the cosine distance in the last hidden layer to the
    NEIGHBOURS-th nearest bank digit read as the same class (the whole bank for a class with
    fewer than NEIGHBOURS bank digits)."""
    hidden = outputs[-2]
    logits = (hidden @ network.kernels[-1] + network.biases[-1]).astype("float64")
    energy = -scipy.special.logsumexp(logits, axis=1)
    features, classes = _unit(hidden), logits.argmax(axis=1)
    nearest = np.empty(len(hidden), dtype="float64")
    for digit in np.unique(classes):
        rows = classes == digit
        start, stop = class_starts[digit], class_starts[digit + 1]
        if stop - start < NEIGHBOURS:
            start, stop = 0, bank.shape[1]
        similarity = features[rows] @ bank[:, start:stop]
        nearest[rows] = np.partition(similarity, -NEIGHBOURS, axis=1)[:, -NEIGHBOURS]
    return np.stack([energy, 1.0 - nearest], axis=1)

