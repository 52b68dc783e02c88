"""Fine-tuning a trained model on one's own digits with Keras (training worker and CLI only).

The starting model comes as ``.keras`` bytes (any dense model this app serves); its Dense layers
are rebuilt with their weights and trained a little more, at a low learning rate, on the user's
digits (each seen ``repeats`` times an epoch through the shipped augmentation: random shifts,
rotations and zoom) mixed with MNIST training images drawn afresh each epoch, so the network
learns the new writer without forgetting MNIST. Accuracy on the held-out digits and on MNIST's
test set is measured with the NumPy network before and after, as the pages measure it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras
import numpy as np

from mnist_core.serving.evaluation import evaluate
from mnist_core.serving.network import DenseNetwork
from mnist_core.training.record import BatchProgress, JobStatus, TrainingHistory, ending_of
from mnist_core.training.tuning import FinetuneJob, FinetuneReport
from mnist_core.training.worker.fit import ProgressCallback, TemplateCallback, TrainResult
from mnist_core.training.worker.model import augmentation


class MixedBatches(keras.utils.PyDataset):
    """Batches of uint8 pixels (B, 784) and labels (B,): the tuning digits ``repeats`` times and
    ``mnist_images`` MNIST images chosen anew every epoch, shuffled together (seeded)."""

    def __init__(self, tune_images, tune_labels, mnist_images, mnist_labels, settings):
        super().__init__()
        self.tune = (tune_images.reshape(len(tune_images), -1), tune_labels)
        self.mnist = (mnist_images.reshape(len(mnist_images), -1), mnist_labels)
        self.settings = settings
        self.generator = np.random.default_rng(settings.seed)
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(self.settings.images_per_epoch(len(self.tune[1])) / self.settings.batch_size)

    def __getitem__(self, index: int):
        size = self.settings.batch_size
        return self.pixels[index * size : (index + 1) * size], self.labels[index * size : (index + 1) * size]

    def on_epoch_end(self) -> None:
        chosen = self.generator.choice(len(self.mnist[1]), self.settings.mnist_images, replace=False)
        pixels = np.concatenate([np.tile(self.tune[0], (self.settings.repeats, 1)), self.mnist[0][chosen]])
        labels = np.concatenate([np.tile(self.tune[1], self.settings.repeats), self.mnist[1][chosen]])
        order = self.generator.permutation(len(labels))
        self.pixels, self.labels = pixels[order], labels[order].astype("int64")


def keras_from_network(network: DenseNetwork) -> keras.Model:
    """The network's Dense chain as a Keras model with its weights: (N, 784) floats -> (N, 10)."""
    features = inputs = keras.Input(shape=(784,), name="pixels")
    layers = []
    for index, (kernel, activation) in enumerate(zip(network.kernels, network.activations, strict=True)):
        last = index == len(network.kernels) - 1
        layers.append(keras.layers.Dense(kernel.shape[1], activation=activation,
                                         name="digit" if last else f"hidden_{index + 1}"))
        features = layers[-1](features)
    model = keras.Model(inputs, features, name="mnist_dense")
    for layer, kernel, bias in zip(layers, network.kernels, network.biases, strict=True):
        layer.set_weights([np.array(kernel), np.array(bias)])
    return model


def finetune(
    job: FinetuneJob,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    on_model: Callable[[keras.Model, TrainingHistory], None] | None = None,
    on_batch: Callable[[BatchProgress], None] | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    min_interval: float = 0.25,
) -> tuple[TrainResult, FinetuneReport]:
    """Tune ``job``'s model on its digits mixed with MNIST (uint8 x_train (N, 28, 28), y_train
    (N,)); measure it on the held-out digits and on x_test, y_test before and after.

    The callables are ``fit.train``'s; a stopped fine-tune keeps the model tuned so far.
    """
    settings = job.settings
    base = DenseNetwork.from_keras_bytes(job.base_keras, name=job.base_name)
    config = job.config(base)
    held_before = _held_accuracy(base, job)
    mnist_before = evaluate(base, x_test, y_test).accuracy
    keras.utils.set_random_seed(settings.seed)
    model = keras_from_network(base)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    pixels = keras.Input((784,), dtype="uint8", name="pixels")
    scaled = keras.layers.Rescaling(1 / 255, name="scale")(pixels)
    trainer = keras.Model(pixels, model(augmentation(scaled, settings.seed)))
    trainer.compile(optimizer=model.optimizer, loss=model.loss, metrics=["accuracy"])
    batches = MixedBatches(job.tune_images, job.tune_labels, x_train, y_train, settings)
    history = TrainingHistory()
    if on_model is not None:
        on_model(model, history)
    progress = ProgressCallback(history, settings.epochs, len(batches), settings.batch_size,
                                on_batch, on_epoch, should_stop, min_interval)
    started = time.perf_counter()
    trainer.fit(batches, epochs=settings.epochs, verbose=0,
                callbacks=[TemplateCallback(model, history.templates), progress])
    seconds = time.perf_counter() - started
    if progress.diverged:
        status, tuned = JobStatus.DIVERGED, base
    else:
        status = JobStatus.STOPPED if progress.stopped else JobStatus.COMPLETED
        tuned = DenseNetwork.from_keras_model(model)
    report = FinetuneReport(
        base_name=job.base_name, tune_count=len(job.tune_labels), held_count=len(job.held_labels),
        mnist_images=settings.mnist_images, held_before=held_before, held_after=_held_accuracy(tuned, job),
        mnist_before=mnist_before, mnist_after=evaluate(tuned, x_test, y_test).accuracy, seconds=seconds,
    )
    ending = ending_of(status, finetune=True)
    return TrainResult(model, config, history, status, seconds, len(batches), ending), report


def _held_accuracy(network: DenseNetwork, job: FinetuneJob) -> float | None:
    if not len(job.held_labels):
        return None
    return evaluate(network, job.held_images, job.held_labels).accuracy
