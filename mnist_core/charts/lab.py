"""Figures of the Break-it page (no Streamlit): robustness curves and pictures of a digit."""

from __future__ import annotations

import copy
import functools

import numpy as np
import plotly.graph_objects as go

from mnist_core.config import ACCENT_COLOUR, CONTRAST_COLOUR, EDGE_COLOUR, RIGHT_COLOUR, WRONG_COLOUR
from mnist_core.lab.curves import AXES
from mnist_core.text.lab import CURVE_TITLES

MODEL_COLOURS = [WRONG_COLOUR, CONTRAST_COLOUR, EDGE_COLOUR, ACCENT_COLOUR, RIGHT_COLOUR]
PIXEL_SCALE = 8  # screen pixels per image pixel in the large pictures


def curve_markdown(curves: dict, axis: str) -> str:
    """One axis's curves as a Markdown table: a row per setting, a column per model (in
    ``curves``' order), accuracies as percentages to 0.1 %."""
    names = [str(name).replace("|", "\\|") for name in curves]
    lines = [f"| {CURVE_TITLES[axis]} | " + " | ".join(names) + " |",
             "|---:|" + "---:|" * len(names)]
    for index, setting in enumerate(AXES[axis]):
        values = " | ".join(f"{measured.accuracy[axis][index]:.1%}" for measured in curves.values())
        lines.append(f"| {float(setting):g} | {values} |")
    return "\n".join(lines)


def curves_figure(curves: dict, axis: str, current: float | None = None, height: int = 320) -> go.Figure:
    """Accuracy against one transformation's setting, a line per model (in ``curves``' order),
    with a dotted line at ``current`` (the setting on screen) when given.

    Built from plain dicts on a layout Plotly validated once per axis and height, as
    ``probability_bars`` is: every new session's first load draws it."""
    settings = [float(setting) for setting in AXES[axis]]
    lines = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": str(name),
            "x": settings,
            "y": [float(value) for value in measured.accuracy[axis]],
            "line": {"color": MODEL_COLOURS[index % len(MODEL_COLOURS)]},
            "marker": {"color": MODEL_COLOURS[index % len(MODEL_COLOURS)]},
            "hovertemplate": "%{x:g}: %{y:.1%}",
        }
        for index, (name, measured) in enumerate(curves.items())
    ]
    layout = copy.deepcopy(_curves_layout(axis, height))
    if current is not None:
        layout["shapes"] = [{"type": "line", "x0": float(current), "x1": float(current), "xref": "x",
                             "y0": 0, "y1": 1, "yref": "y domain",
                             "line": {"dash": "dot", "color": EDGE_COLOUR}}]
    return go.Figure(data=lines, layout=layout, _validate=False)


@functools.cache
def _curves_layout(axis: str, height: int) -> dict:
    """The curves' layout as a plain dict, checked by Plotly once (never mutate it)."""
    layout = go.Layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.3, "x": 0},
        xaxis={"title": {"text": CURVE_TITLES[axis]}, "fixedrange": True},
        yaxis={"title": {"text": "test accuracy"}, "range": [0, 1.02], "tickformat": ".0%",
               "fixedrange": True},
    )
    return layout.to_plotly_json()


def enlarged(image: np.ndarray, scale: int = PIXEL_SCALE) -> np.ndarray:
    """A (28, 28) float image in [0, 1] as uint8 (28*scale, 28*scale), each pixel a square block."""
    pixels = np.clip(np.asarray(image, dtype="float32"), 0.0, 1.0)
    return np.kron((pixels * 255).round().astype(np.uint8), np.ones((scale, scale), dtype=np.uint8))


def perturbation_picture(change: np.ndarray, epsilon: float, scale: int = PIXEL_SCALE // 2) -> np.ndarray:
    """An adversarial change float (784,) or (28, 28) in [-epsilon, epsilon] magnified to the full
    grey range, as uint8 (28*scale, 28*scale): mid-grey is 0, white +epsilon, black -epsilon."""
    values = np.asarray(change, dtype="float32").reshape(28, 28)
    shown = 0.5 + values / (2 * epsilon) if epsilon > 0 else np.full_like(values, 0.5)
    return enlarged(shown, scale)
