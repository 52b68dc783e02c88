"""The Predictions page's views of a model, built once per model and shared read-only by
every session (``st.cache_resource``): the framed first ten test images, the confusion
figure, the per-class table (and its column layout), and the grid figure of each page of test
images shown.

Building a Plotly figure costs tens of milliseconds of server CPU; a click or a new session
reuses these, and the page outlines a copy (mnist_core.charts.predictions.outlined).
Keyed by the model key (DEFAULT_KEY or a run's unique id) and, for the grid, the indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mnist_core import Evaluation, per_class_table
from mnist_core.charts.gallery import compose_grid, framed_tiles, png_data_url, tile_box, tile_centres
from mnist_core.charts.predictions import (
    confusion_figure,
    grid_figure,
    outlined_cell,
    outlined_tile,
    probability_figure,
)
from mnist_core.serving.browsing import hover_texts
from ui.resources import Dataset

FIRST = 10  # the lesson's step predicts the first ten test images
GRID_DISPLAY_SCALE = 0.62  # the grid column shows the 956-px picture at about 560-600 px at 1280 px
PER_CLASS_COLUMNS = {  # how the per-class table is shown: widths that fit a 1280-px window
    "_index": st.column_config.NumberColumn(width=48),
    "Precision": st.column_config.NumberColumn(format="percent", width=80),
    "Recall": st.column_config.NumberColumn(format="percent", width=72),
    "Confused with": st.column_config.TextColumn(
        width=108, help="The wrong digit this digit is most often predicted as, and how often."),
    "Images": st.column_config.NumberColumn(width=62, help="Test images of this digit."),
}


@dataclass(frozen=True)
class ModelViews:
    """What the page shows that depends only on the model: built once, shared, read-only."""

    first_tiles: tuple[str, ...]  # the first ten test images, framed, as PNG data: URLs (no media files)
    confusion: go.Figure  # without an outline
    per_class: pd.DataFrame


@st.cache_resource(max_entries=16, show_spinner=False)
def model_views(model_key: str, _evaluation: Evaluation, _dataset: Dataset) -> ModelViews:
    """Built on the first call for ``model_key``; never mutated afterwards."""
    count = min(FIRST, len(_evaluation.labels))
    right = _evaluation.predicted[:count] == _evaluation.labels[:count]
    tiles = tuple(map(png_data_url, framed_tiles(_dataset.x_test[:count], right, scale=2, border=3)))
    return ModelViews(tiles, confusion_figure(_evaluation.confusion), per_class_table(_evaluation))


@st.cache_resource(max_entries=64, show_spinner=False)
def grid_view(model_key: str, shown: tuple[int, ...], _evaluation: Evaluation,
              _dataset: Dataset) -> go.Figure:
    """The clickable grid of the test images ``shown`` (without an outline), once per model and page."""
    indices = np.asarray(shown, dtype=np.int64)
    grid = compose_grid(_dataset.x_test[indices], _evaluation.predicted[indices],
                        _evaluation.labels[indices], indices)
    return grid_figure(grid, tile_centres(len(indices)), list(shown), hover_texts(_evaluation, indices),
                       height=round(grid.shape[0] * GRID_DISPLAY_SCALE))


@st.cache_resource(max_entries=64, show_spinner=False)
def outlined_grid(model_key: str, shown: tuple[int, ...], inspected: int, _evaluation: Evaluation,
                  _dataset: Dataset) -> go.Figure:
    """``grid_view`` with its tile number ``inspected`` outlined, once per model, page and tile: every
    new session opens on the same one, and copying a Plotly figure validates all of it again."""
    return outlined_tile(grid_view(model_key, shown, _evaluation, _dataset), tile_box(inspected))


@st.cache_resource(max_entries=32, show_spinner=False)
def confusion_view(model_key: str, cell: tuple[int, int] | None, _views: ModelViews) -> go.Figure:
    """The model's confusion matrix (``_views.confusion``) with the (true, predicted) ``cell``
    outlined (None: as it is), once per model and cell."""
    return _views.confusion if cell is None else outlined_cell(_views.confusion, cell)


@st.cache_resource(max_entries=256, show_spinner=False)
def probability_view(model_key: str, index: int, _evaluation: Evaluation) -> go.Figure:
    """``probability_figure`` of test image ``index``, once per model and image."""
    return probability_figure(_evaluation.probabilities[index], int(_evaluation.labels[index]))
