"""Figures of the Break-it page (no Streamlit): robustness curves and pictures of a digit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from mnist_core.config import ACCENT_COLOUR, CONTRAST_COLOUR, EDGE_COLOUR, RIGHT_COLOUR, WRONG_COLOUR
from mnist_core.lab.curves import AXES
from mnist_core.text.lab import CURVE_TITLES

MODEL_COLOURS = [WRONG_COLOUR, CONTRAST_COLOUR, EDGE_COLOUR, ACCENT_COLOUR, RIGHT_COLOUR]
PIXEL_SCALE = 8  # screen pixels per image pixel in the large pictures


def curve_table(curves: dict, axis: str) -> pd.DataFrame:
    """Long table of one axis's curves: columns setting, model, accuracy (0-1); ``curves`` maps a
    model's name to its ``Curves``."""
    rows = [{"setting": float(setting), "model": name, "accuracy": float(value)}
            for name, measured in curves.items()
            for setting, value in zip(AXES[axis], measured.accuracy[axis], strict=True)]
    return pd.DataFrame(rows, columns=["setting", "model", "accuracy"])


def curves_figure(curves: dict, axis: str, current: float | None = None, height: int = 320) -> go.Figure:
    """Accuracy against one transformation's setting, a line per model (in ``curves``' order),
    with a dotted line at ``current`` (the setting on screen) when given."""
    table = curve_table(curves, axis)
    figure = px.line(table, x="setting", y="accuracy", color="model", markers=True,
                     color_discrete_sequence=MODEL_COLOURS, height=height,
                     labels={"setting": CURVE_TITLES[axis], "accuracy": "test accuracy", "model": ""})
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", fixedrange=True)
    figure.update_xaxes(fixedrange=True)
    figure.update_traces(hovertemplate="%{x:g}: %{y:.1%}")
    if current is not None:
        figure.add_vline(x=float(current), line_dash="dot", line_color=EDGE_COLOUR)
    figure.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         legend={"orientation": "h", "y": -0.3, "x": 0})
    return figure


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
