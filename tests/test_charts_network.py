"""Figures of the Inside-the-network page: shapes, click layers, the templates animation."""

import numpy as np
import plotly.graph_objects as go
import pytest

from mnist_core.charts.network import (
    activation_figure,
    as_grid,
    class_bar_figure,
    grid_shape,
    index_from_selection,
    map_figure,
    montage,
    pixel_parts_figure,
    templates_sheet,
    top_images_figure,
    weights_figure,
)
from mnist_core.training.record import WeightTemplates


def test_activation_grid_click_layer_carries_unit_indices(rng):
    values = rng.random(512).astype("float32")
    figure = activation_figure(values, selected=37, title="Hidden layer 1")
    heatmap, clicks = figure.data
    assert np.asarray(heatmap.z).shape == (16, 32)
    assert (np.asarray(clicks.customdata) == np.arange(512)).all()
    np.testing.assert_allclose(np.asarray(clicks.marker.color), values)  # shown on hover
    assert (np.asarray(clicks.x)[37], np.asarray(clicks.y)[37]) == (5, 1)  # unit 37: row 1, column 5
    outline = figure.layout.shapes[0]
    assert (outline.x0, outline.y0) == (4.5, 0.5)
    assert list(figure.layout.xaxis.range) == [-0.5, 31.5] and list(figure.layout.yaxis.range) == [15.5, -0.5]
    go.Figure(figure.to_dict())  # valid for Plotly


def test_weights_are_centred_on_zero(rng):
    first = weights_figure(rng.normal(size=(28, 28)), "w")
    deeper = weights_figure(rng.normal(size=512), "w")
    assert np.asarray(first.data[0].z).shape == (28, 28) and first.data[0].zmid == 0
    assert np.asarray(deeper.data[0].z).shape == (16, 32)
    assert first.data[0].zmin == -first.data[0].zmax


def test_top_images_montage_and_clicks():
    images = np.stack([np.full((28, 28), digit * 20, "uint8") for digit in range(9)])
    sheet = montage(images)
    assert sheet.shape == (88, 88) and sheet[30, 30] == 80 and sheet[28, 0] == 63  # image 4; a gap
    figure = top_images_figure(images, list(range(100, 109)), np.linspace(3, 1, 9))
    assert np.asarray(figure.data[1].customdata)[:, 0].tolist() == list(range(100, 109))


def test_bars_and_pixel_parts(rng):
    bars = class_bar_figure(np.arange(10), "t", highlight=[3])
    assert bars.data[0].marker.color[3] != bars.data[0].marker.color[0]
    parts = pixel_parts_figure(rng.normal(size=(28, 28)), rng.random((28, 28)), "Logit 7 = 1.00")
    assert parts.data[0].zmid == 0 and parts.data[1].contours.start == 0.5


def test_map_marks_mistakes_and_the_current_input(rng):
    positions = rng.normal(size=(300, 2)).astype("float32")
    labels = rng.integers(0, 10, 300)
    predicted = labels.copy()
    predicted[:7] = (labels[:7] + 1) % 10
    figure = map_figure(positions, labels, predicted, np.zeros(2), "your drawing")
    names = [trace.name for trace in figure.data]
    assert names == [str(digit) for digit in range(10)] + ["mistakes", "your drawing"]
    assert sorted(np.asarray(figure.data[10].customdata).tolist()) == list(range(7))
    assert sum(len(trace.x) for trace in figure.data[:10]) == 300


def test_templates_sheet_places_each_unit_on_the_diverging_scale(rng):
    templates = WeightTemplates()
    for epoch in range(3):
        templates.add(epoch, rng.normal(size=(784, 64)))
    pictures = templates.frames()[-1]  # (16, 28, 28)
    pictures[3] = 0.0
    pictures[3, 0, 0], pictures[3, 0, 1] = 5.0, -5.0
    sheet = templates_sheet(pictures, peak=1.0, columns=8, scale=2)
    assert sheet.shape == (2 * 60 - 4, 8 * 60 - 4, 3) and sheet.dtype == np.uint8
    left = 3 * 60  # unit 3: first row, fourth picture
    assert sheet[0, left].tolist() == [178, 24, 43]  # clipped at +peak: red
    assert sheet[0, left + 2].tolist() == [33, 102, 172]  # -peak: blue
    assert sheet[10, left + 10].tolist() == [247, 247, 247]  # 0: white
    assert sheet[0, left - 1].tolist() == [255, 255, 255]  # the gap


@pytest.mark.parametrize("selection, expected", [
    (None, None),
    ({"points": []}, None),
    ({"points": [{"customdata": 12}]}, 12),
    ({"points": [{"customdata": [37, 0.5]}]}, 37),
    ({"points": [{"customdata": {"0": 5, "1": 0.2}}]}, 5),
    ({"points": [{"customdata": 1}, {"customdata": 2}]}, 2),
    ({"points": [{"x": 3}]}, None),
])
def test_index_from_selection(selection, expected):
    assert index_from_selection(selection) == expected


@pytest.mark.parametrize("units, shape", [(512, (16, 32)), (128, (8, 16)), (256, (12, 23)), (10, (2, 5)),
                                          (1, (1, 2))])
def test_grid_shape_holds_every_unit(units, shape):
    assert grid_shape(units) == shape
    grid = as_grid(np.arange(units))
    assert grid.shape == shape and grid.dtype == np.float32
    assert np.nansum(grid) == sum(range(units)) and np.isnan(grid).sum() == shape[0] * shape[1] - units
    row, column = divmod(units - 1, shape[1])  # the last unit sits where the page's click layer puts it
    assert grid[row, column] == units - 1
