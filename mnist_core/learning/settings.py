"""The settings of one "How it learns" run, as a frozen dataclass."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from mnist_core.config import TRAIN_IMAGES

OPTIMISERS = ("sgd", "momentum", "rmsprop")  # SGD, SGD with momentum, RMSprop (the lesson's)
DTYPES = ("float32", "float64")
MAX_SEED = 2**31 - 1
MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-6, 100.0  # wide on purpose: lr 10 shows divergence


@dataclass(frozen=True)
class LearningSettings:
    """Everything that decides a run of the page: the lesson's network 784 -> 512 ReLU -> 10 softmax,
    trained one batch at a time. Optimiser constants are Keras' defaults (RMSprop rho 0.9, epsilon
    1e-7; momentum 0.9 as the Train page's SGD)."""

    seed: int = 0  # initial weights and the order of the batches
    optimiser: str = "rmsprop"  # one of OPTIMISERS
    learning_rate: float = 1e-3  # Keras' RMSprop default and the lesson's
    batch_size: int = 128  # images per step, the lesson's
    hidden_units: int = 512  # width of the hidden layer, the lesson's
    momentum: float = 0.9  # SGD with momentum: m <- momentum * m - lr * g
    rho: float = 0.9  # RMSprop: v <- rho * v + (1 - rho) * g**2
    epsilon: float = 1e-7  # RMSprop: w <- w - lr * g / sqrt(v + epsilon)
    dtype: str = "float32"  # Keras' default float type
    train_images: int = TRAIN_IMAGES  # the first N training images are trained on
    validation_images: int = 1_000  # the first N test images score accuracy after every step
    landscape_images: int = 256  # the fixed batch the loss landscape is drawn on
    landscape_points: int = 21  # grid points per axis of the landscape

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.seed, int) and 0 <= self.seed <= MAX_SEED):
            problems.append(f"seed must be a whole number from 0 to {MAX_SEED}")
        if self.optimiser not in OPTIMISERS:
            problems.append(f"optimiser must be one of {', '.join(OPTIMISERS)}")
        if not (math.isfinite(self.learning_rate) and MIN_LEARNING_RATE <= self.learning_rate
                <= MAX_LEARNING_RATE):
            problems.append(f"learning rate must be from {MIN_LEARNING_RATE:g} to {MAX_LEARNING_RATE:g}")
        if not 1 <= self.batch_size <= self.train_images:
            problems.append("batch size must be from 1 to the number of training images")
        if self.hidden_units < 1:
            problems.append("the hidden layer needs at least one unit")
        if not (0 <= self.momentum < 1 and 0 <= self.rho < 1 and self.epsilon > 0):
            problems.append("momentum and rho must be in [0, 1), epsilon above 0")
        if self.dtype not in DTYPES:
            problems.append(f"dtype must be one of {', '.join(DTYPES)}")
        if self.landscape_points < 3 or self.landscape_points % 2 == 0:
            problems.append("the landscape needs an odd number (3 or more) of points per axis")
        if problems:
            raise ValueError("Invalid learning settings: " + "; ".join(problems) + ".")

    def replace(self, **changes) -> LearningSettings:
        """A copy with some fields changed (validated like a new one)."""
        return dataclasses.replace(self, **changes)

    @property
    def steps_per_epoch(self) -> int:
        """Steps in one pass over the training images (469 for 60,000 images in batches of 128)."""
        return math.ceil(self.train_images / self.batch_size)
