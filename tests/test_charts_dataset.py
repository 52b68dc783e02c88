"""The Dataset page's Plotly figure builders and digit tiles, called as plain functions."""

import numpy as np
import plotly.graph_objects as go
import pytest

from mnist_core.charts import dataset as charts
from mnist_core.data import stats as dataset_stats


def _axis_title(axis) -> str:
    return axis.title.text or ""


def test_class_counts_figure_has_one_bar_trace_per_split_with_axis_titles():
    figure = charts.class_counts_figure(np.array([1, 1, 2]), np.array([0, 9]))
    assert isinstance(figure, go.Figure)
    assert [trace.type for trace in figure.data] == ["bar", "bar"]
    assert [trace.name for trace in figure.data] == ["training set", "test set"]
    assert list(figure.data[0].y) == [0, 2, 1, 0, 0, 0, 0, 0, 0, 0]
    assert list(figure.data[1].y) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert list(figure.data[0].x) == list(range(10))
    assert _axis_title(figure.layout.xaxis) == "digit (label)"
    assert _axis_title(figure.layout.yaxis) == "number of images"
    assert figure.layout.barmode == "group"
    shares = charts.class_counts_figure(np.array([1, 1, 2, 2]), np.array([0, 9]), as_share=True)
    assert list(shares.data[0].y) == [0, 50, 50, 0, 0, 0, 0, 0, 0, 0]
    assert list(shares.data[1].y) == [50, 0, 0, 0, 0, 0, 0, 0, 0, 50]
    assert _axis_title(shares.layout.yaxis) == "share of its set (%)"


def test_image_heatmap_shows_the_pixels_with_vector_position_on_hover(images_and_labels):
    image = images_and_labels[0][3]
    figure = charts.image_heatmap_figure(image, "an image")
    (heatmap,) = figure.data
    assert heatmap.type == "heatmap"
    assert np.array_equal(np.asarray(heatmap.z), image)
    assert np.asarray(heatmap.customdata)[2, 5] == 2 * 28 + 5  # position in the flattened vector
    assert "%{z}" in heatmap.hovertemplate and "%{customdata}" in heatmap.hovertemplate
    assert heatmap.texttemplate is None
    assert (heatmap.zmin, heatmap.zmax) == (0, 255)
    assert _axis_title(figure.layout.xaxis) == "column (x)"
    assert _axis_title(figure.layout.yaxis) == "row (y)"
    assert tuple(figure.layout.xaxis.range) == (-0.5, 27.5)  # exactly the image, no empty margin
    assert tuple(figure.layout.yaxis.range) == (27.5, -0.5)  # row 0 at the top, like the image


def test_image_heatmap_values_zoom_to_the_ink_with_the_images_own_coordinates(mnist):
    (x_train, _), _ = mnist
    image = x_train[0]  # a 5: ink in rows 5-24 and columns 4-23 (and no further)
    rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    figure = charts.image_heatmap_figure(image, show_values=True)
    heatmap, values = figure.data
    top, bottom, left, right = rows[0] - 1, rows[-1] + 1, columns[0] - 1, columns[-1] + 1  # 1 px margin
    assert np.array_equal(np.asarray(heatmap.z), image[top : bottom + 1, left : right + 1])
    assert list(heatmap.y) == list(range(top, bottom + 1)) and list(heatmap.x) == list(range(left, right + 1))
    assert np.asarray(heatmap.customdata)[0, 0] == top * 28 + left
    assert heatmap.showscale is False and values.mode == "text" and values.textfont.size >= 12
    # each cell's value printed at its own row and column, over the heat-map
    cells = zip(values.y, values.x, values.text, strict=True)
    printed = {(int(row), int(column)): int(text) for row, column, text in cells}
    assert printed == {(row, column): int(image[row, column])
                       for row in range(top, bottom + 1) for column in range(left, right + 1)}
    assert tuple(figure.layout.xaxis.range) == (left - 0.5, right + 0.5)
    assert tuple(figure.layout.yaxis.range) == (bottom + 0.5, top - 0.5)
    # The figure is tall enough for 34-px cells, room for "255" at 12 px (the page gives it the full width).
    assert figure.layout.height >= 110 + 34 * (bottom - top + 1)


def test_ink_window_of_a_blank_image_is_the_whole_image():
    assert charts.ink_window(np.zeros((28, 28), np.uint8)) == (slice(0, 28), slice(0, 28))


def test_image_heatmap_refuses_a_wrong_shape():
    with pytest.raises(ValueError, match="28, 28"):
        charts.image_heatmap_figure(np.zeros((784,), dtype=np.uint8))


def test_class_means_figure_has_ten_heatmaps_titled_by_digit_and_count(images_and_labels):
    images, labels = images_and_labels
    means = dataset_stats.class_means(images, labels)
    figure = charts.class_means_figure(means, dataset_stats.class_counts(labels))
    assert [trace.type for trace in figure.data] == ["heatmap"] * 10
    for digit, trace in enumerate(figure.data):
        assert np.allclose(np.asarray(trace.z), means[digit])
    titles = sorted(
        (-annotation.y, annotation.x, annotation.text) for annotation in figure.layout.annotations
    )
    assert [text for *_, text in titles] == [
        f"<b>{digit}</b> · 5 images" for digit in range(10)
    ]  # 0-4 on top
    assert figure.layout.coloraxis.colorbar.title.text == "mean value"  # one shared colour bar
    assert figure.layout.xaxis.scaleanchor == "y" and figure.layout.xaxis7.matches == "x"  # square pixels


def test_pixel_histogram_figure_is_bars_over_0_to_255_with_a_log_option():
    counts = np.arange(256)
    figure = charts.pixel_histogram_figure(counts)
    (bars,) = figure.data
    assert bars.type == "bar" and list(bars.x) == list(range(256))
    assert figure.layout.yaxis.type == "log"
    assert _axis_title(figure.layout.xaxis).startswith("pixel value")
    assert _axis_title(figure.layout.yaxis) == "number of pixels (log scale)"
    linear = charts.pixel_histogram_figure(counts, log_scale=False)
    assert linear.layout.yaxis.type == "linear" and _axis_title(linear.layout.yaxis) == "number of pixels"


def test_vector_strip_figure_shows_the_784_inputs_as_a_strip_and_as_bars(images_and_labels):
    image = images_and_labels[0][0]
    vector = image.reshape(784) / 255.0
    figure = charts.vector_strip_figure(vector)
    assert [trace.type for trace in figure.data] == ["heatmap", "bar"]
    assert np.asarray(figure.data[0].z).shape == (1, 784)
    assert np.allclose(np.asarray(figure.data[1].y), vector)
    assert np.asarray(figure.data[1].customdata)[30].tolist() == [1, 2]  # input 30 is row 1, column 2
    assert _axis_title(figure.layout.xaxis2).startswith("input position (row × 28 + column)")
    assert _axis_title(figure.layout.yaxis2) == "value (pixel / 255)"
    assert len(figure.layout.shapes) == 29  # a line at the start of each of the 28 rows, and the end
