"""Training jobs: one server-wide queue in front of one training worker process.

The Streamlit server submits a ``ModelConfig`` and polls ``JobSnapshot`` s; it never imports
Keras. Training happens in a worker process (``mnist_core.training.worker.process``, started with the *spawn*
method, so no threaded process is ever forked) that imports TensorFlow and streams progress
back over a pipe. At most ``max_running`` jobs train at once; the rest wait in order.

- Each session may have one queued or running job (``SessionBusyError`` otherwise).
- A job whose session has not polled for ``abandon_after`` seconds is cancelled.
- If the worker dies (out of memory, a crash), its jobs become ``failed`` within a poll
  interval and the next job starts a new worker.
- A finished or stopped job carries its model as ``.keras`` bytes.
- A job trains a new network from its ``ModelConfig``, or, given a ``task`` (a fine-tune of
  ``mnist_core.training.tuning.FinetuneJob``), tunes that task's model; ``config`` then describes
  the tuned network for tables and estimates, and the finished job carries the task's ``report``.

Nothing here starts at import: ``JobQueue`` starts its dispatcher thread when created and
its worker on ``start_worker()`` or the first ``submit``.
"""

from __future__ import annotations

import importlib
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait as wait_for_ready

from mnist_core.config import ModelConfig
from mnist_core.errors import MnistLabError
from mnist_core.training import protocol
from mnist_core.training.capacity import WORKER_NICENESS, WORKER_THREADS, max_running_from_environment
from mnist_core.training.estimates import RunClock, SpeedMeter, remaining_seconds, wait_seconds
from mnist_core.training.record import (
    BatchProgress,
    Ending,
    EndReason,
    JobStatus,
    TrainingHistory,
    WeightTemplates,
    ending_of,
)

WORKER_MODULE = "mnist_core.training.worker.process"  # the worker process's loop, ``main``
KERAS_TRAINER = WORKER_MODULE  # ... which is also the Keras trainer (``prepare``, ``train_job``)
ABANDON_AFTER = 180.0  # seconds without a poll before a session's job is cancelled
MAX_WAITING = 100  # queued jobs beyond this are refused with QueueFullError
POLL_INTERVAL = 0.2  # seconds the dispatcher waits for worker messages between checks
WORKER_NAME = "mnist-training-worker"


class JobError(MnistLabError):
    """A job could not be submitted or found."""


class SessionBusyError(JobError):
    """The session already has a queued (``queued``) or running job."""

    def __init__(self, queued: bool):
        super().__init__(f"session busy: a job is {'queued' if queued else 'running'}")
        self.queued = queued


class QueueFullError(JobError):
    """``waiting`` jobs are waiting already."""

    def __init__(self, waiting: int):
        super().__init__(f"queue full: {waiting} jobs waiting")
        self.waiting = waiting


class UnknownJobError(JobError):
    """No job has this id (it finished long ago, or never existed)."""

    def __init__(self, job_id: str):
        super().__init__(f"no job {job_id!r}")
        self.job_id = job_id


def _spawn_without_main() -> None:
    """Make spawn start the worker without re-running the parent's ``__main__``.

    Spawn normally imports the parent's main module in the child. Streamlit points
    ``sys.modules["__main__"]`` at the page script it is running, so a worker started during
    a script run would run app.py in the worker. The worker needs only ``mnist_core.training.worker.process``:
    its preparation data loses the main-module entries (other processes are unaffected).
    """
    from multiprocessing import spawn

    if getattr(spawn.get_preparation_data, "_mnist_lab", False):
        return
    original = spawn.get_preparation_data

    def preparation_data(name):
        data = original(name)
        if name == WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    preparation_data._mnist_lab = True
    spawn.get_preparation_data = preparation_data


def run_worker(*args) -> None:
    """The spawned worker process's target: the worker's loop, imported by name in that process,
    so the server's queue never imports the worker (nor the worker the queue)."""
    importlib.import_module(WORKER_MODULE).main(*args)


def copy_history(history: TrainingHistory) -> TrainingHistory:
    """A copy whose lists the worker's later updates never touch (template frames are shared:
    they are never changed once recorded)."""
    templates = history.templates
    return TrainingHistory(
        **{key: list(value) for key, value in history.__dict__.items() if key != "templates"},
        templates=WeightTemplates(list(templates.units), list(templates.epochs), list(templates.scales),
                                  list(templates.codes)),
    )


@dataclass(frozen=True)
class JobSnapshot:
    """A consistent copy of one job, taken under the queue's lock. Plain values only."""

    id: str
    session_id: str
    config: ModelConfig
    status: JobStatus
    ending: Ending | None  # how and why it ended, once finished (``text.runs.outcome_text`` words it)
    place: int | None  # 1-based place in line while queued, else None
    wait_seconds: float | None  # estimated wait before it starts (measured speed), or None
    worker_ready: bool  # False while the worker is still importing TensorFlow
    progress: BatchProgress | None  # the latest progress report, None before the first batch
    history: TrainingHistory  # curves so far (a copy)
    steps_per_epoch: int | None  # known once the job started
    seconds: float  # training time so far, or of the whole run once finished
    keras_bytes: bytes | None  # the model as a .keras file, once finished (not diverged/failed)
    submitted: float  # time.time() of submission
    report: dict | None = None  # a task's own figures once finished (a fine-tune's before and after)
    seconds_left: float | None = None  # while running: at its own measured speed, once stable
    images_per_second: float | None = None  # while running: its own speed, warm-up left out, once stable

    @property
    def finished(self) -> bool:
        return self.status.finished


@dataclass
class _Job:
    id: str
    session_id: str
    config: ModelConfig
    submitted: float
    status: JobStatus = JobStatus.QUEUED
    ending: Ending | None = None
    progress: BatchProgress | None = None
    history: TrainingHistory = field(default_factory=TrainingHistory)
    steps_per_epoch: int | None = None
    seconds: float = 0.0
    started: float | None = None  # time.monotonic() when sent to the worker
    keras_bytes: bytes | None = None
    last_poll: float = 0.0  # the queue's ``poll_clock`` at its session's latest poll
    stop_sent: bool = False
    finetune: bool = False  # it has a task: a fine-tune (the task itself is dropped once sent)
    task: object | None = None  # what the worker trains instead of a fresh ``config`` (a fine-tune)
    report: dict | None = None
    clock: RunClock | None = None  # its measured speed, from when it was sent to the worker


class JobQueue:
    """The server-wide queue and the worker process behind it. Thread-safe."""

    def __init__(
        self,
        max_running: int | None = None,
        trainer: str = KERAS_TRAINER,
        threads: tuple[int, int] = WORKER_THREADS,
        niceness: int = WORKER_NICENESS,
        abandon_after: float = ABANDON_AFTER,
        max_waiting: int = MAX_WAITING,
        poll_clock: Callable[[], float] = time.monotonic,
    ):
        """``poll_clock``: seconds (monotonic) that polls and ``abandon_after`` are counted in; a test
        passes one it moves on itself, so abandoning a job waits for no real time."""
        self.max_running = max_running_from_environment() if max_running is None else max_running
        if self.max_running < 1:
            raise JobError(f"max_running must be at least 1, got {self.max_running}.")
        self.trainer, self.threads, self.niceness = trainer, threads, niceness
        self.abandon_after, self.max_waiting, self.poll_clock = abandon_after, max_waiting, poll_clock
        self.speed = SpeedMeter()
        self._jobs: dict[str, _Job] = {}  # insertion order = submission order
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._worker: multiprocessing.process.BaseProcess | None = None
        self._commands = self._events = None
        self._worker_ready = False
        self._want_worker = False
        self._closed = False
        # submit, start_worker and close wake the dispatcher at once rather than at its next poll
        self._wake_reader, self._wake_writer = multiprocessing.Pipe(duplex=False)
        self._wake_pending = False  # one wake in the pipe at a time, so a send never blocks
        self._dispatcher = threading.Thread(target=self._dispatch, name="mnist-job-dispatcher", daemon=True)
        self._dispatcher.start()

    # --- what the server calls --------------------------------------------------------------

    def start_worker(self) -> None:
        """Start the worker in the background (it imports TensorFlow), if none is running."""
        with self._lock:
            self._want_worker = True
            self._wake()

    def submit(self, session_id: str, config: ModelConfig, task: object | None = None) -> str:
        """Queue ``config`` (or ``task``, described by ``config``) for ``session_id``; returns the job id.

        Raises ``SessionBusyError`` if the session has a queued or running job, and
        ``QueueFullError`` if ``max_waiting`` jobs are already waiting.
        """
        with self._lock:
            mine = [job for job in self._jobs.values() if job.session_id == session_id]
            busy = [job for job in mine if not job.status.finished]
            if busy:
                raise SessionBusyError(queued=busy[0].status == JobStatus.QUEUED)
            waiting = sum(job.status == JobStatus.QUEUED for job in self._jobs.values())
            if waiting >= self.max_waiting:
                raise QueueFullError(waiting)
            job = _Job(id=f"job-{uuid.uuid4().hex[:12]}", session_id=session_id, config=config,
                       submitted=time.time(), last_poll=self.poll_clock(), task=task,
                       finetune=task is not None)
            self._jobs[job.id] = job
            self._want_worker = True
            self._wake()
            return job.id

    def snapshot(self, job_id: str) -> JobSnapshot:
        """A consistent copy of the job; counts as a poll from its session."""
        with self._lock:
            job = self._job(job_id)
            job.last_poll = self.poll_clock()
            place = wait = None
            if job.status == JobStatus.QUEUED:
                place, wait = self._place_and_wait(job)
            seconds, now = job.seconds, time.monotonic()
            if job.status == JobStatus.RUNNING and job.started is not None:
                seconds = now - job.started
            seconds_left = speed = None
            if job.status == JobStatus.RUNNING and job.clock is not None:
                seconds_left = job.clock.seconds_left(now)
                steps_per_second = job.clock.steps_per_second()
                speed = None if steps_per_second is None else steps_per_second * job.config.batch_size
            return JobSnapshot(
                id=job.id,
                session_id=job.session_id,
                config=job.config,
                status=job.status,
                ending=job.ending,
                place=place,
                wait_seconds=wait,
                worker_ready=self._worker_ready,
                progress=job.progress,
                history=copy_history(job.history),
                steps_per_epoch=job.steps_per_epoch,
                seconds=seconds,
                keras_bytes=job.keras_bytes,
                submitted=job.submitted,
                report=job.report,
                seconds_left=seconds_left,
                images_per_second=speed,
            )

    def touch(self, session_id: str) -> None:
        """Record a poll from a session for all its jobs (a page that shows none of them)."""
        now = self.poll_clock()
        with self._lock:
            for job in self._jobs.values():
                if job.session_id == session_id:
                    job.last_poll = now

    def stop(self, job_id: str, ending: Ending | None = None) -> None:
        """Stop a job: a queued one at once; a running one after its current batch. ``ending``: why,
        when not at its user's request (kept as the job's ending)."""
        with self._lock:
            job = self._job(job_id)
            if job.status == JobStatus.QUEUED:
                job.status = JobStatus.STOPPED
                job.ending = ending or Ending(EndReason.NOT_STARTED)
            elif job.status == JobStatus.RUNNING and not job.stop_sent:
                job.stop_sent = True
                job.ending = ending
                self._send(protocol.Stop(job.id))

    def forget(self, job_id: str) -> None:
        """Drop a finished job (its session has copied what it needs)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status.finished:
                del self._jobs[job_id]

    def jobs_of(self, session_id: str) -> list[str]:
        with self._lock:
            return [job.id for job in self._jobs.values() if job.session_id == session_id]

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state, e.g. {'queued': 3, 'running': 1, ...}."""
        with self._lock:
            counts = {status.value: 0 for status in JobStatus}
            for job in self._jobs.values():
                counts[job.status.value] += 1
            return counts

    @property
    def worker_pid(self) -> int | None:
        with self._lock:
            return self._worker.pid if self._worker is not None and self._worker.is_alive() else None

    def reset(self, timeout: float = 60.0) -> None:
        """The queue as new, its worker process kept: every job stopped, waited for until the
        worker has ended it, and forgotten; the measured speed forgotten. Raises ``JobError`` if
        a job has not ended within ``timeout`` seconds. Tests share one worker this way."""
        with self._lock:
            for job in list(self._jobs.values()):
                if not job.status.finished:
                    self.stop(job.id)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                unfinished = [job.id for job in self._jobs.values() if not job.status.finished]
                if not unfinished:
                    self._jobs.clear()
                    self.speed = SpeedMeter()
                    return
            if time.monotonic() > deadline:
                raise JobError(f"jobs {unfinished} did not end within {timeout} s of Stop")
            time.sleep(0.01)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the dispatcher and the worker (used by tests and benchmarks)."""
        with self._lock:
            self._closed = True
            self._wake()
        self._dispatcher.join(timeout)
        self._stop_worker(timeout)
        if not self._dispatcher.is_alive():
            self._wake_reader.close()
            self._wake_writer.close()

    # --- internals --------------------------------------------------------------------------

    def _job(self, job_id: str) -> _Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise UnknownJobError(job_id)
        return job

    def _place_and_wait(self, job: _Job) -> tuple[int, float | None]:
        """1-based place among the queued jobs, and the estimated wait (``estimates``; None until
        this server's speed was measured)."""
        queued = [other for other in self._jobs.values() if other.status == JobStatus.QUEUED]
        place = queued.index(job) + 1
        now = time.monotonic()
        running = [
            remaining_seconds(other.config, other.clock, other.progress.step if other.progress else None,
                              now, self.speed)
            for other in self._jobs.values() if other.status == JobStatus.RUNNING
        ]
        ahead = [self.speed.seconds_for(other.config) for other in queued[: place - 1]]
        return place, wait_seconds(running, ahead, self.max_running)

    def _wake(self) -> None:
        """Wake the dispatcher (called under the lock, so one writer at a time)."""
        if self._wake_pending:
            return
        self._wake_pending = True
        try:
            self._wake_writer.send_bytes(b"")
        except OSError:  # closed: no dispatcher to wake
            pass

    def _send(self, message) -> None:
        with self._send_lock:
            if self._commands is not None:
                try:
                    self._commands.send(message)
                except (OSError, EOFError, BrokenPipeError):
                    pass  # the worker died; the dispatcher notices and fails its jobs

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
                self._ensure_worker()
                worker, events = self._worker, self._events
            if worker is None:
                ready = wait_for_ready([self._wake_reader], timeout=POLL_INTERVAL)
            else:
                ready = wait_for_ready([events, worker.sentinel, self._wake_reader], timeout=POLL_INTERVAL)
                if events in ready:
                    self._drain(events)
                if worker.sentinel in ready:
                    self._drain(events)
                    self._worker_died(worker)
            if self._wake_reader in ready:
                while self._wake_reader.poll():
                    self._wake_reader.recv_bytes()
            with self._lock:
                self._wake_pending = False  # a wake sent since the drain waits in the pipe for the next pass
                self._cancel_abandoned()
                self._start_queued()

    def _drain(self, events) -> None:
        try:
            while events.poll():
                self._handle(events.recv())
        except (EOFError, OSError):
            pass

    def _ensure_worker(self) -> None:
        if self._worker is not None or not (self._want_worker or self._has_queued()):
            return
        _spawn_without_main()
        context = multiprocessing.get_context("spawn")
        commands_out, commands_in = context.Pipe(duplex=False)
        events_out, events_in = context.Pipe(duplex=False)
        process = context.Process(
            target=run_worker,
            args=(commands_out, events_in, self.trainer, self.threads, self.niceness),
            name=WORKER_NAME,
            daemon=True,
        )
        process.start()
        commands_out.close()
        events_in.close()
        self._worker, self._commands, self._events = process, commands_in, events_out
        self._worker_ready = False

    def _has_queued(self) -> bool:
        return any(job.status == JobStatus.QUEUED for job in self._jobs.values())

    def _start_queued(self) -> None:
        if self._worker is None:
            return
        running = sum(job.status == JobStatus.RUNNING for job in self._jobs.values())
        for job in list(self._jobs.values()):
            if running >= self.max_running:
                break
            if job.status == JobStatus.QUEUED:
                job.status, job.started = JobStatus.RUNNING, time.monotonic()
                job.clock = RunClock(job.started, warm_worker=self._worker_ready)
                self._send(protocol.Start(job.id, job.config, job.task))
                job.task = None  # sent: the worker has it; its digits and model bytes need not stay here
                running += 1

    def _handle(self, message) -> None:
        with self._lock:
            if isinstance(message, protocol.Ready):
                self._worker_ready = True
                for job in self._jobs.values():  # sent while TensorFlow loaded: their start-up begins now
                    if job.status == JobStatus.RUNNING and job.clock is not None:
                        job.clock.worker_ready(time.monotonic())
                return
            if isinstance(message, protocol.Broken):  # the worker cannot train: every waiting job is told why
                for job in self._jobs.values():
                    if not job.status.finished:
                        job.status = JobStatus.FAILED
                        job.ending = Ending(EndReason.WORKER_BROKEN, detail=message.error)
                return
            job = self._jobs.get(message.job_id)
            if job is None:
                return
            if isinstance(message, protocol.Started):
                job.steps_per_epoch = message.steps_per_epoch
                job.started = time.monotonic()
            elif isinstance(message, protocol.Progress):
                self._apply_progress(job, message.update)
            elif isinstance(message, protocol.Finished):
                self._apply_outcome(job, message.outcome)
            elif isinstance(message, protocol.Failed):
                job.status = JobStatus.FAILED
                job.ending = Ending(EndReason.TRAINER_ERROR, finetune=job.finetune, detail=message.error)
                job.seconds = time.monotonic() - (job.started or time.monotonic())

    def _apply_progress(self, job: _Job, update: protocol.ProgressUpdate) -> None:
        progress = update.progress
        if progress is not None and job.clock is not None:
            job.clock.report(time.monotonic(), progress.step, progress.epochs * progress.batches)
            if not job.finetune:
                self.speed.observe(job.config, job.config.batch_size, job.clock)
        history = job.history
        history.batch_step.extend(update.batch_step)
        history.batch_loss.extend(update.batch_loss)
        history.batch_accuracy.extend(update.batch_accuracy)
        for key in protocol.EPOCH_KEYS:
            setattr(history, key, list(update.epochs[key]))
        if update.templates is not None:
            history.templates = update.templates
        if update.progress is not None:
            job.progress = update.progress

    def _apply_outcome(self, job: _Job, outcome: protocol.Outcome) -> None:
        job.history = TrainingHistory.from_dict(outcome.history)
        job.status = outcome.status
        if not (job.ending and job.status == JobStatus.STOPPED):  # keep a cancellation's reason
            job.ending = ending_of(job.status, finetune=job.finetune)
        job.seconds = outcome.seconds
        job.steps_per_epoch = outcome.steps_per_epoch
        job.keras_bytes = outcome.keras_bytes
        job.report = outcome.report
        if job.progress is not None:
            job.progress = replace(job.progress, eta_seconds=0.0)
        steps = len(job.history.batch_step)
        trained = job.status in (JobStatus.COMPLETED, JobStatus.STOPPED) and steps
        if trained and job.clock is not None and not job.finetune:
            job.clock.report(time.monotonic(), steps, job.clock.total_steps or steps)
            self.speed.record(job.config, job.config.batch_size, job.clock)

    def _worker_died(self, worker) -> None:
        code = worker.exitcode
        with self._lock:
            if worker is not self._worker:
                return
            for job in self._jobs.values():
                if job.status == JobStatus.RUNNING:
                    job.status = JobStatus.FAILED
                    job.ending = Ending(EndReason.WORKER_DIED, finetune=job.finetune, exit_code=code)
                    job.seconds = time.monotonic() - (job.started or time.monotonic())
            self._worker = self._commands = self._events = None
            self._worker_ready = False
            self._want_worker = False  # restart only for queued jobs (``_ensure_worker``)

    def _cancel_abandoned(self) -> None:
        now = self.poll_clock()
        for job in list(self._jobs.values()):
            if now - job.last_poll <= self.abandon_after:
                continue
            if not job.status.finished:
                self.stop(job.id, Ending(EndReason.ABANDONED, finetune=job.finetune,
                                         minutes=self.abandon_after / 60))
            elif now - job.last_poll > 2 * self.abandon_after:
                del self._jobs[job.id]  # nobody will collect it: free its model bytes

    def _stop_worker(self, timeout: float) -> None:
        with self._lock:
            worker, commands = self._worker, self._commands
            self._worker = self._commands = self._events = None
        if worker is None:
            return
        try:
            commands.send(protocol.Exit())
        except (OSError, EOFError):
            pass
        worker.join(timeout)
        if worker.is_alive():
            worker.kill()
            worker.join(timeout)
