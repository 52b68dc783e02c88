"""The training chart builders, called as plain functions on TrainingHistory objects."""

from __future__ import annotations

import math

import pytest

from mnist_core import TrainingHistory
from mnist_core.charts.training import (
    COMPARISONS,
    MAX_CURVE_POINTS,
    RunCurves,
    batch_curve,
    comparison_figure,
    curve_figure,
    finite_or_none,
    fitted_accuracy_range,
    per_batch_values,
    smoothed,
    thin,
    update_curve_figure,
)


def history_of(epochs: int, steps_per_epoch: int, val_offset: float = 0.01) -> TrainingHistory:
    """A run of ``epochs`` epochs of ``steps_per_epoch`` batches with falling loss."""
    history = TrainingHistory()
    for step in range(1, epochs * steps_per_epoch + 1):
        history.batch_step.append(step)
        history.batch_loss.append(2.3 / step)
        history.batch_accuracy.append(1 - 0.9 / step)
    for epoch in range(1, epochs + 1):
        history.epoch.append(epoch)
        history.epoch_end_step.append(epoch * steps_per_epoch)
        history.loss.append(2.3 / (epoch * steps_per_epoch))
        history.accuracy.append(1 - 0.9 / (epoch * steps_per_epoch))
        history.val_loss.append(2.3 / (epoch * steps_per_epoch) + val_offset)
        history.val_accuracy.append(1 - 0.9 / (epoch * steps_per_epoch) - val_offset)
    return history


def test_loss_figure_has_batch_curve_and_epoch_points_on_an_epoch_axis():
    history = history_of(epochs=3, steps_per_epoch=10)
    figure = curve_figure(history, "loss", steps_per_epoch=10)
    names = ["Train, per batch (smoothed)", "Train, epoch", "Validation, epoch"]
    assert [trace.name for trace in figure.data] == names
    batch, train, validation = figure.data
    assert batch.mode == "lines" and "markers" in train.mode and "markers" in validation.mode
    assert batch.x[0] == pytest.approx(0.1) and batch.x[-1] == pytest.approx(3.0)
    expected = smoothed(per_batch_values(history.batch_step, history.batch_loss, 10))
    assert list(batch.y) == pytest.approx(expected)
    assert list(train.x) == [1, 2, 3] and list(train.y) == pytest.approx(history.loss)
    assert list(validation.y) == pytest.approx(history.val_loss)
    assert figure.layout.xaxis.title.text == "Epoch"
    assert figure.layout.yaxis.title.text == "Loss (cross-entropy)"


def test_accuracy_figure_uses_percent_axis_and_validation_values():
    history = history_of(epochs=2, steps_per_epoch=5)
    figure = curve_figure(history, "accuracy", steps_per_epoch=5, planned_epochs=8)
    assert figure.layout.yaxis.title.text == "Accuracy"
    assert figure.layout.yaxis.tickformat == ".1~%"
    assert list(figure.data[0].y) == pytest.approx(
        smoothed(per_batch_values(history.batch_step, history.batch_accuracy, 5))
    )
    assert list(figure.data[2].y) == pytest.approx(history.val_accuracy)
    # The planned run fixes the x range, so a live chart fills in instead of rescaling.
    assert figure.layout.xaxis.range[0] == 0 and figure.layout.xaxis.range[1] >= 8


def test_empty_history_gives_empty_traces_that_update_in_place():
    history = TrainingHistory()
    figure = curve_figure(history, "loss", steps_per_epoch=4, planned_epochs=2)
    assert all(len(trace.x or ()) == 0 for trace in figure.data)
    grown = history_of(epochs=2, steps_per_epoch=4)
    same = update_curve_figure(figure, grown, "loss", steps_per_epoch=4)
    assert same is figure
    fresh = curve_figure(grown, "loss", steps_per_epoch=4, planned_epochs=2)
    assert figure.to_plotly_json() == fresh.to_plotly_json()


def test_an_epoch_cut_short_sits_where_it_ended():
    history = history_of(epochs=2, steps_per_epoch=10)
    history.epoch.append(3)  # stopped after 4 batches of epoch 3: Keras still ends the epoch
    history.epoch_end_step.append(24)
    for field in ("loss", "accuracy", "val_loss", "val_accuracy"):
        getattr(history, field).append(0.5)
    figure = curve_figure(history, "accuracy", steps_per_epoch=10)
    assert list(figure.data[1].x) == pytest.approx([1.0, 2.0, 2.4])
    assert list(figure.data[2].x) == pytest.approx([1.0, 2.0, 2.4])
    comparison = comparison_figure([RunCurves("Run 1", history, 10)], "Validation accuracy")
    assert list(comparison.data[0].x) == pytest.approx([1.0, 2.0, 2.4])


def test_non_finite_values_become_gaps():
    history = history_of(epochs=2, steps_per_epoch=3)
    history.batch_loss[4] = math.nan
    history.val_loss[1] = math.inf
    figure = curve_figure(history, "loss", steps_per_epoch=3)
    assert figure.data[0].y[4] is None
    assert figure.data[2].y[1] is None
    assert finite_or_none([1.0, math.nan, -math.inf, None]) == [1.0, None, None, None]


def test_long_runs_are_thinned_but_keep_both_ends():
    history = history_of(epochs=20, steps_per_epoch=469)
    xs, ys = batch_curve(history, "batch_loss", steps_per_epoch=469)
    assert len(xs) <= MAX_CURVE_POINTS + 1
    assert xs[0] == pytest.approx(1 / 469) and xs[-1] == pytest.approx(20.0)
    expected = smoothed(per_batch_values(history.batch_step, history.batch_loss, 469))
    assert ys[-1] == pytest.approx(expected[-1])
    figure = curve_figure(history, "loss", steps_per_epoch=469)
    assert len(figure.data[0].x) == len(xs)
    assert list(figure.data[1].x) == list(range(1, 21))  # epoch points are never thinned


def test_thin_and_its_errors():
    xs, ys = thin(list(range(10)), list(range(10)), max_points=20)
    assert xs == list(range(10))
    xs, ys = thin(list(range(1000)), [2 * value for value in range(1000)], max_points=100)
    assert len(xs) <= 101 and xs[0] == 0 and xs[-1] == 999 and ys == [2 * value for value in xs]
    with pytest.raises(ValueError):
        thin([1, 2], [1], max_points=10)
    with pytest.raises(ValueError):
        thin([1, 2], [1, 2], max_points=1)
    with pytest.raises(ValueError):
        curve_figure(TrainingHistory(), "precision", steps_per_epoch=3)
    with pytest.raises(ValueError):
        curve_figure(history_of(1, 3), "loss", steps_per_epoch=0)


@pytest.mark.parametrize("comparison", list(COMPARISONS))
def test_comparison_draws_one_named_trace_per_run(comparison):
    runs = [
        RunCurves("Run 1", history_of(epochs=3, steps_per_epoch=10), 10),
        RunCurves("Run 2", history_of(epochs=5, steps_per_epoch=4, val_offset=0.02), 4),
    ]
    figure = comparison_figure(runs, comparison)
    assert [trace.name for trace in figure.data] == ["Run 1", "Run 2"]
    assert figure.layout.xaxis.title.text == "Epoch"
    metric, curve = COMPARISONS[comparison]
    if curve == "validation":
        assert figure.layout.yaxis.title.text == comparison
        assert list(figure.data[1].x) == [1, 2, 3, 4, 5]
        expected = runs[1].history.val_accuracy if metric == "accuracy" else runs[1].history.val_loss
        assert list(figure.data[1].y) == pytest.approx(expected)
    else:
        # Runs with different batch counts line up on the epoch axis.
        assert figure.data[0].x[-1] == pytest.approx(3.0) and figure.data[1].x[-1] == pytest.approx(5.0)
        assert figure.data[1].x[0] == pytest.approx(0.25)
    if metric == "accuracy":
        assert figure.layout.yaxis.tickformat == ".1~%"


def test_comparison_rejects_unknown_curve():
    with pytest.raises(ValueError, match="Unknown comparison"):
        comparison_figure([], "Test accuracy")


def test_per_batch_values_undo_keras_running_means_so_the_curve_does_not_drop_at_epoch_ends():
    """Keras logs the epoch's running mean, which restarts at each epoch: the raw curve drops."""
    own = [2.0, 1.0, 0.6, 0.5, 0.45, 0.4]  # each batch's own loss, 3 batches per epoch
    running = [2.0, 1.5, 3.6 / 3, 0.5, 0.475, 1.35 / 3]
    assert per_batch_values([1, 2, 3, 4, 5, 6], running, 3) == pytest.approx(own)
    curve = smoothed(per_batch_values([1, 2, 3, 4, 5, 6], running, 3), span=3)
    assert all(later < earlier for earlier, later in zip(curve, curve[1:], strict=False))  # no jump


@pytest.mark.parametrize(("zoom", "expected"), [(False, [0.0, 1.0]), (True, [0.96, 1.0])])
def test_accuracy_axis_is_whole_or_zoomed_to_the_interesting_range(zoom, expected):
    figure = curve_figure(history_of(epochs=2, steps_per_epoch=5), "accuracy", 5, zoom=zoom)
    assert list(figure.layout.yaxis.range) == expected


def test_a_diverged_run_never_gets_a_negative_accuracy_axis():
    history = history_of(epochs=1, steps_per_epoch=3)
    history.batch_loss[:] = [2.3, 1e6, math.nan]
    history.batch_accuracy[:] = [0.1, math.nan, math.nan]
    history.epoch[:] = history.loss[:] = history.accuracy[:] = []
    history.val_loss[:] = history.val_accuracy[:] = history.epoch_end_step[:] = []
    figure = curve_figure(history, "accuracy", 3)
    assert list(figure.layout.yaxis.range) == [0.0, 1.0]


def test_accuracy_comparisons_zoom_to_their_values():
    """Runs at 98.03 % and 96.83 % are a good part of the chart apart, not 3 px on a 0-100 % axis."""
    runs = [
        RunCurves("Run 1", history_of(epochs=2, steps_per_epoch=4), 4),
        RunCurves("Run 2", history_of(epochs=2, steps_per_epoch=4), 4),
    ]
    runs[0].history.val_accuracy[:] = [0.9712, 0.9803]
    runs[1].history.val_accuracy[:] = [0.9590, 0.9683]
    low, high = comparison_figure(runs, "Validation accuracy").layout.yaxis.range
    assert 0.94 < low < 0.959 and 0.9803 < high < 1.0
    assert (0.9803 - 0.9683) / (high - low) > 0.4  # the two final values 40 % of the axis apart or more
    assert fitted_accuracy_range([0.995, 1.0]) == pytest.approx((0.991, 1.001))  # never far past 100 %
    assert fitted_accuracy_range([0.0, 0.001])[0] == 0.0 and fitted_accuracy_range([]) == (0.0, 1.0)
    assert fitted_accuracy_range([0.5]) == pytest.approx((0.495, 0.505))
