"""The Dataset page's figure builders and helpers, called as plain functions."""

import numpy as np
import plotly.graph_objects as go
import pytest

from mnist_core.charts import dataset as charts


def _axis_title(axis) -> str:
    return axis.title.text or ""


@pytest.fixture(scope="module")
def images_and_labels():
    """50 random uint8 images (50, 28, 28) with labels cycling 0-9, five of each digit."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    labels = np.tile(np.arange(10, dtype=np.uint8), 5)
    return images, labels


def test_class_counts_counts_every_digit_including_absent_ones():
    counts = charts.class_counts(np.array([3, 3, 7, 0], dtype=np.uint8))
    assert counts.tolist() == [1, 0, 0, 2, 0, 0, 0, 1, 0, 0]


def test_class_counts_match_mnist(mnist):
    (_, y_train), (_, y_test) = mnist
    assert charts.class_counts(y_train).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert charts.class_counts(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


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


def test_image_heatmap_shows_the_pixels_with_values_and_vector_position_on_hover(images_and_labels):
    image = images_and_labels[0][3]
    figure = charts.image_heatmap_figure(image, "an image", show_values=True)
    (heatmap,) = figure.data
    assert heatmap.type == "heatmap"
    assert np.array_equal(np.asarray(heatmap.z), image)
    assert np.asarray(heatmap.customdata)[2, 5] == 2 * 28 + 5  # position in the flattened vector
    assert "%{z}" in heatmap.hovertemplate and "%{customdata}" in heatmap.hovertemplate
    assert heatmap.texttemplate == "%{z}"
    assert (heatmap.zmin, heatmap.zmax) == (0, 255)
    assert _axis_title(figure.layout.xaxis) == "column (x)"
    assert _axis_title(figure.layout.yaxis) == "row (y)"
    assert figure.layout.yaxis.autorange == "reversed"  # row 0 at the top, like the image
    assert charts.image_heatmap_figure(image).data[0].texttemplate is None


def test_image_heatmap_refuses_a_wrong_shape():
    with pytest.raises(ValueError, match="28, 28"):
        charts.image_heatmap_figure(np.zeros((784,), dtype=np.uint8))


def test_class_means_are_the_per_digit_averages(images_and_labels):
    images, labels = images_and_labels
    means = charts.class_means(images, labels)
    assert means.shape == (10, 28, 28) and means.dtype == np.float64
    for digit in (0, 4, 9):
        assert np.allclose(means[digit], images[labels == digit].mean(axis=0))


def test_class_means_figure_has_ten_heatmaps_titled_by_digit_and_count(images_and_labels):
    images, labels = images_and_labels
    figure = charts.class_means_figure(charts.class_means(images, labels), charts.class_counts(labels))
    assert [trace.type for trace in figure.data] == ["heatmap"] * 10
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles[0] == "<b>0</b> · 5 images" and titles[9] == "<b>9</b> · 5 images"
    assert sum(trace.showscale is True for trace in figure.data) == 1  # one shared colour bar
    assert _axis_title(figure.layout.xaxis6) == "column"  # bottom row, first column
    assert _axis_title(figure.layout.yaxis) == "row"
    assert figure.layout.yaxis7.scaleanchor == "x7"  # square pixels in every small image


def test_pixel_value_counts_count_every_pixel_once(images_and_labels):
    images, _ = images_and_labels
    counts = charts.pixel_value_counts(images)
    assert counts.shape == (256,) and counts.sum() == images.size
    assert counts[17] == int((images == 17).sum())


def test_pixel_value_counts_are_chunked_correctly_on_real_data(mnist):
    (x_train, _), _ = mnist
    counts = charts.pixel_value_counts(x_train)
    assert counts.sum() == 60000 * 784
    assert np.array_equal(counts, np.bincount(x_train.ravel(), minlength=256))


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
    assert _axis_title(figure.layout.xaxis2).startswith("position in the 784-long input vector")
    assert _axis_title(figure.layout.yaxis2) == "value (pixel / 255)"
    assert len(figure.layout.shapes) == 29  # a line at the start of each of the 28 rows, and the end


def test_sample_indices_filter_by_digit_keep_order_or_shuffle():
    labels = np.array([5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1], dtype=np.uint8)
    assert charts.sample_indices(labels, None, 4).tolist() == [0, 1, 2, 3]
    assert charts.sample_indices(labels, 1, 10).tolist() == [3, 6, 8, 14]
    shuffled = charts.sample_indices(labels, 1, 2, seed=7)
    assert len(shuffled) == 2 and set(shuffled) <= {3, 6, 8, 14}
    assert charts.sample_indices(labels, 1, 2, seed=7).tolist() == shuffled.tolist()  # seeded
    draws = {tuple(charts.sample_indices(labels, None, 5, seed=seed)) for seed in range(6)}
    assert len(draws) > 1  # another seed, another sample
    with pytest.raises(ValueError):
        charts.sample_indices(labels, 12, 3)


def test_digit_tiles_are_sharp_upscaled_copies():
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, 2, 3] = 255
    (tile,) = charts.digit_tiles(image, scale=3)
    assert tile.shape == (84, 84) and tile.dtype == np.uint8
    assert (tile[6:9, 9:12] == 255).all()  # the inked pixel, 3x3 and white
    assert tile[0, 0] == 0 and (tile == 255).sum() == 9  # background black, no blur


def test_tile_strip_places_digits_in_rows_with_gaps():
    images = np.zeros((7, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(1, 8) * 30  # a marker pixel per image
    strip = charts.tile_strip(images, columns=5, scale=2, gap=3)
    assert strip.shape == (2 * 56 + 3, 5 * 56 + 4 * 3)
    assert strip[0, 0] == 30 and strip[0, 59] == 60  # second tile starts after 56 + 3 px
    assert strip[59, 0] == 180  # sixth image: second row, first column
    assert strip[0, 56] == 255  # the gap is white
    assert strip[59, 2 * 59] == 255  # no eighth image: the rest of row 2 stays blank
    assert charts.tile_strip(images[:2], columns=5).shape == (56, 2 * 56 + 3)  # no empty columns


def test_lesson_printout_prints_shapes_dtypes_and_labels(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    text = charts.lesson_printout(x_train, y_train, x_test, y_test)
    assert ">>> train_images.shape\n(60000, 28, 28)" in text
    assert ">>> len(train_labels)\n60000" in text
    assert ">>> test_images.shape\n(10000, 28, 28)" in text
    assert "dtype('uint8')" in text and "array([7, 2, 1, ..., 4, 5, 6]" in text
    book = charts.lesson_printout(x_train, y_train, x_test, y_test, every_array=False)
    assert book.splitlines()[::2] == [
        ">>> train_images.shape",
        ">>> len(train_labels)",
        ">>> train_labels",
        ">>> test_images.shape",
        ">>> len(test_labels)",
        ">>> test_labels",
    ]


def test_array_summary_rows():
    rows = charts.array_summary({"a": np.array([[0, 9]], dtype=np.uint8)})
    assert rows == [{"array": "a", "shape": "(1, 2)", "dtype": "uint8", "min": 0, "max": 9}]
