"""A fast stand-in for the Keras trainer (``mnist_core.training.worker.process``), run in the real worker
process.

It imports no TensorFlow, so a worker with it is ready in about a second. It "trains" with the
same hooks as the real trainer: one batch every ``BATCH_SECONDS`` with a falling loss, an epoch
table, Stop after the current batch, and a model that is the shipped ``models/default.keras``.
What a config asks for decides the outcome:

- ``learning_rate >= 10``: the loss blows up at the 3rd batch (diverged);
- ``seed == FAIL_SEED``: raises in the middle of the first epoch (failed);
- otherwise it completes, or stops when asked.
"""

from __future__ import annotations

import dataclasses
import math
import time

from mnist_core.serving import model_files as storage
from mnist_core.training.protocol import Outcome
from mnist_core.training.record import (
    BatchProgress,
    JobStatus,
    TrainingHistory,
    steps_per_epoch,
)

BATCH_SECONDS = 0.02
FAIL_SEED = 13
_MODEL: dict = {}


def prepare(threads) -> None:
    _MODEL["bytes"] = storage.DEFAULT_MODEL_PATH.read_bytes()


def train_job(config, hooks) -> Outcome:
    images = config.train_size or 60_000
    steps = steps_per_epoch(images, config.validation_split, config.batch_size)
    history = TrainingHistory()
    hooks.attach(history, steps)
    started = time.perf_counter()
    status = JobStatus.COMPLETED
    for epoch in range(1, config.epochs + 1):
        for batch in range(1, steps + 1):
            time.sleep(BATCH_SECONDS)
            step = (epoch - 1) * steps + batch
            loss = 1e6 if config.learning_rate >= 10 and step >= 3 else 2.3 / math.sqrt(step)
            history.batch_step.append(step)
            history.batch_loss.append(loss)
            history.batch_accuracy.append(1 - loss / 2.5)
            if loss > 1e3:
                status = JobStatus.DIVERGED
                break
            if config.seed == FAIL_SEED and batch == steps // 2:
                raise RuntimeError("the fake trainer fails on purpose")
            elapsed = time.perf_counter() - started
            hooks.report(BatchProgress(epoch, config.epochs, batch, steps, step, loss, 1 - loss / 2.5,
                                       step * config.batch_size / elapsed,
                                       elapsed / step * (config.epochs * steps - step)))
            if hooks.should_stop():
                status = JobStatus.STOPPED
                break
        if status == JobStatus.DIVERGED:
            break
        history.epoch.append(epoch)
        history.epoch_end_step.append(history.batch_step[-1])
        for key in ("loss", "val_loss"):
            getattr(history, key).append(history.batch_loss[-1])
        for key in ("accuracy", "val_accuracy"):
            getattr(history, key).append(history.batch_accuracy[-1])
        hooks.report()
        if status == JobStatus.STOPPED:
            break
    keras_bytes = None if status == JobStatus.DIVERGED else _MODEL["bytes"]
    return Outcome(status, time.perf_counter() - started, steps, history.to_dict(), keras_bytes)


def finetune_job(task, hooks) -> Outcome:
    """A fine-tune as ``train_job`` fakes training (a few batches, the shipped model back), with a
    report measured for real with the NumPy network: the shipped model before and 'after'."""
    from mnist_core.data.mnist import load_mnist
    from mnist_core.serving.evaluation import evaluate
    from mnist_core.serving.network import DenseNetwork
    from mnist_core.training.tuning import FinetuneReport

    config = task.config(DenseNetwork.from_keras_bytes(task.base_keras)).replace(train_size=1000, epochs=1)
    outcome = train_job(config, hooks)
    network = DenseNetwork.from_keras_bytes(_MODEL["bytes"])
    _, (x_test, y_test) = load_mnist()
    held = evaluate(network, task.held_images, task.held_labels).accuracy if len(task.held_labels) else None
    mnist = evaluate(network, x_test, y_test).accuracy
    report = FinetuneReport(task.base_name, len(task.tune_labels), len(task.held_labels),
                            task.settings.mnist_images, held, held, mnist, mnist, outcome.seconds)
    return dataclasses.replace(outcome, report=report.to_dict())
