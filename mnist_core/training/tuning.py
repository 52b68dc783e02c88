"""Fine-tuning a model on one's own digits, as plain values: the held-out split, the settings, the
job the training queue carries to its worker, and the before/after report. No Keras here: the
training is ``mnist_core.training.worker.finetune``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.config import ModelConfig
from mnist_core.serving.network import DenseNetwork

HELD_OUT_SHARE = 0.2  # of each digit's drawings, kept apart to measure before and after
MIN_TUNE_DIGITS = 10  # fewer digits to tune on than this is refused (nothing to learn from)


@dataclass(frozen=True)
class FinetuneSettings:
    """How a fine-tune trains. Each epoch: every tuning digit ``repeats`` times (randomly shifted,
    rotated and zoomed, as the shipped model's training was) mixed with ``mnist_images`` MNIST
    training images drawn afresh, so the network keeps what it knew."""

    # Chosen with benchmarks/bench_finetune.py (50 digits of the font style, 500 held out): at
    # 4 epochs, 40 repeats, 4,000 MNIST images and 1e-4 MNIST lost 0.34 points; these lose 0.15
    # and still gain 14 points on the held-out digits.
    epochs: int = 2
    repeats: int = 20
    mnist_images: int = 8_000
    batch_size: int = 64
    learning_rate: float = 3e-5  # Adam's; a thirtieth of training from scratch: a nudge, not a restart
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("epochs", "repeats", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}.")
        if self.mnist_images < 0 or not self.learning_rate > 0:
            raise ValueError("mnist_images must be >= 0 and learning_rate positive.")

    def images_per_epoch(self, tune_count: int) -> int:
        return tune_count * self.repeats + self.mnist_images


@dataclass(frozen=True, eq=False)
class FinetuneJob:
    """One fine-tune as the queue carries it: the starting model's ``.keras`` bytes and name, the
    digits to tune on (uint8 (N, 28, 28), uint8 (N,)) and the held-out ones (M, same)."""

    base_name: str
    base_keras: bytes
    tune_images: np.ndarray
    tune_labels: np.ndarray
    held_images: np.ndarray
    held_labels: np.ndarray
    settings: FinetuneSettings = FinetuneSettings()

    def __post_init__(self) -> None:
        if len(self.tune_labels) < MIN_TUNE_DIGITS:
            raise ValueError(f"Fine-tuning needs at least {MIN_TUNE_DIGITS} digits to tune on, "
                             f"got {len(self.tune_labels)}.")

    def config(self, network: DenseNetwork) -> ModelConfig:
        """The run's settings as the Train page's table shows them: the starting network's layers,
        Adam at the tuning rate, ``epochs`` passes over the mixed images, augmented."""
        settings = self.settings
        hidden = network.activations[:-1]
        return ModelConfig(hidden_units=network.hidden_units, activation=hidden[0] if hidden else "relu",
                           optimizer="adam", learning_rate=settings.learning_rate, epochs=settings.epochs,
                           batch_size=settings.batch_size, validation_split=0.0, augment=True,
                           seed=settings.seed)


@dataclass(frozen=True)
class FinetuneReport:
    """What a fine-tune measured: accuracy on the held-out digits (None without any) and on
    MNIST's 10,000 test images, before and after, and the images it was tuned on."""

    base_name: str
    tune_count: int
    held_count: int
    mnist_images: int  # MNIST training images mixed in per epoch
    held_before: float | None
    held_after: float | None
    mnist_before: float
    mnist_after: float
    seconds: float

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def split_held_out(labels: np.ndarray, share: float = HELD_OUT_SHARE, seed: int = 0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """int64 indices (tune, held_out) of a set's labels uint8 (N,): of each digit's drawings, the
    rounded ``share`` (at least one when it has two or more) is held out, chosen by ``seed``."""
    labels = np.asarray(labels)
    generator = np.random.default_rng(seed)
    held = []
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        count = 0 if len(where) < 2 else max(1, int(round(len(where) * share)))
        held.extend(generator.permutation(where)[:count].tolist())
    held_mask = np.zeros(len(labels), bool)
    held_mask[held] = True
    return np.flatnonzero(~held_mask), np.flatnonzero(held_mask)
