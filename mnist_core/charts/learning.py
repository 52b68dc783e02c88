"""Figures of the "How it learns" page (plain functions, no Streamlit): pictures of arrays as small
PNGs, one pixel per value (cheap enough to redraw on every step; the page has the browser enlarge
them with sharp pixels), and Plotly figures for the curves, the bars, the
landscape and the race."""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.colors
import plotly.graph_objects as go
import plotly.io as pio

from mnist_core.charts.gallery import png_bytes
from mnist_core.charts.network import DIVERGING, diverging_rgb
from mnist_core.charts.training import finite_or_none, thin
from mnist_core.config import (
    ACCENT_COLOUR,
    AXIS_COLOUR,
    CONTRAST_COLOUR,
    GRID_COLOUR,
    MUTED_COLOUR,
)
from mnist_core.text import learning as words

LOSS_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8)
LOSS_AXIS = {"type": "log", "gridcolor": GRID_COLOUR, "tickvals": list(LOSS_TICKS),
             "ticktext": [f"{tick:g}" for tick in LOSS_TICKS]}  # Plotly labels 0.3 as "3" on log axes
RACE_COLOURS = {"sgd": AXIS_COLOUR, "momentum": CONTRAST_COLOUR, "rmsprop": ACCENT_COLOUR}


def _peak(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 1.0


def diverging_picture(values: np.ndarray, shape: tuple[int, int], peak: float | None = None) -> bytes:
    """float values (rows * columns,) as a blue-white-red picture centred on 0 (NaN white), white at 0
    and full colour at +-``peak`` (by default the largest finite magnitude): PNG bytes of (rows, columns)
    RGB pixels, for ``st.image``."""
    values = np.nan_to_num(np.asarray(values, "float32").reshape(shape), nan=0.0, posinf=0.0, neginf=0.0)
    return png_bytes(diverging_rgb(values, peak if peak is not None else _peak(values)))


def grey_picture(values: np.ndarray, shape: tuple[int, int], dark_high: bool = True) -> bytes:
    """float values (rows * columns,) from 0 to their maximum as grey levels, the highest black when
    ``dark_high``: PNG bytes of (rows, columns) grey pixels, for ``st.image``."""
    values = np.nan_to_num(np.asarray(values, "float32").reshape(shape), nan=0.0)
    top = max(float(values.max()), 1e-30)
    level = np.clip(values / top, 0, 1)
    return png_bytes((255 * (1 - level if dark_high else level)).round().astype("uint8"))


class PlainFigure(go.Figure):
    """A Plotly figure given as the plain dict Plotly makes of one (``to_dict``): ``st.plotly_chart``
    takes a Figure and sends its ``to_dict()``. Plotly's own path builds an object for every property
    and deep-copies them all back into a dict, most of a small figure's server time, and these are
    redrawn on every step. Only ``to_dict`` and ``to_plotly_json`` work (all that is sent); the keys are
    constants, checked against Plotly's schema, and the dict against what Plotly makes of the same
    data and layout, by tests/test_charts_learning.py."""

    def __init__(self, spec: dict):  # Plotly's __init__ is what this skips
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec


@functools.cache
def _template(name: str | None) -> dict | None:
    """The plain dict of Plotly's template ``name`` (read-only: every figure shares it), None for none."""
    return None if name in (None, "none") else pio.templates[name].to_plotly_json()


@functools.cache
def _colorscale(name: str) -> list:
    """Plotly's named colour scale as the list of [position, colour] Plotly's validation makes of it
    (plotly.js knows fewer names: "RdBu_r" is Plotly's Python name of the reversed RdBu)."""
    return plotly.colors.get_colorscale(name)


def _assembled(data: list[dict], layout: dict) -> PlainFigure:
    """A figure from plain trace and layout dicts with Plotly's default template, as Plotly would make it
    (a Figure built with them and turned back into a dict) at a fraction of the cost (PlainFigure)."""
    template = _template(pio.templates.default)
    return PlainFigure({"data": data, "layout": {**layout, "template": template} if template else layout})


def typed_array(values: np.ndarray) -> dict:
    """A float32 array as Plotly's typed-array dict (base64 of its bytes, as Plotly's to_dict sends
    NumPy arrays): a fifth of the JSON of a list of numbers."""
    values = np.ascontiguousarray(values, "float32")
    return {"dtype": "f4", "bdata": base64.b64encode(values.tobytes()).decode("ascii"),
            "shape": ", ".join(str(size) for size in values.shape)}


def output_bars(logits: np.ndarray, probabilities: np.ndarray, label: int) -> PlainFigure:
    """The 10 logits float (10,) (left) and the softmax probabilities float (10,) (right) of one image,
    one bar per digit, the label's in the accent colour; one figure (half the server time of two)."""
    colours = [ACCENT_COLOUR if digit == label else MUTED_COLOUR for digit in range(10)]
    data = [{"type": "bar", "x": list(range(10)), "y": finite_or_none([float(v) for v in values]),
             "marker": {"color": colours}, "xaxis": f"x{axis}", "yaxis": f"y{axis}",
             "hovertemplate": f"digit %{{x}}: %{{y:{fmt}}}<extra></extra>"}
            for axis, values, fmt in (("", logits, ".3f"), ("2", probabilities, ".4f"))]
    axis = {"tickmode": "linear"}
    layout = {
        "height": 240, "showlegend": False, "margin": {"l": 4, "r": 4, "t": 30, "b": 4},
        "xaxis": {"domain": [0, 0.46], **axis}, "xaxis2": {"domain": [0.54, 1], **axis},
        "yaxis": {"zeroline": True, "zerolinecolor": AXIS_COLOUR, "gridcolor": GRID_COLOUR},
        "yaxis2": {"anchor": "x2", "range": [0, 1], "gridcolor": GRID_COLOUR},
        "annotations": [{"text": title, "x": x, "y": 1.0, "xref": "paper", "yref": "paper",
                         "yanchor": "bottom", "showarrow": False, "font": {"size": 13}}
                        for title, x in ((words.LOGITS_TITLE, 0.23), (words.PROBABILITIES_TITLE, 0.77))],
    }
    return _assembled(data, layout)


def history_figure(losses: Sequence[float], accuracies: Sequence[float], steps_per_epoch: int) -> PlainFigure:
    """Batch loss float (S,) of each step (log scale, left) and validation accuracy float (S + 1,)
    after each (right), against the step; NaN or inf leave a gap; an epoch's end is marked."""
    loss_steps, loss_values = thin(list(range(len(losses))), list(losses))
    accuracy_steps, accuracy_values = thin(list(range(len(accuracies))), list(accuracies))
    data = [
        {"type": "scatter", "x": loss_steps, "y": finite_or_none(loss_values), "name": "batch loss",
         "mode": "lines", "line": {"color": ACCENT_COLOUR, "width": 1.5},
         "hovertemplate": "step %{x}: loss %{y:.4g}<extra></extra>"},
        {"type": "scatter", "x": accuracy_steps, "y": finite_or_none(accuracy_values),
         "name": "validation accuracy", "yaxis": "y2", "mode": "lines",
         "line": {"color": CONTRAST_COLOUR, "width": 2},
         "hovertemplate": "after %{x} steps: %{y:.1%}<extra></extra>"},
    ]
    epoch_line = {"type": "line", "x0": steps_per_epoch, "x1": steps_per_epoch, "xref": "x",
                  "y0": 0, "y1": 1, "yref": "y domain", "line": {"color": MUTED_COLOUR, "dash": "dot"}}
    layout = {
        "height": 300, "margin": {"l": 4, "r": 4, "t": 10, "b": 4}, "hovermode": "x unified",
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "xaxis": {"title": {"text": "step"}, "gridcolor": GRID_COLOUR, "rangemode": "tozero"},
        "yaxis": {"title": {"text": "batch loss (log scale)"}, **LOSS_AXIS, "tickvals": list(LOSS_TICKS),
                  "ticktext": list(LOSS_AXIS["ticktext"])},
        "yaxis2": {"title": {"text": "validation accuracy"}, "overlaying": "y", "side": "right",
                   "range": [0, 1], "tickmode": "linear", "tick0": 0, "dtick": 0.2, "tickformat": ".0%",
                   "showgrid": False},
    }
    if len(losses) >= steps_per_epoch:
        layout["shapes"] = [epoch_line]
    return _assembled(data, layout)


def w2_gradient_figure(gradient: np.ndarray) -> PlainFigure:
    """dL/dW2 float (H, 10) as one heat map: digits down, hidden units across, diverging around 0."""
    values = np.asarray(gradient, "float32").T
    peak = _peak(values)
    data = [{"type": "heatmap", "z": typed_array(values), "colorscale": _colorscale(DIVERGING),
             "zmin": -peak, "zmax": peak,
             "hovertemplate": "unit %{x}, digit %{y}: %{z:.3g}<extra></extra>",
             "colorbar": {"thickness": 10, "title": {"text": "∂L/∂W₂"}}}]
    layout = {"height": 230, "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
              "xaxis": {"title": {"text": "hidden unit"}},
              "yaxis": {"title": {"text": "digit"}, "tickmode": "linear", "dtick": 1}}
    return _assembled(data, layout)


def landscape_figure(alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray, path: np.ndarray,
                     path_steps: np.ndarray) -> go.Figure:
    """The loss float (P, P) over the offsets alphas, betas float (P,) as filled contours (log-spaced
    colours via log10 of the loss), the centre marked, the path float (K, 2) as a line."""
    shown = np.where(np.isfinite(losses) & (losses > 0), losses, np.nan)
    logs = np.log10(shown)
    ticks = np.linspace(np.nanmin(logs), np.nanmax(logs), 5) if np.isfinite(logs).any() else np.zeros(0)
    figure = go.Figure(go.Contour(
        x=alphas, y=betas, z=logs, colorscale="Viridis", ncontours=24,
        customdata=shown, hovertemplate="α %{x:.2f}, β %{y:.2f}: loss %{customdata:.4g}<extra></extra>",
        colorbar=dict(title=dict(text="loss (log colours)"), thickness=10, tickvals=ticks,
                      ticktext=[f"{10 ** tick:.3g}" for tick in ticks]),
    ))
    figure.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name="current weights",
                                marker=dict(symbol="x", size=11, color=CONTRAST_COLOUR),
                                hovertemplate="the current weights<extra></extra>"))
    if len(path) > 1:  # drawn over the marker: it ends at the centre
        figure.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name="path",
                                    customdata=path_steps, line=dict(color="white", width=2),
                                    marker=dict(size=4, color="white"),
                                    hovertemplate="after step %{customdata}<extra></extra>"))
    figure.update_layout(height=420, margin=dict(l=4, r=4, t=10, b=4), showlegend=False,
                         xaxis=dict(title="α (direction 1)", constrain="domain"),
                         yaxis=dict(title="β (direction 2)", scaleanchor="x"))
    return figure


def race_figure(curves: Mapping[str, np.ndarray], rates: Mapping[str, float]) -> go.Figure:
    """Each optimiser's batch losses float (S,) against the step, log scale."""
    figure = go.Figure()
    for name, losses in curves.items():
        figure.add_trace(go.Scatter(
            x=list(range(len(losses))), y=finite_or_none([float(v) for v in losses]), mode="lines",
            name=f"{words.short_name(name)}, η = {rates[name]:g}",
            line=dict(color=RACE_COLOURS[name], width=1.5),
        ))
    figure.update_layout(height=320, margin=dict(l=4, r=4, t=10, b=4), hovermode="x unified",
                         legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                         xaxis=dict(title="step", gridcolor=GRID_COLOUR),
                         yaxis=dict(title="batch loss (log scale)", **LOSS_AXIS))
    return figure
