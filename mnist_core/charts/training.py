"""Plotly figures of training curves: one run's live loss and accuracy, and several runs compared.

Plain functions of ``TrainingHistory`` lists, returning ``go.Figure``; no Streamlit here.
The x axis is always in epochs: batch ``step`` s of a run with ``steps_per_epoch`` batches
per epoch sits at ``s / steps_per_epoch``, so the per-batch curve, the per-epoch points and
runs with different batch sizes line up.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from mnist_core.config import ACCENT_COLOUR, ACCENT_LIGHT_COLOUR, CATEGORY_COLOURS, CONTRAST_COLOUR
from mnist_core.training.record import TrainingHistory

SMOOTHING_BATCHES = 20  # span of the exponential moving average of the per-batch curves
ACCURACY_RANGE, ZOOMED_ACCURACY_RANGE = (0.0, 1.0), (0.96, 1.0)  # accuracy axis, whole and zoomed
# Where accuracies are compared the axis fits the values: padded by this share of their spread, at
# least MIN_ACCURACY_SPAN wide, so 96.83 % and 98.03 % are a third of the chart apart, not 3 px.
ACCURACY_PADDING, MIN_ACCURACY_SPAN = 0.15, 0.01
MAX_CURVE_POINTS = 400  # per-batch curves are thinned to this many points (bounded cost per redraw)
BATCH_COLOR = ACCENT_LIGHT_COLOUR  # the noisy per-batch curve
TRAIN_COLOR = ACCENT_COLOUR  # train, per epoch
VALIDATION_COLOR = CONTRAST_COLOUR  # validation, per epoch
RUN_COLORS = CATEGORY_COLOURS  # one per run


@dataclass(frozen=True)
class Metric:
    """One measured quantity and where a ``TrainingHistory`` keeps it."""

    title: str  # axis title
    batch_field: str  # per-batch running mean
    epoch_field: str  # train, per epoch
    validation_field: str  # validation, per epoch
    percent: bool  # show as a percentage


METRICS = {
    "loss": Metric("Loss (cross-entropy)", "batch_loss", "loss", "val_loss", percent=False),
    "accuracy": Metric("Accuracy", "batch_accuracy", "accuracy", "val_accuracy", percent=True),
}

# What the comparison chart can plot: label -> (metric, which curve).
COMPARISONS = {
    "Validation accuracy": ("accuracy", "validation"),
    "Validation loss": ("loss", "validation"),
    "Train accuracy (per batch)": ("accuracy", "batch"),
    "Train loss (per batch)": ("loss", "batch"),
}


@dataclass(frozen=True)
class RunCurves:
    """What the comparison chart needs of one run."""

    name: str
    history: TrainingHistory
    steps_per_epoch: int


def finite_or_none(values: Sequence[float]) -> list[float | None]:
    """Floats with NaN and infinities replaced by None, which Plotly draws as a gap."""
    return [value if value is not None and math.isfinite(value) else None for value in values]


def thin(xs: Sequence[float], ys: Sequence[float], max_points: int = MAX_CURVE_POINTS):
    """Every k-th point (and always the last) so at most about ``max_points`` remain."""
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} x values but {len(ys)} y values.")
    keep = _thinned_indices(len(xs), max_points)
    return [xs[index] for index in keep], [ys[index] for index in keep]


def _thinned_indices(count: int, max_points: int) -> range | list[int]:
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}.")
    if count <= max_points:
        return range(count)
    keep = list(range(0, count, math.ceil(count / (max_points - 1))))
    return keep if keep[-1] == count - 1 else [*keep, count - 1]


def in_epochs(steps: Sequence[int], steps_per_epoch: int) -> list[float]:
    """Batch steps (1-based over the run) as fractional epochs."""
    if steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be at least 1, got {steps_per_epoch}.")
    return [step / steps_per_epoch for step in steps]


def epoch_positions(history: TrainingHistory, steps_per_epoch: int) -> list[float]:
    """Where each recorded epoch ended, in epochs: 1, 2, 3… or e.g. 2.4 for an epoch cut short."""
    if len(history.epoch_end_step) == len(history.epoch):
        return in_epochs(history.epoch_end_step, steps_per_epoch)
    return [float(epoch) for epoch in history.epoch]


def per_batch_values(
    steps: Sequence[int], running_means: Sequence[float], steps_per_epoch: int
) -> list[float]:
    """Each batch's own value from Keras' running means, which restart at every epoch.

    Keras logs the mean over the epoch so far: after batch b of an epoch, m_b. The value of
    batch b alone is b * m_b - (b - 1) * m_(b-1). ``steps`` count batches from 1 over the run.
    """
    if steps_per_epoch < 1:
        raise ValueError(f"steps_per_epoch must be at least 1, got {steps_per_epoch}.")
    values = []
    for index, (step, mean) in enumerate(zip(steps, running_means, strict=False)):
        position = (step - 1) % steps_per_epoch + 1
        previous = running_means[index - 1] if index else math.nan
        if position == 1 or index == 0 or steps[index - 1] != step - 1:
            values.append(mean)
        else:
            values.append(position * mean - (position - 1) * previous)
    return values


def smoothed(values: Sequence[float], span: int = SMOOTHING_BATCHES) -> list[float]:
    """Exponential moving average over ``span`` batches, bias-corrected, never reset.

    Non-finite values pass through as they are (a diverged loss stays visible as a gap).
    """
    alpha, average, weight, out = 2 / (span + 1), 0.0, 0.0, []
    for value in values:
        if value is None or not math.isfinite(value):
            out.append(value)
            continue
        average = (1 - alpha) * average + alpha * value
        weight = (1 - alpha) * weight + alpha
        out.append(average / weight)
    return out


def batch_curve(history: TrainingHistory, field: str, steps_per_epoch: int) -> tuple[list, list]:
    """A smoothed per-batch curve as (fractional epochs, values), thinned to ``MAX_CURVE_POINTS``.

    The values are each batch's own loss or accuracy (recovered from Keras' running means,
    which drop at every epoch boundary), averaged over about ``SMOOTHING_BATCHES`` batches.
    """
    count = min(len(history.batch_step), len(getattr(history, field)))
    steps = history.batch_step[:count]
    values = smoothed(per_batch_values(steps, getattr(history, field)[:count], steps_per_epoch))
    keep = _thinned_indices(count, MAX_CURVE_POINTS)
    return (
        in_epochs([steps[index] for index in keep], steps_per_epoch),
        finite_or_none([values[index] for index in keep]),
    )


def curve_figure(
    history: TrainingHistory,
    metric: str,
    steps_per_epoch: int,
    planned_epochs: int | None = None,
    height: int = 320,
    zoom: bool = False,
) -> go.Figure:
    """Loss or accuracy of one run: per-batch curve plus per-epoch train and validation points.

    ``metric`` is 'loss' or 'accuracy'. With ``planned_epochs`` the x axis spans the whole
    run from the start, so a live chart fills in rather than rescaling. Building the figure
    costs tens of milliseconds; a live chart builds it once and then calls
    ``update_curve_figure`` (about a millisecond). The accuracy axis spans 0-100 %, or
    96-100 % with ``zoom``.
    """
    spec = _metric(metric)
    number = _number_format(spec)
    figure = go.Figure(
        [
            go.Scatter(
                mode="lines", name="Train, per batch (smoothed)", line={"color": BATCH_COLOR, "width": 1.5},
                hovertemplate="epoch %{x:.2f}: %{y" + number + "}<extra>batch</extra>",
            ),
            _epoch_trace("Train, epoch", TRAIN_COLOR, number),
            _epoch_trace("Validation, epoch", VALIDATION_COLOR, number),
        ]
    )
    _style(figure, spec, height)
    if spec.percent:
        figure.update_yaxes(range=list(ZOOMED_ACCURACY_RANGE if zoom else ACCURACY_RANGE))
    if planned_epochs:
        figure.update_xaxes(range=[0, planned_epochs * 1.02])
    return update_curve_figure(figure, history, metric, steps_per_epoch)


def update_curve_figure(
    figure: go.Figure, history: TrainingHistory, metric: str, steps_per_epoch: int
) -> go.Figure:
    """Put ``history``'s current values into a figure made by ``curve_figure`` (in place)."""
    spec = _metric(metric)
    batch_x, batch_y = batch_curve(history, spec.batch_field, steps_per_epoch)
    epochs = epoch_positions(history, steps_per_epoch)
    with figure.batch_update():
        figure.data[0].update(x=batch_x, y=batch_y)
        figure.data[1].update(x=epochs, y=finite_or_none(getattr(history, spec.epoch_field)))
        figure.data[2].update(x=epochs, y=finite_or_none(getattr(history, spec.validation_field)))
    return figure


def comparison_figure(runs: Sequence[RunCurves], comparison: str, height: int = 380) -> go.Figure:
    """Several runs' curves on one chart; ``comparison`` is a key of ``COMPARISONS``."""
    if comparison not in COMPARISONS:
        raise ValueError(f"Unknown comparison {comparison!r}; choose one of {', '.join(COMPARISONS)}.")
    metric, curve = COMPARISONS[comparison]
    spec = METRICS[metric]
    figure = go.Figure()
    for index, run in enumerate(runs):
        color = RUN_COLORS[index % len(RUN_COLORS)]
        if curve == "batch":
            xs, ys = batch_curve(run.history, spec.batch_field, run.steps_per_epoch)
            trace = go.Scatter(x=xs, y=ys, mode="lines", line={"color": color, "width": 1.5})
        else:
            trace = go.Scatter(
                x=epoch_positions(run.history, run.steps_per_epoch),
                y=finite_or_none(getattr(run.history, spec.validation_field)),
                mode="lines+markers", line={"color": color, "width": 2}, marker={"size": 7},
            )
        trace.update(
            name=run.name,
            hovertemplate=f"{run.name}<br>epoch %{{x:.2f}}: %{{y{_number_format(spec)}}}<extra></extra>",
        )
        figure.add_trace(trace)
    _style(figure, spec, height)
    if spec.percent:
        figure.update_yaxes(range=list(fitted_accuracy_range(
            [value for trace in figure.data for value in trace.y if value is not None])))
    figure.update_yaxes(title_text=comparison if curve == "validation" else spec.title)
    return figure


def fitted_accuracy_range(values: Sequence[float]) -> tuple[float, float]:
    """An accuracy axis that fits ``values`` (fractions in [0, 1]): their spread plus
    ``ACCURACY_PADDING`` of it on each side, at least ``MIN_ACCURACY_SPAN`` wide, within 0-100 %
    (a hair above 100 % so a point there is not cut in half). ``ACCURACY_RANGE`` with no values."""
    if not values:
        return ACCURACY_RANGE
    low, high = min(values), max(values)
    padding = max(ACCURACY_PADDING * (high - low), (MIN_ACCURACY_SPAN - (high - low)) / 2, 0.0)
    top = min(high + padding, 1.0 + MIN_ACCURACY_SPAN / 10)
    bottom = max(0.0, min(low - padding, top - MIN_ACCURACY_SPAN))
    return bottom, top


def _metric(metric: str) -> Metric:
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose one of {', '.join(METRICS)}.")
    return METRICS[metric]


def _number_format(spec: Metric) -> str:
    return ":.2%" if spec.percent else ":.4f"


def _epoch_trace(name: str, color: str, number: str) -> go.Scatter:
    return go.Scatter(
        mode="lines+markers", name=name, line={"color": color, "width": 2},
        marker={"size": 8, "color": color, "line": {"width": 1, "color": "white"}},
        hovertemplate="epoch %{x:.2~f}: %{y" + number + "}<extra>" + name + "</extra>",
    )


def _style(figure: go.Figure, spec: Metric, height: int) -> None:
    figure.update_layout(
        template="none",  # Streamlit's theme styles the chart; Plotly's default template is 10 kB per redraw
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0},
        hovermode="closest",
        uirevision="keep",  # keep the user's zoom while the chart updates
    )
    figure.update_xaxes(title_text="Epoch", rangemode="tozero", zeroline=False)
    figure.update_yaxes(
        title_text=spec.title, tickformat=".1~%" if spec.percent else None,
        rangemode="normal" if spec.percent else "tozero",
    )
