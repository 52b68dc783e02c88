"""What a training run records and reports, as plain values (no Keras): its outcome,
its progress snapshots and its curves. The training worker fills them; pages read them."""

from __future__ import annotations

import base64
import enum
import math
import zlib
from dataclasses import dataclass, field

import numpy as np


class JobStatus(enum.StrEnum):
    """Where a training job, and the run it trains, is: the one status type of both."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


class EndReason(enum.StrEnum):
    """Why a finished job ended as it did (its ``JobStatus`` says how); ``mnist_core.text.runs``
    words each one."""

    TRAINED = "trained"  # COMPLETED: every planned epoch trained
    STOPPED = "stopped"  # STOPPED by its user while it trained
    NOT_STARTED = "not_started"  # STOPPED while it waited in line: nothing trained
    ABANDONED = "abandoned"  # STOPPED: its page stopped polling for ``Ending.minutes``
    CLOSED = "closed"  # STOPPED: its page was closed (its connection ended, no reload took it back)
    DIVERGED = "diverged"  # DIVERGED: the loss blew up
    TRAINER_ERROR = "trainer_error"  # FAILED: training raised (``Ending.detail``: the error)
    WORKER_BROKEN = "worker_broken"  # FAILED: the worker could not start (``Ending.detail``)
    WORKER_DIED = "worker_died"  # FAILED: the worker process ended (``Ending.exit_code``)
    UNREADABLE_MODEL = "unreadable_model"  # FAILED: the finished model could not be read (``detail``)
    LOST = "lost"  # FAILED: the server restarted while it trained


@dataclass(frozen=True)
class Ending:
    """How and why a job or run ended, as values (no words)."""

    reason: EndReason
    finetune: bool = False  # a fine-tune of a trained model rather than a fresh training run
    detail: str = ""  # an error's own text (TRAINER_ERROR, WORKER_BROKEN, UNREADABLE_MODEL)
    exit_code: int | None = None  # WORKER_DIED: the process's exit code (negative: killed by a signal)
    minutes: float | None = None  # ABANDONED: how long its page had not polled

    @property
    def status(self) -> JobStatus:
        return _STATUS_OF[self.reason]


_STATUS_OF = {
    EndReason.TRAINED: JobStatus.COMPLETED,
    EndReason.STOPPED: JobStatus.STOPPED, EndReason.NOT_STARTED: JobStatus.STOPPED,
    EndReason.ABANDONED: JobStatus.STOPPED, EndReason.CLOSED: JobStatus.STOPPED,
    EndReason.DIVERGED: JobStatus.DIVERGED,
    **dict.fromkeys((EndReason.TRAINER_ERROR, EndReason.WORKER_BROKEN, EndReason.WORKER_DIED,
                     EndReason.UNREADABLE_MODEL, EndReason.LOST), JobStatus.FAILED),
}


def ending_of(status: JobStatus, finetune: bool = False) -> Ending:
    """The ending of a trainer that finished with ``status`` (COMPLETED, STOPPED or DIVERGED)."""
    reason = {JobStatus.COMPLETED: EndReason.TRAINED, JobStatus.STOPPED: EndReason.STOPPED,
              JobStatus.DIVERGED: EndReason.DIVERGED}[status]
    return Ending(reason, finetune=finetune)


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


TEMPLATE_UNITS = 16  # first-layer units whose weight pictures are recorded at each epoch end


def template_units(width: int, count: int = TEMPLATE_UNITS) -> list[int]:
    """The fixed units recorded for a first layer of ``width`` units: ``count`` evenly spaced."""
    return sorted({int(round(unit)) for unit in np.linspace(0, width - 1, min(count, width))})


@dataclass(eq=False)
class WeightTemplates:
    """First-layer weight pictures of a fixed set of units, one frame at the start and one per epoch.

    ``units``: the recorded unit indices; ``epochs``: one entry per frame (0 = the initial,
    random weights); ``scales``: float per frame; ``codes``: int8 (len(units), 784) per frame,
    the weights quantised as ``weight ~= code * scale`` (12.5 KB a frame for 16 units).
    In JSON (``to_dict``) the codes are zlib-compressed and base64-encoded.
    """

    units: list[int] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    scales: list[float] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)

    def add(self, epoch: int, kernel: np.ndarray) -> bool:
        """Record the first layer's kernel, float (784, width), after ``epoch``; False (and nothing
        recorded) when the weights are not finite, as after a divergence."""
        kernel = np.asarray(kernel, dtype="float32")
        if not self.units:
            self.units = template_units(kernel.shape[1])
        weights = kernel[:, self.units].T  # (units, 784)
        if not np.isfinite(weights).all():
            return False
        scale = float(np.abs(weights).max()) / 127 or 1.0
        self.epochs.append(int(epoch))
        self.scales.append(scale)
        self.codes.append(np.round(weights / scale).astype("int8"))
        return True

    def frames(self) -> np.ndarray:
        """The recorded weights, float32 (frames, units, 28, 28)."""
        if not self.codes:
            return np.zeros((0, len(self.units), 28, 28), "float32")
        stacked = np.stack(self.codes).astype("float32") * np.float32(self.scales)[:, None, None]
        return stacked.reshape(len(self.codes), len(self.units), 28, 28)

    def to_dict(self) -> dict:
        packed = [base64.b64encode(zlib.compress(code.tobytes(), 9)).decode("ascii") for code in self.codes]
        return {"units": list(self.units), "epochs": list(self.epochs), "scales": list(self.scales),
                "codes": packed}

    @classmethod
    def from_dict(cls, values: dict) -> WeightTemplates:
        """Inverse of ``to_dict``; an empty or malformed entry gives an empty record."""
        try:
            units = [int(unit) for unit in values.get("units", [])]
            codes = [np.frombuffer(zlib.decompress(base64.b64decode(text)), "int8").reshape(len(units), 784)
                     for text in values.get("codes", [])]
            epochs = [int(epoch) for epoch in values.get("epochs", [])]
            scales = [float(scale) for scale in values.get("scales", [])]
        except (ValueError, TypeError, zlib.error, AttributeError):
            return cls()
        if not (len(codes) == len(epochs) == len(scales)):
            return cls()
        return cls(units, epochs, scales, codes)

    def __eq__(self, other) -> bool:
        return isinstance(other, WeightTemplates) and self.to_dict() == other.to_dict()


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
    templates: WeightTemplates = field(default_factory=WeightTemplates)  # first-layer pictures per epoch

    def to_dict(self) -> dict:
        return {**self.__dict__, "templates": self.templates.to_dict()}

    def thinned(self, batch_points: int) -> TrainingHistory:
        """A copy with at most about ``batch_points`` evenly spaced per-batch entries (always
        the last batch of each epoch); the epoch figures and templates are all kept. For a
        shipped sidecar: 20 epochs of per-batch curves are ~400 KB of JSON."""
        count = len(self.batch_step)
        if count == 0:
            return TrainingHistory.from_dict(self.to_dict())
        keep = set(np.linspace(0, count - 1, min(count, batch_points)).round().astype(int).tolist())
        ends = set(self.epoch_end_step)
        keep |= {position for position, step in enumerate(self.batch_step) if step in ends}
        order = sorted(keep)
        return TrainingHistory(
            batch_step=[self.batch_step[i] for i in order],
            batch_loss=[self.batch_loss[i] for i in order],
            batch_accuracy=[self.batch_accuracy[i] for i in order],
            epoch=list(self.epoch), loss=list(self.loss), accuracy=list(self.accuracy),
            val_loss=list(self.val_loss), val_accuracy=list(self.val_accuracy),
            epoch_end_step=list(self.epoch_end_step), templates=self.templates,
        )

    @classmethod
    def from_dict(cls, values: dict) -> TrainingHistory:
        curves = {key: list(values.get(key, [])) for key in cls().__dict__ if key != "templates"}
        return cls(**curves, templates=WeightTemplates.from_dict(values.get("templates") or {}))
