"""Plotly figures for the Inside-the-network page (plain functions, no Streamlit).

Heat-maps report no click selection in Plotly, so every clickable picture here carries a
transparent marker layer whose ``customdata`` is the unit or image index;
``index_from_selection`` reads it back from what ``st.plotly_chart(on_select=...)`` returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from mnist_core.config import (
    ACCENT_COLOUR,
    AXIS_COLOUR,
    CATEGORY_COLOURS,
    CONTRAST_COLOUR,
    MUTED_COLOUR,
    TEXT_COLOUR,
)

DIVERGING = "RdBu_r"  # blue negative, white 0, red positive
DIGIT_COLOURS = CATEGORY_COLOURS  # one per digit, opaque: each keeps 3:1 on the map's white
SELECTED_COLOUR = TEXT_COLOUR
BLANK_AXIS = dict(showticklabels=False, showgrid=False, zeroline=False, ticks="")


def grid_shape(units: int) -> tuple[int, int]:
    """(rows, columns) of the heat-map grid for a layer: 512 -> (16, 32), 128 -> (8, 16)."""
    if units < 1:
        raise ValueError(f"A layer has at least one unit, got {units}.")
    columns = int(np.ceil(np.sqrt(2 * units)))
    return int(np.ceil(units / columns)), columns


def as_grid(values: np.ndarray) -> np.ndarray:
    """Per-unit values (units,) laid out row by row as float32 (rows, columns), NaN-padded.
    Unit ``u`` sits at row ``u // columns``, column ``u % columns``."""
    values = np.asarray(values, dtype="float32").ravel()
    rows, columns = grid_shape(values.size)
    grid = np.full(rows * columns, np.nan, "float32")
    grid[: values.size] = values
    return grid.reshape(rows, columns)


def _square_layout(
    figure: go.Figure, height: int, reversed_y: bool = True, title: str | None = None,
    x_range: Sequence[float] | None = None, y_range: Sequence[float] | None = None,
) -> go.Figure:
    """Blank square axes, clicks select, one ``update_layout`` call (each of Plotly's update
    calls validates its paths: three of them cost more than building the traces)."""
    xaxis = dict(**BLANK_AXIS, constrain="domain")
    yaxis = dict(**BLANK_AXIS, scaleanchor="x", constrain="domain",
                 autorange="reversed" if reversed_y else True)
    if x_range is not None:
        xaxis.update(range=list(x_range), autorange=False)
    if y_range is not None:
        yaxis.update(range=list(y_range), autorange=False)
    extra = {} if title is None else {"title": dict(text=title, font=dict(size=13))}
    figure.update_layout(height=height, margin=dict(l=4, r=4, t=24, b=4), dragmode=False,
                         clickmode="event+select", plot_bgcolor="white", xaxis=xaxis, yaxis=yaxis, **extra)
    return figure


def activation_figure(values: np.ndarray, selected: int | None, title: str) -> go.Figure:
    """A layer's activations float (units,) as a grid (``grid_shape``), clickable:
    the marker layer's ``customdata`` is the unit index. ``selected`` is outlined."""
    values = np.asarray(values, dtype="float32")
    grid = as_grid(values)
    _, columns = grid_shape(values.size)
    rows_of, columns_of = np.divmod(np.arange(values.size), columns)
    peak = max(float(np.nanmax(np.abs(values))), 1e-6)
    negative = bool((values < 0).any())
    figure = go.Figure(go.Heatmap(
        z=grid, colorscale=DIVERGING if negative else "Blues", zmin=-peak if negative else 0, zmax=peak,
        colorbar=dict(thickness=10, len=0.9), hoverinfo="skip",
    ))
    figure.add_trace(go.Scatter(
        x=columns_of, y=rows_of, mode="markers", name="units", customdata=np.arange(values.size),
        # the activation rides in marker.color: a flat array, cheaper for Plotly to take than 2-D customdata
        marker=dict(symbol="square", size=12, color=values, showscale=False, opacity=0.01),
        selected=dict(marker=dict(opacity=0.01)), unselected=dict(marker=dict(opacity=0.01)),
        hovertemplate="Unit %{customdata}: %{marker.color:.3g}<br>Click to look at it<extra></extra>",
        showlegend=False,
    ))
    if selected is not None and 0 <= selected < values.size:
        row, column = divmod(selected, columns)
        figure.add_shape(type="rect", x0=column - 0.5, x1=column + 0.5, y0=row - 0.5, y1=row + 0.5,
                         line=dict(color=CONTRAST_COLOUR, width=3))
    # the ranges make the grid fill the plot area exactly
    return _square_layout(figure, height=int(60 + 400 * grid.shape[0] / grid.shape[1]), title=title,
                          x_range=(-0.5, columns - 0.5), y_range=(grid.shape[0] - 0.5, -0.5))


def weights_figure(weights: np.ndarray, title: str) -> go.Figure:
    """Incoming weights on a diverging scale centred on 0: float (28, 28) for a first-layer unit,
    or (units before,) laid out like the previous layer's activation grid."""
    weights = np.asarray(weights, dtype="float32")
    grid = weights if weights.shape == (28, 28) else as_grid(weights)
    peak = max(float(np.nanmax(np.abs(grid))), 1e-6)
    hover = ("row %{y}, column %{x}: %{z:.3f}" if weights.shape == (28, 28)
             else "from unit %{customdata}: %{z:.3f}")
    custom = None if weights.shape == (28, 28) else as_grid(np.arange(weights.size))
    figure = go.Figure(go.Heatmap(z=grid, colorscale=DIVERGING, zmid=0, zmin=-peak, zmax=peak,
                                  customdata=custom, hovertemplate=hover + "<extra></extra>",
                                  colorbar=dict(thickness=10)))
    return _square_layout(figure, height=260, title=title)


def class_bar_figure(values: Sequence[float], title: str, highlight: Sequence[int] = (),
                     value_format: str = ".2f") -> go.Figure:
    """One bar per digit 0-9 (float (10,)); ``highlight`` digits in the primary colour."""
    values = np.asarray(values, dtype="float64")
    colours = [ACCENT_COLOUR if digit in highlight else MUTED_COLOUR for digit in range(10)]
    figure = go.Figure(go.Bar(x=list(range(10)), y=values, marker_color=colours,
                              hovertemplate=f"digit %{{x}}: %{{y:{value_format}}}<extra></extra>"))
    figure.update_layout(title=dict(text=title, font=dict(size=13)), height=240,
                         margin=dict(l=4, r=4, t=30, b=4), xaxis=dict(tickmode="linear", title=None),
                         yaxis=dict(zeroline=True, zerolinecolor=AXIS_COLOUR), showlegend=False)
    return figure


def montage(images: np.ndarray, columns: int = 3, gap: int = 2) -> np.ndarray:
    """uint8 (K, 28, 28) images tiled row by row into one uint8 picture with ``gap``-pixel gaps."""
    images = np.asarray(images)
    rows = int(np.ceil(len(images) / columns))
    size = 28 + gap
    sheet = np.full((rows * size - gap, columns * size - gap), 255 // 4, "uint8")
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        sheet[row * size : row * size + 28, column * size : column * size + 28] = image
    return sheet


def top_images_figure(images: np.ndarray, indices: Sequence[int], values: Sequence[float]) -> go.Figure:
    """The images uint8 (9, 28, 28) that excite a unit most, 3 x 3, clickable (``customdata`` is the
    test index)."""
    figure = go.Figure(go.Heatmap(z=montage(images), colorscale="gray", zmin=0, zmax=255, showscale=False,
                                  hoverinfo="skip"))
    centres = np.arange(len(indices))
    figure.add_trace(go.Scatter(
        x=(centres % 3) * 30 + 13.5, y=(centres // 3) * 30 + 13.5, mode="markers",
        customdata=np.column_stack([indices, values]), showlegend=False,
        marker=dict(symbol="square", size=40, color="rgba(0,0,0,0)", opacity=0.01),
        selected=dict(marker=dict(opacity=0.01)), unselected=dict(marker=dict(opacity=0.01)),
        hovertemplate="Test image %{customdata[0]}: activation %{customdata[1]:.2f}<br>Click to look "
                      "inside it<extra></extra>",
    ))
    return _square_layout(figure, height=260)


def pixel_parts_figure(parts: np.ndarray, pixels: np.ndarray, title: str) -> go.Figure:
    """Each pixel's part of a logit, float (28, 28), diverging around 0, with the input float
    (28, 28) in [0, 1] drawn over it as an outline (its 0.5 contour)."""
    parts = np.asarray(parts, dtype="float64")
    peak = max(float(np.abs(parts).max()), 1e-9)
    figure = go.Figure(go.Heatmap(z=parts, colorscale=DIVERGING, zmid=0, zmin=-peak, zmax=peak,
                                  colorbar=dict(thickness=10),
                                  hovertemplate="row %{y}, column %{x}: %{z:+.3f}<extra></extra>"))
    figure.add_trace(go.Contour(z=np.asarray(pixels, dtype="float64"), contours=dict(
        start=0.5, end=0.5, size=1, coloring="none"), line=dict(color=TEXT_COLOUR, width=1.5),
        showscale=False, hoverinfo="skip"))
    return _square_layout(figure, height=300, title=title)


def map_figure(positions: np.ndarray, labels: np.ndarray, predicted: np.ndarray,
               current: np.ndarray | None, current_label: str) -> go.Figure:
    """The map: float (N, 2) positions coloured by true label int (N,), mistakes (predicted int
    (N,) != label) as black crosses, ``current`` float (2,) as a star. Clickable: each point's
    ``customdata`` is its test index."""
    labels, predicted = np.asarray(labels), np.asarray(predicted)
    figure = go.Figure()
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        figure.add_trace(go.Scattergl(
            x=positions[members, 0], y=positions[members, 1], mode="markers", name=str(digit),
            customdata=members, marker=dict(size=4, color=DIGIT_COLOURS[digit]),
            hovertemplate=f"Test image %{{customdata}}: a {digit}<extra></extra>"))
    wrong = np.flatnonzero(labels != predicted)
    figure.add_trace(go.Scattergl(
        x=positions[wrong, 0], y=positions[wrong, 1], mode="markers", name="mistakes",
        customdata=wrong, text=[f"a {labels[i]}, read as {predicted[i]}" for i in wrong],
        marker=dict(size=6, symbol="x", color=SELECTED_COLOUR, opacity=0.8),
        hovertemplate="Test image %{customdata}: %{text}<extra></extra>"))
    if current is not None:
        figure.add_trace(go.Scattergl(  # WebGL like the rest: an SVG trace would be drawn under them
            x=[current[0]], y=[current[1]], mode="markers", name=current_label,
            marker=dict(size=22, symbol="star", color=CONTRAST_COLOUR,
                        line=dict(color=SELECTED_COLOUR, width=1.5)),
            hovertemplate=current_label + "<extra></extra>"))
    figure.update_layout(height=520, margin=dict(l=4, r=4, t=4, b=4), dragmode="pan",
                         clickmode="event+select",
                         # a white legend like the plot area: its dark crosses show in both themes
                         legend=dict(title=dict(text="True digit", font=dict(color=TEXT_COLOUR)),
                                     itemsizing="constant", bgcolor="white", font=dict(color=TEXT_COLOUR)),
                         plot_bgcolor="white", xaxis=BLANK_AXIS, yaxis=dict(**BLANK_AXIS, scaleanchor="x"))
    return figure


# RdBu's ends and middle (as DIVERGING): negative blue, zero white, positive red
_BLUE, _WHITE, _RED = np.array([33, 102, 172]), np.array([247, 247, 247]), np.array([178, 24, 43])


def diverging_rgb(values: np.ndarray, peak: float) -> np.ndarray:
    """float values (...) on a blue-white-red scale clipped at +-``peak``: uint8 (..., 3)."""
    scaled = np.clip(np.asarray(values, dtype="float32") / max(float(peak), 1e-12), -1, 1)[..., None]
    colours = np.where(scaled < 0, _WHITE + (_BLUE - _WHITE) * -scaled, _WHITE + (_RED - _WHITE) * scaled)
    return colours.round().astype("uint8")


def templates_sheet(pictures: np.ndarray, peak: float, columns: int = 8, scale: int = 4) -> np.ndarray:
    """Weight pictures float (U, 28, 28) side by side, ``columns`` a row, each pixel ``scale`` x
    ``scale``, on the diverging scale: one uint8 RGB image (H, W, 3) for ``st.image``."""
    pictures = np.asarray(pictures)
    rows, gap = int(np.ceil(len(pictures) / columns)), scale * 2
    size = 28 * scale + gap
    sheet = np.full((rows * size - gap, columns * size - gap, 3), 255, "uint8")
    for index, picture in enumerate(diverging_rgb(pictures, peak)):
        row, column = divmod(index, columns)
        block = np.kron(picture, np.ones((scale, scale, 1), "uint8"))
        sheet[row * size : row * size + 28 * scale, column * size : column * size + 28 * scale] = block
    return sheet


def index_from_selection(selection: Mapping | None) -> int | None:
    """The ``customdata`` index of the last clicked point in a ``st.plotly_chart`` selection
    (a mapping with ``points``), or None."""
    for point in reversed((selection or {}).get("points") or []):
        custom = point.get("customdata")
        if isinstance(custom, Mapping):
            custom = [custom[key] for key in sorted(custom, key=int)]
        if isinstance(custom, (list, tuple)):
            custom = custom[0] if custom else None
        if custom is not None:
            try:
                return int(custom)
            except (TypeError, ValueError):
                continue
    return None
