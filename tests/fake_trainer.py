"""A fast stand-in for the Keras trainer (``mnist_core.training.worker.process``), run in the real worker
process.

It imports no TensorFlow, so a worker with it is ready in about a second. It "trains" with the
same hooks as the real trainer: one batch every ``BATCH_SECONDS`` with a falling loss, an epoch
table, Stop after the current batch, and a model of its own: the shipped ``models/default.keras``
with its output units rotated by the run's number in this worker (1, 2, ... 9, 1, ...), so it
predicts ``(default's digit + n) % 10`` and a test can tell which run's weights a page used.
What a config asks for decides the outcome:

- ``learning_rate >= 10``: the loss blows up at the 3rd batch (diverged): to 1e6, or to NaN
  from ``learning_rate >= 100`` (as Keras' loss does when the weights overflow);
- ``seed == FAIL_SEED``: raises in the middle of the first epoch (failed);
- ``seed == HOLD_SEED``: after batch ``HOLD_AT`` (and again every ``HOLD_AT`` batches) it waits (up
  to ``HOLD_SECONDS``) for Stop or for the test's ``release(job_id)``, so a test can stop it at a
  known batch, or see it mid-run, whatever the machine's load;
- otherwise it completes, or stops when asked.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import tempfile
import time
import zipfile
from pathlib import Path

import h5py
import numpy as np

from mnist_core.serving import model_files as storage
from mnist_core.training.protocol import Outcome
from mnist_core.training.record import (
    DIVERGED_LOSS,
    BatchProgress,
    JobStatus,
    TrainingHistory,
    steps_per_epoch,
)

BATCH_SECONDS = 0.02
FAIL_SEED = 13
HOLD_SEED = 14
HOLD_AT = 20
HOLD_SECONDS = 120.0
_MODEL: dict = {}
_RUN_NUMBERS = itertools.count(1)


def _release_file(job_id: str) -> Path:
    """The file whose existence lets held job ``job_id`` go on (the test process and the worker
    share the temporary folder; job ids are unique)."""
    return Path(tempfile.gettempdir()) / f"mnist-lab-fake-trainer-release-{job_id}"


def release(job_id: str) -> None:
    """Let job ``job_id``, held at a multiple of ``HOLD_AT`` (``HOLD_SEED``), train on to the next."""
    _release_file(job_id).touch()


def _hold(hooks) -> None:
    """Wait until Stop or ``release`` (which is used up), or ``HOLD_SECONDS``."""
    released = _release_file(hooks.job_id)
    held_until = time.monotonic() + HOLD_SECONDS
    while not hooks.should_stop() and not released.exists() and time.monotonic() < held_until:
        time.sleep(0.01)
    released.unlink(missing_ok=True)


def prepare(threads) -> None:
    _MODEL["bytes"] = storage.DEFAULT_MODEL_PATH.read_bytes()


def rotated_model_bytes(keras_bytes: bytes, shift: int) -> bytes:
    """A .keras file whose output layer's units (kernel columns and biases, float32 (units, 10)
    and (10,)) are rolled by ``shift``: it predicts ``(digit + shift) % 10`` where the original
    predicts ``digit``, with the same probabilities."""
    source = zipfile.ZipFile(io.BytesIO(keras_bytes))
    weights = io.BytesIO(source.read("model.weights.h5"))
    with h5py.File(weights, "r+") as h5:
        output = [vars_ for vars_ in (h5["layers"][name].get("vars") for name in h5["layers"])
                  if vars_ is not None and "0" in vars_ and vars_["0"].shape[-1] == 10][-1]
        for key in ("0", "1"):
            output[key][...] = np.roll(output[key][...], shift, axis=-1)
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for name in source.namelist():
            target.writestr(name, weights.getvalue() if name == "model.weights.h5" else source.read(name))
    return result.getvalue()


def train_job(config, hooks) -> Outcome:
    run_shift = (next(_RUN_NUMBERS) - 1) % 9 + 1
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
            loss = 2.3 / math.sqrt(step)
            if config.learning_rate >= 10 and step >= 3:
                loss = math.nan if config.learning_rate >= 100 else 1e6
            history.batch_step.append(step)
            history.batch_loss.append(loss)
            history.batch_accuracy.append(1 - loss / 2.5)
            if not math.isfinite(loss) or loss > DIVERGED_LOSS:  # as the Keras trainer's callback
                status = JobStatus.DIVERGED
                break
            if config.seed == FAIL_SEED and batch == steps // 2:
                raise RuntimeError("the fake trainer fails on purpose")
            elapsed = time.perf_counter() - started
            hooks.report(BatchProgress(epoch, config.epochs, batch, steps, step, loss, 1 - loss / 2.5,
                                       step * config.batch_size / elapsed,
                                       elapsed / step * (config.epochs * steps - step)))
            if config.seed == HOLD_SEED and step % HOLD_AT == 0:
                _hold(hooks)
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
    keras_bytes = None if status == JobStatus.DIVERGED else rotated_model_bytes(_MODEL["bytes"], run_shift)
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
