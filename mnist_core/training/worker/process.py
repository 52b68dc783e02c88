"""The training worker process: trains the jobs ``mnist_core.training.queue.JobQueue`` sends it.

``main`` runs in a process started with the spawn method. It imports its trainer module
(TensorFlow, for the real one) and announces ``Ready`` (or ``Broken`` and exits, when that
fails), then reads commands from the server (the messages of ``mnist_core.training.protocol``):
``Start`` trains in a new thread, ``Stop`` ends that job after its current batch, ``Exit`` ends
the process (so does the server going away). Per job it answers ``Started``, ``Progress`` a few
times a second, then ``Finished`` or ``Failed``.

A trainer module has ``prepare(threads)`` (called once, before any job) and
``train_job(config, hooks) -> Outcome``, and, for jobs with a task (a fine-tune),
``finetune_job(task, hooks) -> Outcome`` (with the task's ``report``). This module is the Keras
trainer.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import threading
import traceback
from pathlib import Path

from mnist_core.config import ModelConfig
from mnist_core.errors import MnistLabError
from mnist_core.training import protocol
from mnist_core.training.protocol import EPOCH_KEYS, Outcome, ProgressUpdate
from mnist_core.training.record import BatchProgress, JobStatus, TrainingHistory, WeightTemplates

PROGRESS_INTERVAL = 0.25  # seconds between progress messages of one job
_DATA: dict = {}  # the worker's MNIST training arrays, loaded once by ``prepare``


class JobHooks:
    """What a trainer calls while it trains one job: streams the history to the server."""

    def __init__(self, job_id: str, send, stop_event: threading.Event):
        self.job_id, self._send, self._stop = job_id, send, stop_event
        self.history: TrainingHistory | None = None
        self._sent = 0  # batches already sent
        self._frames = 0  # template frames already sent

    def attach(self, history: TrainingHistory, steps_per_epoch: int) -> None:
        """The run's history object (filled as it trains) and its batches per epoch."""
        self.history = history
        self._send(protocol.Started(self.job_id, steps_per_epoch))

    def report(self, progress: BatchProgress | None = None) -> None:
        """Send the batches recorded since the last report, the epoch table and ``progress``."""
        history = self.history
        if history is None:
            return
        end, count = len(history.batch_step), len(history.epoch)
        templates, frames = history.templates, None
        if len(templates.epochs) != self._frames:  # a new epoch's first-layer pictures
            self._frames = len(templates.epochs)
            frames = WeightTemplates(list(templates.units), list(templates.epochs), list(templates.scales),
                                     list(templates.codes))
        update = ProgressUpdate(
            batch_step=history.batch_step[self._sent:end], batch_loss=history.batch_loss[self._sent:end],
            batch_accuracy=history.batch_accuracy[self._sent:end],
            epochs={key: list(getattr(history, key)[:count]) for key in EPOCH_KEYS},
            templates=frames, progress=progress,
        )
        self._sent = end
        self._send(protocol.Progress(self.job_id, update))

    def should_stop(self) -> bool:
        return self._stop.is_set()


def main(commands, events, trainer_name: str, threads: tuple[int, int], niceness: int = 0) -> None:
    """The worker process: lower its CPU priority by ``niceness``, prepare the trainer, then
    run commands until told to exit."""
    lower_priority(niceness)
    send_lock = threading.Lock()

    def send(message) -> None:
        with send_lock:
            try:
                events.send(message)
            except OSError:  # the server is gone (BrokenPipeError): nobody to tell
                pass

    try:
        trainer = importlib.import_module(trainer_name)
        trainer.prepare(threads)
    except Exception as error:  # noqa: BLE001 - e.g. no MNIST: every job is told why, then exit
        send(protocol.Broken(str(error)))
        return
    send(protocol.Ready(os.getpid()))
    stops: dict[str, threading.Event] = {}
    active: set[str] = set()
    active_lock = threading.Lock()

    def run(job_id: str, config: ModelConfig, task) -> None:
        try:
            hooks = JobHooks(job_id, send, stops[job_id])
            outcome = trainer.train_job(config, hooks) if task is None else trainer.finetune_job(task, hooks)
            send(protocol.Finished(job_id, outcome))
        except MnistLabError as error:  # ours: its text says what went wrong
            send(protocol.Failed(job_id, str(error)))
        except Exception as error:  # noqa: BLE001 - any error ends this job only, never the worker
            traceback.print_exc()
            send(protocol.Failed(job_id, f"{type(error).__name__}: {error}"))
        finally:
            with active_lock:
                active.discard(job_id)
                idle = not active
            stops.pop(job_id, None)
            if idle and hasattr(trainer, "idle"):
                trainer.idle()

    while True:
        try:
            message = commands.recv()
        except (EOFError, OSError):
            break  # the server went away
        if isinstance(message, protocol.Start):
            stops[message.job_id] = threading.Event()
            with active_lock:
                active.add(message.job_id)
            threading.Thread(target=run, args=(message.job_id, message.config, message.task),
                             name=f"train-{message.job_id}", daemon=True).start()
        elif isinstance(message, protocol.Stop) and message.job_id in stops:
            stops[message.job_id].set()
        elif isinstance(message, protocol.Exit):
            break
    for event in stops.values():
        event.set()
    # Leave without the interpreter's shutdown: a job thread still inside a batch (NumPy's or
    # TensorFlow's threads) can leave that shutdown waiting forever, until the server kills the
    # worker. Nothing here is left to save: the server has what it will read, and stopped jobs'
    # results go nowhere once it stopped reading.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def lower_priority(niceness: int) -> None:
    """Add ``niceness`` to the nice value of this process and every thread it has (Unix).

    On Linux a nice value belongs to a thread: threads that exist already (NumPy's BLAS pool,
    started when the job settings were unpickled) are set one by one through /proc, and every
    thread started later (TensorFlow's pools, the jobs) inherits the main thread's value.
    """
    if not niceness or not hasattr(os, "setpriority"):
        return
    target = min(19, os.getpriority(os.PRIO_PROCESS, 0) + niceness)
    tasks = Path("/proc/self/task")
    thread_ids = [int(task.name) for task in tasks.iterdir()] if tasks.is_dir() else [0]  # 0: this process
    for thread_id in thread_ids:
        try:
            os.setpriority(os.PRIO_PROCESS, thread_id, target)
        except OSError:  # not allowed here, or the thread just ended: it keeps its priority
            pass


# --- the Keras trainer -----------------------------------------------------------------------


def prepare(threads: tuple[int, int]) -> None:
    """Load MNIST's training set, then import TensorFlow with its thread pools set to
    ``threads`` (intra-op, inter-op; 0 = TensorFlow's default)."""
    from mnist_core.data.mnist import load_mnist

    (_DATA["x"], _DATA["y"]), (_DATA["x_test"], _DATA["y_test"]) = load_mnist()  # first: no data, no TF
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    intra, inter = threads
    if intra:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
    if inter:
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    from mnist_core import training  # noqa: F401 - imports Keras now, not in the first job


def train_job(config: ModelConfig, hooks: JobHooks) -> Outcome:
    """Train ``config`` on MNIST with ``fit.train``; the outcome as plain values."""
    from mnist_core.training.worker.fit import train
    from mnist_core.training.worker.keras_files import model_to_bytes

    result = train(
        config,
        _DATA["x"],
        _DATA["y"],
        on_model=lambda model, history: hooks.attach(history, _steps(config)),
        on_batch=hooks.report,
        on_epoch=lambda epoch, logs: hooks.report(),
        should_stop=hooks.should_stop,
        min_interval=PROGRESS_INTERVAL,
    )
    keras_bytes = None if result.status == JobStatus.DIVERGED else model_to_bytes(result.model)
    return Outcome(result.status, result.seconds, result.steps_per_epoch, result.history.to_dict(),
                   keras_bytes)


def finetune_job(task, hooks: JobHooks) -> Outcome:
    """Fine-tune ``task`` (a ``FinetuneJob``) with ``finetune.finetune``; ``train_job``'s outcome
    plus the before/after ``report``."""
    from mnist_core.training.worker.finetune import finetune
    from mnist_core.training.worker.keras_files import model_to_bytes
    from mnist_core.training.worker.model import inference_model

    result, report = finetune(
        task, _DATA["x"], _DATA["y"], _DATA["x_test"], _DATA["y_test"],
        on_model=lambda model, history: hooks.attach(history, _finetune_steps(task)),
        on_batch=hooks.report,
        on_epoch=lambda epoch, logs: hooks.report(),
        should_stop=hooks.should_stop,
        min_interval=PROGRESS_INTERVAL,
    )
    diverged = result.status == JobStatus.DIVERGED
    keras_bytes = None if diverged else model_to_bytes(inference_model(result.model))
    return Outcome(result.status, result.seconds, result.steps_per_epoch, result.history.to_dict(),
                   keras_bytes, report=report.to_dict())


def _finetune_steps(task) -> int:
    """Batches per epoch of a fine-tune."""
    settings = task.settings
    return -(-settings.images_per_epoch(len(task.tune_labels)) // settings.batch_size)


def idle() -> None:
    """No job is training: let Keras drop the finished models' graphs and free their memory."""
    import keras

    keras.backend.clear_session()
    gc.collect()


def _steps(config: ModelConfig) -> int:
    from mnist_core.training.record import steps_per_epoch

    count = min(config.train_size or len(_DATA["x"]), len(_DATA["x"]))
    return steps_per_epoch(count, config.validation_split, config.batch_size)
