"""What a training run records and reports, as plain values (no Keras): its outcome,
its progress snapshots and its curves. The training worker fills them; pages read them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

COMPLETED, STOPPED, DIVERGED = "completed", "stopped", "diverged"
# A cross-entropy this high means the weights blew up: chance level is ln(10) = 2.3, and with a
# too-large learning rate Keras reports losses in the millions long before any NaN appears.
DIVERGED_LOSS = 1e3


def steps_per_epoch(images: int, validation_split: float, batch_size: int) -> int:
    """Batches per epoch when ``fit`` holds out the last ``validation_split`` of ``images``."""
    return math.ceil((images - int(images * validation_split)) / batch_size)


@dataclass(frozen=True)
class BatchProgress:
    """What ``on_batch`` receives, a few times a second at most."""

    epoch: int  # 1-based epoch number
    epochs: int  # epochs planned
    batch: int  # 1-based batch number within the epoch
    batches: int  # batches per epoch
    step: int  # batches done since the start of the run
    loss: float  # running mean training loss of this epoch
    accuracy: float  # running mean training accuracy of this epoch
    samples_per_second: float  # training throughput so far
    eta_seconds: float  # estimated time left for the whole run

    @property
    def fraction(self) -> float:
        """Share of the run done, 0-1."""
        return self.step / max(1, self.epochs * self.batches)


@dataclass
class TrainingHistory:
    """Curves of one run, as plain lists (JSON-able).

    ``batch_*``: one entry per training batch (``batch_step`` counts from 1 over the run,
    loss and accuracy are Keras' running means within the epoch). ``epoch_*``: one entry
    per finished epoch, with validation figures; when a run is stopped mid-epoch the last
    entry is that partial epoch (its ``epoch_end_step`` is the step where it stopped).
    """

    batch_step: list[int] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    batch_accuracy: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    epoch_end_step: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, values: dict) -> TrainingHistory:
        return cls(**{key: list(values.get(key, [])) for key in cls().__dict__})
