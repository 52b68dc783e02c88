"""A session's training runs: each follows its job's snapshots until it finishes. No Streamlit.

A ``Run`` is what a user sees of one training: its settings, its live job while queued or
running, then its curves, outcome and model (``DenseNetwork`` built from the job's ``.keras``
bytes, so the server classifies with NumPy and never imports Keras).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from mnist_core.config import ModelConfig
from mnist_core.errors import ModelFileError
from mnist_core.serving.evaluation import Evaluation
from mnist_core.serving.network import DenseNetwork
from mnist_core.training.queue import JobQueue, JobSnapshot, UnknownJobError
from mnist_core.training.record import Ending, EndReason, JobStatus, TrainingHistory


@dataclass
class Run:
    """One training run of a session."""

    id: str
    name: str
    config: ModelConfig
    history: TrainingHistory = field(default_factory=TrainingHistory)
    status: JobStatus = JobStatus.QUEUED
    ending: Ending | None = None  # how and why it ended, once finished (``text.runs.outcome_text``)
    seconds: float = 0.0  # training time (measured in the worker once finished)
    created: float = field(default_factory=time.time)
    evaluation: Evaluation | None = None  # test-set evaluation, computed once
    network: DenseNetwork | None = None  # the trained weights for inference, once training ended
    job_id: str | None = None  # the job training it, None for runs made elsewhere
    job: JobSnapshot | None = None  # the latest snapshot while queued or running
    steps_per_epoch: int | None = None
    keras_bytes: bytes | None = None  # the model as a .keras file, for the download
    report: dict | None = None  # a fine-tune's before/after figures (``FinetuneReport.to_dict()``)

    @property
    def finished(self) -> bool:
        return self.status.finished

    @property
    def usable(self) -> bool:
        """A model that can classify: trained at least one batch and not diverged."""
        trained = bool(self.history.batch_step)
        return self.network is not None and self.status != JobStatus.DIVERGED and trained

    def follow(self, snapshot: JobSnapshot) -> bool:
        """Take the job's latest state; True when this snapshot is the one that finishes the run.

        On finishing, the model comes from the job's ``.keras`` bytes (a ``ModelFileError``
        from unreadable bytes makes the run failed, with that error as its ending's detail).
        """
        self.history, self.seconds = snapshot.history, snapshot.seconds
        self.steps_per_epoch = snapshot.steps_per_epoch or self.steps_per_epoch
        if not snapshot.finished:
            self.status, self.job = snapshot.status, snapshot
            return False
        if self.finished:
            return False
        self.status, self.ending, self.job = snapshot.status, snapshot.ending, None
        self.report = snapshot.report
        trained = self.history.batch_step and snapshot.status != JobStatus.DIVERGED
        if snapshot.keras_bytes is not None and trained:
            try:
                self.network = DenseNetwork.from_keras_bytes(snapshot.keras_bytes)
                self.keras_bytes = snapshot.keras_bytes
            except ModelFileError as error:
                self.status = JobStatus.FAILED
                self.ending = Ending(EndReason.UNREADABLE_MODEL, detail=str(error))
        return True

    def lose(self) -> None:
        """The job is gone from the queue without an outcome (the server restarted)."""
        self.status, self.ending, self.job = JobStatus.FAILED, Ending(EndReason.LOST), None

    @property
    def steps_done(self) -> int:
        return self.history.batch_step[-1] if self.history.batch_step else 0


def follow_jobs(runs, queue: JobQueue) -> list[Run]:
    """Poll the job of each unfinished run in ``runs`` (Run objects) and take its state; returns the
    runs that just finished (their jobs are then dropped from the queue: the run holds the result).
    A job the queue no longer knows (the server restarted) makes its run lost."""
    done = []
    for run in list(runs):
        if run.job_id is None or run.finished:
            continue
        try:
            snapshot = queue.snapshot(run.job_id)
        except UnknownJobError:
            run.lose()
            done.append(run)
            continue
        if run.follow(snapshot):
            queue.forget(run.job_id)
            done.append(run)
    return done


def next_run_name(runs: dict[str, Run]) -> str:
    return f"Run {len(runs) + 1}"


def last_finite(values) -> float | None:
    """The last value that is a finite number, or None."""
    finite = [value for value in values if value is not None and math.isfinite(value)]
    return finite[-1] if finite else None
