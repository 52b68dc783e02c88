"""Fine-tuning on one's own digits as a job of the real training queue and Keras worker (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core.data.synthetic import font_style_set
from mnist_core.serving.evaluation import evaluate
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH
from mnist_core.serving.network import DenseNetwork
from mnist_core.training.queue import JobQueue
from mnist_core.training.record import JobStatus
from mnist_core.training.tuning import FinetuneJob, FinetuneSettings
from tests.test_jobs import finished


@pytest.mark.slow
def test_a_finetune_job_tunes_the_chosen_model_in_the_training_worker(mnist):
    tune_images, tune_labels = font_style_set(3, seed=1)
    held_images, held_labels = font_style_set(2, seed=2)
    settings = FinetuneSettings(epochs=1, repeats=10, mnist_images=600, batch_size=64)
    job = FinetuneJob("Default model", DEFAULT_MODEL_PATH.read_bytes(), tune_images, tune_labels,
                      held_images, held_labels, settings)
    queue = JobQueue(max_running=1, niceness=0)  # a test waits for it: no lower priority
    try:
        base = DenseNetwork.from_keras_bytes(job.base_keras)
        snapshot = finished(queue, queue.submit("a", job.config(base), job), timeout=120)
    finally:
        queue.close()
    assert snapshot.status == JobStatus.COMPLETED, snapshot.ending
    assert snapshot.steps_per_epoch == 15 and snapshot.history.epoch == [1]  # (30·10 + 600) / 64
    report = snapshot.report
    (_, _), (x_test, y_test) = mnist
    assert report["mnist_before"] == evaluate(base, x_test, y_test).accuracy
    assert report["held_before"] == evaluate(base, held_images, held_labels).accuracy
    tuned = DenseNetwork.from_keras_bytes(snapshot.keras_bytes)  # the tuned model, served without Keras
    assert report["held_after"] == evaluate(tuned, held_images, held_labels).accuracy
    assert report["mnist_after"] == evaluate(tuned, x_test, y_test).accuracy
    assert not np.array_equal(tuned.kernels[0], base.kernels[0])  # it did train
    assert report["mnist_after"] > report["mnist_before"] - 0.01  # and did not forget MNIST
    tuned_on = evaluate(tuned, tune_images, tune_labels).accuracy
    assert tuned_on >= evaluate(base, tune_images, tune_labels).accuracy
