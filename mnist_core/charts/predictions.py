"""Plotly figures for the Predictions page: the confusion matrix, the clickable digit grid
and one image's probabilities; and what a click on them selected.

Plain functions returning ``go.Figure`` (no Streamlit, no inference). Building a figure
costs tens of milliseconds (Plotly validates every property): build a model's figures once,
and add an outline to a copy (``outlined``). ``clicked_customdata`` reads the selection
Streamlit reports for a click, once, for both the matrix and the grid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from mnist_core.charts.gallery import png_data_url
from mnist_core.config import (
    ACCENT_COLOUR,
    MUTED_COLOUR,
    RIGHT_COLOUR,
    RIGHT_PALE_COLOUR,
    TEXT_COLOUR,
    WRONG_COLOUR,
    WRONG_PALE_COLOUR,
)

DIGITS = list(range(10))
TRUE_COLOUR = ACCENT_COLOUR  # the true digit when it was missed
OTHER_COLOUR = MUTED_COLOUR
HIGHLIGHT_COLOUR = TEXT_COLOUR
# Each cell prints its count in TEXT_COLOUR (4.5:1 on every colour of both scales); the scales end in
# RIGHT_COLOUR and WRONG_COLOUR, which keep 3:1 on the matrix's white.
RIGHT_SCALE = [[0.0, RIGHT_PALE_COLOUR], [1.0, RIGHT_COLOUR]]
WRONG_SCALE = [[0.0, "#FFFFFF"], [0.15, WRONG_PALE_COLOUR], [1.0, WRONG_COLOUR]]
CELL_HOVER = (
    "True <b>%{y}</b>, predicted <b>%{x}</b>: %{customdata[2]:,} images<br>Click to show them<extra></extra>"
)


def confusion_figure(confusion: np.ndarray, highlight: tuple[int, int] | None = None) -> go.Figure:
    """Heat-map of int (10, 10) counts, rows = true digit (top to bottom), columns = predicted.

    The diagonal (right answers) is shaded green and the mistakes red on their own scale,
    so that a handful of confusions are visible next to ~1,000 right answers. Every non-zero
    cell shows its count. A transparent square marker per cell is the clickable layer (Plotly
    heat-maps report no selection); its ``customdata`` is [true, predicted, count].
    ``highlight`` = (true, predicted) outlines that cell.
    """
    matrix = _check_confusion(confusion)
    diagonal = np.eye(10, dtype=bool)
    right = np.where(diagonal, matrix, np.nan)
    wrong = np.where(diagonal, np.nan, matrix)
    wrong_max = max(1.0, float(np.nanmax(wrong)))
    figure = go.Figure(
        [
            _heatmap(right, "Right", RIGHT_SCALE, 0.0, max(1.0, float(np.nanmax(right)))),
            _heatmap(wrong, "Wrong", WRONG_SCALE, 0.0, wrong_max),
            _click_layer(matrix),
        ]
    )
    figure.update_layout(
        xaxis=dict(
            title="Predicted digit",
            tickmode="array",
            tickvals=DIGITS,
            side="top",
            showgrid=False,
            zeroline=False,
            constrain="domain",
        ),
        yaxis=dict(
            title="True digit",
            tickmode="array",
            tickvals=DIGITS,
            autorange="reversed",
            showgrid=False,
            zeroline=False,
            scaleanchor="x",
            constrain="domain",
        ),
        clickmode="event+select",
        dragmode=False,
        margin=dict(l=10, r=10, t=10, b=10),
        height=480,
        plot_bgcolor="white",
        showlegend=False,
    )
    return figure if highlight is None else outlined_cell(figure, highlight)


def outlined_cell(figure: go.Figure, cell: tuple[int, int]) -> go.Figure:
    """A copy of a ``confusion_figure`` with the (true, predicted) cell outlined."""
    true_digit, predicted_digit = cell
    box = predicted_digit - 0.5, true_digit - 0.5, predicted_digit + 0.5, true_digit + 0.5
    return outlined(figure, box, HIGHLIGHT_COLOUR, 3)


def outlined(figure: go.Figure, box: tuple[float, ...], colour: str, width: float) -> go.Figure:
    """A copy of ``figure`` with a rectangle (left, top, right, bottom, in axis units) drawn
    over it; ``figure`` itself is not changed (it may be a cached, shared one)."""
    left, top, right, bottom = box
    copy = go.Figure(figure)
    copy.add_shape(type="rect", x0=left, x1=right, y0=top, y1=bottom, layer="above",
                   line=dict(color=colour, width=width))
    return copy


def _check_confusion(confusion: np.ndarray) -> np.ndarray:
    matrix = np.asarray(confusion)
    if matrix.shape != (10, 10):
        raise ValueError(f"Expected a (10, 10) confusion matrix, got shape {matrix.shape}.")
    return matrix.astype(np.float64)


def _heatmap(z: np.ndarray, name: str, scale: list, low: float, high: float) -> go.Heatmap:
    return go.Heatmap(
        z=z,
        x=DIGITS,
        y=DIGITS,
        name=name,
        colorscale=scale,
        zmin=low,
        zmax=high,
        showscale=False,  # every cell shows its count; a colour bar would only take room
        text=[["" if np.isnan(value) or value == 0 else f"{value:.0f}" for value in row] for row in z],
        texttemplate="%{text}",
        textfont=dict(size=12, color=TEXT_COLOUR),
        hoverinfo="skip",
        xgap=1,
        ygap=1,
    )


def _click_layer(matrix: np.ndarray) -> go.Scatter:
    true_digits, predicted_digits = np.divmod(np.arange(100), 10)
    counts = matrix[true_digits, predicted_digits].astype(np.int64)
    return go.Scatter(
        x=predicted_digits,
        y=true_digits,
        mode="markers",
        name="cells",
        customdata=np.column_stack([true_digits, predicted_digits, counts]).tolist(),
        marker=dict(symbol="square", size=34, color="rgba(0,0,0,0)", opacity=0.01),
        selected=dict(marker=dict(opacity=0.01)),
        unselected=dict(marker=dict(opacity=0.01)),
        hovertemplate=CELL_HOVER,
    )


def cell_from_selection(selection: Mapping | None) -> tuple[int, int] | None:
    """(true, predicted) of the clicked confusion-matrix cell, or None when nothing is selected.

    ``selection`` is ``st.plotly_chart(..., on_select=...)``'s ``selection``: a mapping with
    ``points``, each a dict with ``x`` (predicted digit) and ``y`` (true digit), and from the
    click layer ``customdata`` [true, predicted, count] (a list, or a dict keyed "0", "1", …
    when Plotly sent it as a typed array). The last point wins; out-of-range points are ignored.
    """
    for point in reversed((selection or {}).get("points") or []):
        customdata = _customdata(point)
        if customdata is not None and len(customdata) >= 2:
            cell = int(customdata[0]), int(customdata[1])
        elif point.get("x") is not None and point.get("y") is not None:
            cell = int(round(float(point["y"]))), int(round(float(point["x"])))
        else:
            continue
        if all(0 <= digit <= 9 for digit in cell):
            return cell
    return None


def clicked_customdata(selection: Mapping | None) -> list | None:
    """The ``customdata`` of the last selected point that has one, as a list, or None.

    ``selection`` is ``st.plotly_chart(..., on_select=...)``'s ``selection``: a mapping with
    ``points``; a point's ``customdata`` is a list, or a dict keyed "0", "1", ... when
    Plotly sent it as a typed array.
    """
    for point in reversed((selection or {}).get("points") or []):
        customdata = _customdata(point)
        if customdata is not None:
            return customdata
    return None


def _customdata(point: Mapping) -> list | None:
    customdata = point.get("customdata")
    if isinstance(customdata, Mapping):
        return [customdata[key] for key in sorted(customdata, key=int)]
    return list(customdata) if customdata is not None else None


def probability_figure(probabilities: np.ndarray, label: int | None = None) -> go.Figure:
    """Bars of one image's 10-class probabilities, float (10,), with a 0-100 % axis.

    The predicted digit's bar is green when it equals ``label`` and red otherwise; a
    missed true digit is drawn in the app's indigo. Each bar is labelled with its percentage.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.shape != (10,):
        raise ValueError(f"Expected 10 probabilities, got shape {probabilities.shape}.")
    predicted = int(probabilities.argmax())
    colours = [OTHER_COLOUR] * 10
    if label is not None and label != predicted:
        colours[int(label)] = TRUE_COLOUR
    colours[predicted] = RIGHT_COLOUR if label is None or label == predicted else WRONG_COLOUR
    figure = go.Figure(
        go.Bar(
            x=DIGITS,
            y=probabilities,
            marker_color=colours,
            name="probability",
            text=[f"{value:.1%}" if value >= 0.001 else "" for value in probabilities],
            textposition="outside",
            textfont=dict(size=12),  # readable on a projector: never shrunk to the bar's width
            constraintext="none",
            cliponaxis=False,
            hovertemplate="Digit %{x}: %{y:.2%}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis=dict(title="Digit", tickmode="array", tickvals=DIGITS),
        yaxis=dict(title="Probability", range=[0, 1.12], tickformat=".0%"),
        margin=dict(l=10, r=10, t=20, b=10),
        height=280,
        showlegend=False,
        bargap=0.25,
    )
    return figure


def grid_figure(
    grid: np.ndarray,
    centres: tuple[np.ndarray, np.ndarray],
    indices: Sequence[int],
    hover: Sequence[str],
    highlight: tuple[float, float, float, float] | None = None,
    height: int | None = None,
) -> go.Figure:
    """The composed digit grid, uint8 (H, W, 3), as a clickable Plotly picture.

    The picture travels once as a PNG (``go.Image`` source), not as numbers. Over it a
    transparent marker per tile, at ``centres`` (x, y pixel arrays), carries the tile's test
    index in ``customdata`` and its ``hover`` text; a click anywhere on a tile selects its
    nearest marker. ``highlight`` = (left, top, right, bottom) pixels outlines the inspected tile.
    """
    grid = np.asarray(grid)
    if grid.ndim != 3 or grid.shape[2] != 3 or grid.dtype != np.uint8:
        raise ValueError(f"Expected a uint8 (H, W, 3) picture, got {grid.dtype} {grid.shape}.")
    x, y = (np.asarray(values, dtype=np.float64) for values in centres)
    if not len(x) == len(y) == len(indices) == len(hover):
        raise ValueError("centres, indices and hover must have one entry per tile.")
    rows_height, width = grid.shape[:2]
    figure = go.Figure(
        [
            go.Image(source=png_data_url(grid), x0=0, y0=0, dx=1, dy=1, hoverinfo="skip", name="grid"),
            go.Scatter(
                x=x.tolist(),
                y=y.tolist(),
                mode="markers",
                name="tiles",
                customdata=[[int(index)] for index in indices],
                hovertext=list(hover),
                hovertemplate="%{hovertext}<extra></extra>",
                marker=dict(symbol="square", size=40, color="rgba(0,0,0,0)", opacity=0.01),
                selected=dict(marker=dict(opacity=0.01)),
                unselected=dict(marker=dict(opacity=0.01)),
            ),
        ]
    )
    figure.update_layout(
        xaxis=dict(visible=False, range=[0, width], constrain="domain"),
        yaxis=dict(visible=False, range=[rows_height, 0], scaleanchor="x", constrain="domain"),
        margin=dict(l=0, r=0, t=0, b=0),
        height=height or max(160, round(rows_height * 0.8)),
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
        hoverdistance=80,
        showlegend=False,
        plot_bgcolor="white",
    )
    if highlight is not None:
        return outlined_tile(figure, highlight)
    return figure


def outlined_tile(figure: go.Figure, box: tuple[int, int, int, int]) -> go.Figure:
    """A copy of a ``grid_figure`` with the tile at ``box`` (left, top, right, bottom pixels,
    as ``gallery.tile_box``) outlined in indigo."""
    left, top, right, bottom = box
    return outlined(figure, (left - 2, top - 2, right + 2, bottom + 2), TRUE_COLOUR, 4)


def index_from_selection(selection: Mapping | None) -> int | None:
    """The test index of the clicked grid tile (its marker's ``customdata[0]``), or None."""
    customdata = clicked_customdata(selection)
    return int(customdata[0]) if customdata else None
