"""Figures of the "Your digits" page, without Streamlit: accuracy per digit on one's own set beside
MNIST's test set."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from mnist_core.config import ACCENT_COLOUR, CONTRAST_COLOUR


def class_accuracy_figure(mine: np.ndarray, mnist: np.ndarray, counts: np.ndarray) -> go.Figure:
    """Grouped bars per digit 0-9: accuracy on one's own digits (float (10,), NaN for a digit with
    none) beside the recall on MNIST's test set (float (10,)); ``counts`` int (10,) in the hover."""
    mine, mnist = np.asarray(mine, dtype="float64"), np.asarray(mnist, dtype="float64")
    if mine.shape != (10,) or mnist.shape != (10,):
        raise ValueError(f"Expected 10 accuracies each, got {mine.shape} and {mnist.shape}.")
    digits = list(range(10))
    figure = go.Figure()
    figure.add_bar(x=digits, y=np.where(np.isnan(mine), None, mine * 100).tolist(), name="Your digits",
                   marker_color=ACCENT_COLOUR, customdata=np.asarray(counts).tolist(),
                   hovertemplate="digit %{x}: %{y:.1f} % of %{customdata} right<extra>Your digits</extra>")
    figure.add_bar(x=digits, y=(mnist * 100).tolist(), name="MNIST test", marker_color=CONTRAST_COLOUR,
                   hovertemplate="digit %{x}: %{y:.1f} %<extra>MNIST test</extra>")
    figure.update_layout(
        barmode="group", height=280, margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": "Accuracy per digit", "font": {"size": 14}},
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
        xaxis={"tickmode": "array", "tickvals": digits, "fixedrange": True, "title": "digit"},
        yaxis={"range": [0, 105], "fixedrange": True, "ticksuffix": " %"},
    )
    return figure
