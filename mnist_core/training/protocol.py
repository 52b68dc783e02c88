"""The messages between the server's ``JobQueue`` and the training worker process, both ways,
defined once: the queue (``training/queue.py``) and the worker (``training/worker/process.py``)
build and read these classes, nothing else. All are plain picklable values sent over a
``multiprocessing`` pipe; none holds words (``mnist_core.text.runs`` words outcomes).

Server -> worker: ``Start`` a job, ``Stop`` it after its current batch, ``Exit``.
Worker -> server: ``Ready`` (TensorFlow imported) or ``Broken`` (it cannot train at all), then per
job ``Started``, a few ``Progress`` a second, and ``Finished`` or ``Failed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mnist_core.config import ModelConfig
from mnist_core.training.record import BatchProgress, JobStatus, WeightTemplates

# --- server -> worker ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Train ``config`` (or fine-tune ``task``, a ``FinetuneJob`` that ``config`` describes)."""

    job_id: str
    config: ModelConfig
    task: object | None = None


@dataclass(frozen=True)
class Stop:
    """End the job after its current batch, keeping the model trained so far."""

    job_id: str


@dataclass(frozen=True)
class Exit:
    """End the worker process."""


# --- worker -> server ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    """The worker imported its trainer and takes jobs."""

    pid: int


@dataclass(frozen=True)
class Broken:
    """The worker cannot train at all (e.g. no MNIST); ``error`` is the error's own text."""

    error: str


@dataclass(frozen=True)
class Started:
    job_id: str
    steps_per_epoch: int


@dataclass(frozen=True)
class ProgressUpdate:
    """What changed since the last update: the new batches' figures, the whole epoch table so
    far, the first-layer pictures when an epoch added one, and the latest ``BatchProgress``."""

    batch_step: list[int]
    batch_loss: list[float]
    batch_accuracy: list[float]
    epochs: dict[str, list]  # TrainingHistory's epoch, loss, accuracy, val_loss, val_accuracy, epoch_end_step
    templates: WeightTemplates | None = None
    progress: BatchProgress | None = None


EPOCH_KEYS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "epoch_end_step")


@dataclass(frozen=True)
class Progress:
    job_id: str
    update: ProgressUpdate


@dataclass(frozen=True)
class Outcome:
    """What a trainer's ``train_job`` (or ``finetune_job``) returns, as keyword values: how it ended
    (COMPLETED, STOPPED or DIVERGED), its measured training time, its curves
    (``TrainingHistory.to_dict()``), the model as ``.keras`` bytes (None when it diverged) and, for a
    task, the task's own report."""

    status: JobStatus
    seconds: float
    steps_per_epoch: int
    history: dict
    keras_bytes: bytes | None
    report: dict | None = field(default=None)


@dataclass(frozen=True)
class Finished:
    job_id: str
    outcome: Outcome


@dataclass(frozen=True)
class Failed:
    """Training raised; ``error`` is the error's own text (with its type unless it is one of ours)."""

    job_id: str
    error: str
