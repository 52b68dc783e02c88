"""Training with progress callbacks: learning, seeding, stopping, divergence, throttling."""

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from mnist_core import (
    DatasetError,
    DenseNetwork,
    JobStatus,
    ModelConfig,
    TrainingHistory,
    evaluate,
    train,
)
from mnist_core.text.runs import outcome_text
from mnist_core.training.record import template_units

QUICK = ModelConfig(epochs=3, seed=1)  # the lesson's network, 3 epochs


class Recorder:
    """Keeps every on_batch / on_epoch call."""

    def __init__(self):
        self.batches, self.epochs = [], []

    def on_batch(self, progress):
        self.batches.append(progress)

    def on_epoch(self, epoch, logs):
        self.epochs.append((epoch, dict(logs)))


@pytest.fixture(scope="module")
def quick_run(small_mnist):
    """QUICK trained on 3,000 images, with every callback recorded."""
    (x_train, y_train), _ = small_mnist
    recorder = Recorder()
    handed = []
    result = train(QUICK, x_train, y_train, on_batch=recorder.on_batch, on_epoch=recorder.on_epoch,
                   on_model=lambda model, history: handed.append((model, history)))
    return result, recorder, handed


def stop_after(polls: int):
    """A should_stop that says yes on its ``polls``-th call."""
    count = [0]

    def should_stop():
        count[0] += 1
        return count[0] >= polls

    return should_stop


# ---------------------------------------------------------------- learning (model behaviour)


def test_loss_falls_and_accuracy_beats_chance(quick_run, small_mnist):
    result, _, _ = quick_run
    assert result.status == JobStatus.COMPLETED and outcome_text(result) == "Trained 3 epochs."
    history = result.history
    assert history.epoch == [1, 2, 3]
    assert history.loss[0] > history.loss[1] > history.loss[2]
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_accuracy[-1] > 0.85  # chance is 0.10
    _, (x_test, y_test) = small_mnist
    assert evaluate(DenseNetwork.from_keras_model(result.model), x_test, y_test).accuracy > 0.85


def test_history_lengths_match_the_run(quick_run):
    result, _, _ = quick_run
    steps = result.steps_per_epoch
    assert steps == math.ceil(2700 / 128)  # 10 % of 3,000 held out for validation
    history = result.history
    assert history.batch_step == list(range(1, 3 * steps + 1))
    assert len(history.batch_loss) == len(history.batch_accuracy) == 3 * steps
    assert history.epoch_end_step == [steps, 2 * steps, 3 * steps]
    # the per-batch curve is Keras' running mean: at each epoch's end it equals the epoch loss
    for end, loss in zip(history.epoch_end_step, history.loss, strict=True):
        assert history.batch_loss[end - 1] == pytest.approx(loss, rel=1e-5)


def test_on_model_hands_over_the_model_and_growing_history(quick_run):
    result, _, handed = quick_run
    assert len(handed) == 1
    model, history = handed[0]
    assert model is result.model and history is result.history


def test_first_layer_templates_are_recorded_at_start_and_each_epoch_end(quick_run):
    result, _, _ = quick_run
    templates = result.history.templates
    assert templates.epochs == [0, 1, 2, 3]
    assert templates.units == template_units(512) and len(templates.units) == 16
    frames = templates.frames()
    assert frames.shape == (4, 16, 28, 28) and frames.dtype == np.float32
    kernel = DenseNetwork.from_keras_model(result.model).kernels[0]  # (784, 512)
    final = kernel[:, templates.units].T.reshape(16, 28, 28)
    np.testing.assert_allclose(frames[-1], final, atol=templates.scales[-1] / 2 + 1e-7)  # int8 rounding
    assert not np.allclose(frames[0], frames[-1])  # the pictures changed while learning
    restored = TrainingHistory.from_dict(json.loads(json.dumps(result.history.to_dict())))
    assert restored.templates == templates and restored.epoch == [1, 2, 3]
    assert len(json.dumps(templates.to_dict())) < 4 * 16 * 784 * 1.4  # compact: under 1.4 B a weight


def test_on_epoch_receives_validation_metrics(quick_run):
    result, recorder, _ = quick_run
    assert [epoch for epoch, _ in recorder.epochs] == [1, 2, 3]
    for index, (_, logs) in enumerate(recorder.epochs):
        assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(logs)
        assert logs["val_accuracy"] == pytest.approx(result.history.val_accuracy[index])
        assert 0.0 <= logs["val_accuracy"] <= 1.0 and math.isfinite(logs["val_loss"])


def test_on_batch_progress_reports_each_epoch_end(quick_run):
    result, recorder, _ = quick_run
    steps = result.steps_per_epoch
    ends = [(progress.epoch, progress.batch) for progress in recorder.batches if progress.batch == steps]
    assert ends == [(1, steps), (2, steps), (3, steps)]
    last = recorder.batches[-1]
    assert last.fraction == 1.0 and last.eta_seconds == 0.0 and last.step == 3 * steps
    for progress in recorder.batches:
        assert 1 <= progress.batch <= progress.batches == steps and progress.epochs == 3
        assert math.isfinite(progress.loss) and 0.0 <= progress.accuracy <= 1.0
        assert progress.samples_per_second > 0 and progress.eta_seconds >= 0


def test_on_batch_is_throttled(small_mnist, monkeypatch):
    """A clock that reads 0.1 s later at every look: with min_interval 0.25 a report goes out every
    third batch, and at each epoch's last batch (which restarts the count). No real time involved."""
    import mnist_core.training.worker.fit as fit

    readings = iter(range(1, 1_000_000))
    monkeypatch.setattr(fit, "time", SimpleNamespace(perf_counter=lambda: next(readings) / 10))
    (x_train, y_train), _ = small_mnist
    recorder = Recorder()
    config = ModelConfig(hidden_units=(16,), epochs=2, train_size=1000, batch_size=64)  # 15 batches an epoch
    result = train(config, x_train, y_train, on_batch=recorder.on_batch, min_interval=0.25)
    steps = result.steps_per_epoch
    reported = [progress.step for progress in recorder.batches]
    assert {steps, 2 * steps} <= set(reported)  # each epoch's last batch
    for previous, current in zip(reported, reported[1:], strict=False):
        assert current - previous == 3 or (current % steps == 0 and current - previous < 3), reported
    assert len(reported) < 2 * steps / 2


def test_on_batch_without_throttle_sees_every_batch(small_mnist):
    (x_train, y_train), _ = small_mnist
    recorder = Recorder()
    config = ModelConfig(hidden_units=(32,), epochs=1, train_size=1000)
    result = train(config, x_train, y_train, on_batch=recorder.on_batch, min_interval=0.0)
    assert [progress.step for progress in recorder.batches] == list(range(1, result.steps_per_epoch + 1))


def test_augmented_dropout_model_also_learns(small_mnist):
    (x_train, y_train), (x_test, y_test) = small_mnist
    config = ModelConfig(hidden_units=(128,), dropout=0.2, optimizer="adam", schedule="cosine",
                         augment=True, epochs=2)
    result = train(config, x_train, y_train)
    assert result.status == JobStatus.COMPLETED
    assert result.history.loss[1] < result.history.loss[0]
    assert evaluate(DenseNetwork.from_keras_model(result.model), x_test, y_test).accuracy > 0.6


# ---------------------------------------------------------------- seeds and subsets


def test_same_seed_same_result_other_seed_differs(small_mnist):
    (x_train, y_train), (x_test, _) = small_mnist
    config = ModelConfig(hidden_units=(64,), epochs=2, train_size=1500, seed=7)
    first, second = train(config, x_train, y_train), train(config, x_train, y_train)
    other = train(config.replace(seed=8), x_train, y_train)
    assert first.history.batch_loss == second.history.batch_loss
    for weights, again in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(weights, again)
    assert other.history.batch_loss != first.history.batch_loss


def test_train_size_takes_a_subset(small_mnist):
    (x_train, y_train), _ = small_mnist
    result = train(ModelConfig(hidden_units=(16,), epochs=1, train_size=500, batch_size=50), x_train, y_train)
    assert result.steps_per_epoch == 9  # 450 training images after the 10 % validation split


@pytest.mark.parametrize("change, words", [
    (lambda x, y: (x, y[:-1]), "3000 images but 2999 labels"),
    (lambda x, y: (x / 255.0, y), "must be uint8 \\(N, 28, 28\\)"),  # scaled floats would learn nothing
    (lambda x, y: (x.reshape(-1, 784), y), "must be uint8 \\(N, 28, 28\\)"),
    (lambda x, y: (x, np.where(y == 3, 10, y)), "integers 0-9"),  # Keras would fail mid-fit
    (lambda x, y: (x, y.astype(np.float32)), "integers 0-9"),
], ids=["label count", "float images", "flat images", "label 10", "float labels"])
def test_bad_training_data_is_refused_before_fit(small_mnist, change, words):
    (x_train, y_train), _ = small_mnist
    images, labels = change(x_train, y_train)
    with pytest.raises(DatasetError, match=words):
        train(ModelConfig(epochs=1), images, labels)


# ---------------------------------------------------------------- stopping


def test_stop_mid_training_keeps_a_usable_model(small_mnist):
    (x_train, y_train), (x_test, y_test) = small_mnist
    recorder = Recorder()
    result = train(ModelConfig(epochs=5), x_train, y_train, should_stop=stop_after(30),
                   on_epoch=recorder.on_epoch)
    steps = result.steps_per_epoch  # 22: the stop falls in epoch 2
    assert result.status == JobStatus.STOPPED
    assert result.history.batch_step[-1] == 30 < 2 * steps
    assert "during epoch 2 of 5 after 30 batches (1 full epoch)" in outcome_text(result)
    assert "kept and usable" in outcome_text(result)
    assert result.history.epoch == [1, 2]  # Keras validates the partial epoch too
    assert result.history.epoch_end_step == [steps, 30]
    assert [epoch for epoch, _ in recorder.epochs] == [1, 2]
    assert evaluate(DenseNetwork.from_keras_model(result.model), x_test, y_test).accuracy > 0.8


def test_stop_at_an_epoch_boundary(small_mnist):
    (x_train, y_train), _ = small_mnist
    result = train(ModelConfig(hidden_units=(32,), epochs=3), x_train, y_train, should_stop=stop_after(22))
    assert result.status == JobStatus.STOPPED
    assert "after epoch 1 of 3 after 22 batches (1 full epoch)" in outcome_text(result)
    assert result.history.epoch == [1]


# ---------------------------------------------------------------- divergence


@pytest.mark.parametrize("config", [
    ModelConfig(optimizer="sgd", learning_rate=1e3, epochs=2),
    ModelConfig(learning_rate=10, epochs=2),  # an int rate, as a JSON sidecar or widget may give
], ids=["sgd lr 1000", "rmsprop lr 10 (int)"])
def test_diverging_run_stops_with_a_clear_message(small_mnist, config):
    (x_train, y_train), _ = small_mnist
    recorder = Recorder()
    result = train(config, x_train, y_train, on_epoch=recorder.on_epoch)
    assert result.status == JobStatus.DIVERGED
    assert "diverged" in outcome_text(result) and "Lower the learning rate" in outcome_text(result)
    assert len(result.history.batch_loss) < result.steps_per_epoch  # stopped at once, not after 2 epochs
    last = result.history.batch_loss[-1]
    assert not math.isfinite(last) or last > 100
    assert result.history.epoch == [] and recorder.epochs == []
    assert np.isfinite(result.history.templates.frames()).all()  # no NaN pictures recorded


# The lesson on full MNIST (the seed preset reaching 97 % on the 10,000 test images) is checked where
# the app trains it: tests/test_app_home_dataset.py's Fit test, through this same train() in the worker.


@pytest.mark.parametrize("loss", [math.nan, math.inf, 2e3])
def test_a_non_finite_or_huge_loss_diverges_at_that_batch(loss):
    """The callback's check, fed Keras' batch logs directly: NaN (what an overflowing network's
    loss becomes), inf and a loss past DIVERGED_LOSS each stop training at that batch, and the
    unfinished epoch is not recorded."""
    from mnist_core.training.worker.fit import ProgressCallback

    history = TrainingHistory()
    callback = ProgressCallback(history, epochs=2, steps_per_epoch=10, batch_size=32)
    model = SimpleNamespace(stop_training=False)
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_epoch_begin(0)
    callback.on_train_batch_end(0, {"loss": 0.5, "accuracy": 0.2})
    assert not callback.diverged and not model.stop_training
    callback.on_train_batch_end(1, {"loss": loss, "accuracy": 0.1})
    assert callback.diverged and model.stop_training
    assert history.batch_step == [1, 2] and history.batch_loss[0] == 0.5
    callback.on_epoch_end(0, {"loss": loss})
    assert history.epoch == []
