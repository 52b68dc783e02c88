"""Which training images each step trains on: every epoch a fresh shuffle of the training images,
cut into batches in order (as Keras' ``fit(shuffle=True)`` does), all decided by the seed."""

from __future__ import annotations

import numpy as np

from mnist_core.learning.settings import LearningSettings


def epoch_order(seed: int, epoch: int, train_images: int) -> np.ndarray:
    """The shuffled training indices int32 (train_images,) of epoch ``epoch`` (0-based)."""
    return np.random.default_rng([seed, epoch]).permutation(train_images).astype("int32")


class BatchPlan:
    """The batch of every step of a run, one epoch's shuffle kept at a time (240 KB for 60,000)."""

    def __init__(self, settings: LearningSettings):
        self.settings = settings
        self._epoch, self._order = -1, np.empty(0, "int32")

    def indices(self, step: int) -> np.ndarray:
        """Training-image indices int32 (<= batch_size,) of step ``step`` (0-based); an epoch's last
        batch holds what is left (96 images for 60,000 in batches of 128)."""
        settings = self.settings
        epoch, position = divmod(step, settings.steps_per_epoch)
        if epoch != self._epoch:
            self._epoch, self._order = epoch, epoch_order(settings.seed, epoch, settings.train_images)
        start = position * settings.batch_size
        return self._order[start:start + settings.batch_size]
