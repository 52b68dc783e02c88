"""Training with Keras ``fit``, reporting progress through plain callables.

No UI object enters here: a caller passes ``on_batch``, ``on_epoch`` and
``should_stop`` functions, and gets back the model and everything that was measured,
whether the run completed, was stopped, or diverged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from mnist_core.config import ModelConfig
from mnist_core.errors import DatasetError
from mnist_core.training.record import (
    DIVERGED_LOSS,
    BatchProgress,
    Ending,
    JobStatus,
    TrainingHistory,
    WeightTemplates,
    ending_of,
)
from mnist_core.training.record import steps_per_epoch as planned_steps
from mnist_core.training.worker.model import build_model


@dataclass
class TrainResult:
    """Outcome of ``train``: the model is usable whatever the status, unless it diverged."""

    model: keras.Model
    config: ModelConfig
    history: TrainingHistory
    status: JobStatus  # COMPLETED, STOPPED or DIVERGED
    seconds: float  # wall time of fit
    steps_per_epoch: int
    ending: Ending  # why, as values (``mnist_core.text.runs.outcome_text`` words it)


class ProgressCallback(keras.callbacks.Callback):
    """Records every batch, forwards throttled progress, polls ``should_stop``, catches NaN."""

    def __init__(
        self,
        history: TrainingHistory,
        epochs: int,
        steps_per_epoch: int,
        batch_size: int,
        on_batch: Callable[[BatchProgress], None] | None = None,
        on_epoch: Callable[[int, dict], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        min_interval: float = 0.25,
    ):
        super().__init__()
        self.history = history
        self.epochs, self.steps_per_epoch, self.batch_size = epochs, steps_per_epoch, batch_size
        self.on_batch, self.on_epoch, self.should_stop = on_batch, on_epoch, should_stop
        self.min_interval = min_interval
        self.stopped = self.diverged = False
        self.current_epoch = 0
        self._started = self._last_report = 0.0

    def on_train_begin(self, logs=None):
        self._started = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss, accuracy = float(logs.get("loss", math.nan)), float(logs.get("accuracy", math.nan))
        step = (self.current_epoch - 1) * self.steps_per_epoch + batch + 1
        self.history.batch_step.append(step)
        self.history.batch_loss.append(loss)
        self.history.batch_accuracy.append(accuracy)
        if not math.isfinite(loss) or loss > DIVERGED_LOSS:
            self.diverged = True
            self.model.stop_training = True
            return
        if self.should_stop is not None and self.should_stop():
            self.stopped = True
            self.model.stop_training = True
        now = time.perf_counter()
        last_batch = batch + 1 == self.steps_per_epoch
        if self.on_batch is not None and (now - self._last_report >= self.min_interval or last_batch):
            self._last_report = now
            self.on_batch(self._progress(batch + 1, step, loss, accuracy, now))

    def _progress(self, batch, step, loss, accuracy, now) -> BatchProgress:
        elapsed = max(now - self._started, 1e-9)
        total = self.epochs * self.steps_per_epoch
        return BatchProgress(
            epoch=self.current_epoch,
            epochs=self.epochs,
            batch=batch,
            batches=self.steps_per_epoch,
            step=step,
            loss=loss,
            accuracy=accuracy,
            samples_per_second=step * self.batch_size / elapsed,
            eta_seconds=elapsed / step * (total - step),
        )

    def on_epoch_end(self, epoch, logs=None):
        if self.diverged:
            return
        logs = {key: float(value) for key, value in (logs or {}).items()}
        record = self.history
        record.epoch.append(epoch + 1)
        record.epoch_end_step.append(record.batch_step[-1] if record.batch_step else 0)
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            getattr(record, key).append(logs.get(key, math.nan))
        if self.on_epoch is not None:
            self.on_epoch(epoch + 1, logs)


class TemplateCallback(keras.callbacks.Callback):
    """Records the first hidden layer's weight pictures of a few fixed units (``WeightTemplates``)
    before training and at each epoch end, so a page can show the templates forming."""

    def __init__(self, model: keras.Model, templates: WeightTemplates):
        super().__init__()
        self.layer = next(layer for layer in model.layers if isinstance(layer, keras.layers.Dense))
        self.templates = templates

    def on_train_begin(self, logs=None):
        if not self.templates.epochs:
            self.templates.add(0, self.layer.get_weights()[0])

    def on_epoch_end(self, epoch, logs=None):
        self.templates.add(epoch + 1, self.layer.get_weights()[0])


def training_subset(
    images: np.ndarray, labels: np.ndarray, size: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """A seeded random subset of ``size`` images (all of them when ``size`` is None).

    Raises ``DatasetError`` unless ``images`` are uint8 (N, 28, 28) and ``labels`` (N,)
    integers 0-9 (Keras would fail mid-fit, or silently learn nothing from floats).
    """
    images, labels = np.asarray(images), np.asarray(labels)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise DatasetError(
            f"Training images must be uint8 (N, 28, 28) as MNIST stores them, got {images.dtype} "
            f"{images.shape}."
        )
    if len(images) != len(labels):
        raise DatasetError(f"{len(images)} images but {len(labels)} labels.")
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or (
        labels.size and (labels.min() < 0 or labels.max() > 9)
    ):
        span = f" in [{labels.min()}, {labels.max()}]" if labels.size else ""
        raise DatasetError(f"Training labels must be integers 0-9 shaped (N,), got {labels.dtype} "
                           f"{labels.shape}{span}.")
    if size is None or size >= len(images):
        return images, labels
    order = np.random.default_rng(seed).permutation(len(images))[:size]
    return images[order], labels[order]


class ImageBatches(keras.utils.PyDataset):
    """uint8 images (N, 784) and int labels (N,) served to ``fit`` in batches of ``batch_size``,
    in an order shuffled anew for every epoch by a generator seeded with ``seed`` (``None``: in
    order, for validation).

    ``fit`` on the arrays themselves first copies the whole set into a tensor and slices that;
    batches of views keep the worker's peak memory well below that, in the same time
    (benchmarks/README.md, "Serving: what made the difference (history)").
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, batch_size: int, seed: int | None):
        super().__init__()
        self.images, self.labels, self.batch_size = images, labels, batch_size
        self.generator = None if seed is None else np.random.default_rng(seed)
        self.order = np.arange(len(images))
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(len(self.images) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.images[rows], self.labels[rows]

    def on_epoch_end(self) -> None:
        if self.generator is not None:
            self.generator.shuffle(self.order)


def split_batches(images: np.ndarray, labels: np.ndarray, config: ModelConfig
                  ) -> tuple[ImageBatches, ImageBatches | None]:
    """Training and validation batches, the last ``config.validation_split`` of the images held
    out for validation as ``fit(validation_split=...)`` does (views: nothing is copied)."""
    held_out = int(len(images) * config.validation_split)
    kept = len(images) - held_out
    training_batches = ImageBatches(images[:kept], labels[:kept], config.batch_size, config.seed)
    if not held_out:
        return training_batches, None
    return training_batches, ImageBatches(images[kept:], labels[kept:], config.batch_size, None)


def scaling_trainer(model: keras.Model) -> keras.Model:
    """``model`` behind a Rescaling(1/255) input, compiled like it, to fit on uint8 (N, 784).

    Training through it updates ``model``'s own weights and optimizer, and the training set stays
    uint8 (a quarter of a float32 copy) in the worker's memory (benchmarks/README.md, "Serving:
    what made the difference (history)").
    """
    pixels = keras.Input((28 * 28,), dtype="uint8", name="pixels")
    trainer = keras.Model(pixels, model(keras.layers.Rescaling(1 / 255, name="scale")(pixels)))
    trainer.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"])
    return trainer


def train(
    config: ModelConfig,
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    on_batch: Callable[[BatchProgress], None] | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_model: Callable[[keras.Model, TrainingHistory], None] | None = None,
    min_interval: float = 0.25,
) -> TrainResult:
    """Train a fresh model on uint8 images (N, 28, 28) and labels (N,) with ``fit``.

    - ``on_batch(BatchProgress)``: at most every ``min_interval`` seconds, and at each
      epoch's last batch.
    - ``on_epoch(epoch, logs)``: after each epoch, with loss, accuracy, val_loss and
      val_accuracy.
    - ``should_stop()``: polled after every batch; True ends training after that batch
      and keeps the model as trained so far.
    - ``on_model(model, history)``: called once before training starts, so a caller can
      keep hold of the partial model and growing history even if training is interrupted
      by an exception from one of its own callbacks.

    The run is seeded by ``config.seed`` (same seed, same result). A NaN or infinite loss
    stops the run with status DIVERGED.
    """
    images, labels = training_subset(x_train, y_train, config.train_size, config.seed)
    pixels = images.reshape(len(images), 28 * 28)  # uint8, a view: no float copy of the set
    steps_per_epoch = planned_steps(len(pixels), config.validation_split, config.batch_size)
    keras.utils.set_random_seed(config.seed)
    model = build_model(config, steps_per_epoch)
    history = TrainingHistory()
    if on_model is not None:
        on_model(model, history)
    progress = ProgressCallback(
        history, config.epochs, steps_per_epoch, config.batch_size,
        on_batch, on_epoch, should_stop, min_interval,
    )
    trainer = scaling_trainer(model)
    started = time.perf_counter()
    training_batches, validation_batches = split_batches(pixels, labels, config)
    trainer.fit(
        training_batches,
        epochs=config.epochs,
        validation_data=validation_batches,
        callbacks=[progress] if config.architecture == "convnet"
        else [TemplateCallback(model, history.templates), progress],
        verbose=0,
    )
    seconds = time.perf_counter() - started
    status = _status(progress)
    return TrainResult(model, config, history, status, seconds, steps_per_epoch, ending_of(status))


def _status(progress: ProgressCallback) -> JobStatus:
    if progress.diverged:
        return JobStatus.DIVERGED
    return JobStatus.STOPPED if progress.stopped else JobStatus.COMPLETED


KERAS_METRICS = ["loss", "accuracy", "val_loss", "val_accuracy"]  # shown as Keras reports them


def progress_bars() -> tuple[Callable[[BatchProgress], None], Callable[[int, dict], None]]:
    """``on_batch`` and ``on_epoch`` for ``train`` that print Keras' own progress bar per epoch, as
    ``fit(verbose=1)`` does (the command line's view of a run)."""
    bars: dict[int, keras.utils.Progbar] = {}  # epoch -> its bar

    def on_batch(progress: BatchProgress) -> None:
        if progress.epoch not in bars:
            print(f"Epoch {progress.epoch}/{progress.epochs}", flush=True)
            bars[progress.epoch] = keras.utils.Progbar(progress.batches, stateful_metrics=KERAS_METRICS)
        if progress.batch < progress.batches:  # the epoch's last update comes from on_epoch
            figures = [("loss", progress.loss), ("accuracy", progress.accuracy)]
            bars[progress.epoch].update(progress.batch, figures)

    def on_epoch(epoch: int, logs: dict) -> None:  # the bar's last update carries the epoch's figures
        bar = bars.get(epoch)
        if bar is not None:
            figures = [(name, logs[name]) for name in KERAS_METRICS if name in logs]
            bar.update(bar.target, figures, finalize=True)

    return on_batch, on_epoch
