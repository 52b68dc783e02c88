"""The Predictions page's pure helpers: Plotly figures, the click parser and the digit grid
(mnist_core.charts.predictions, mnist_core.charts.gallery). No Streamlit, no model."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from mnist_core.charts.gallery import (
    BORDER,
    CORRECT_RGB,
    SCALE,
    WRONG_RGB,
    compose_grid,
    enlarge,
    framed_tiles,
    grid_pixels,
    png_data_url,
    tile_box,
    tile_centres,
)
from mnist_core.charts.predictions import (
    RIGHT_COLOUR,
    TRUE_COLOUR,
    WRONG_COLOUR,
    cell_from_selection,
    confusion_figure,
    grid_figure,
    index_from_selection,
    probability_figure,
)


@pytest.fixture
def confusion(rng) -> np.ndarray:
    """A plausible (10, 10) confusion matrix: ~1,000 on the diagonal, a few mistakes."""
    matrix = rng.integers(0, 8, size=(10, 10))
    matrix[np.arange(10), np.arange(10)] = rng.integers(880, 1130, size=10)
    matrix[9, 4] = 0
    return matrix


# --- Confusion matrix ----------------------------------------------------------------------


def test_confusion_figure_colours_right_and_wrong_on_separate_layers(confusion):
    figure = confusion_figure(confusion)
    right, wrong, cells = figure.data
    assert (right.type, wrong.type, cells.type) == ("heatmap", "heatmap", "scatter")
    right_z, wrong_z = np.array(right.z, dtype=float), np.array(wrong.z, dtype=float)
    diagonal = np.eye(10, dtype=bool)
    np.testing.assert_array_equal(right_z[diagonal], np.diag(confusion))
    assert np.isnan(right_z[~diagonal]).all()
    np.testing.assert_array_equal(wrong_z[~diagonal], confusion[~diagonal])
    assert np.isnan(wrong_z[diagonal]).all()
    assert wrong.zmax == confusion[~diagonal].max(), "mistakes get their own colour scale"
    assert not wrong.showscale and not right.showscale, "counts are written in the cells instead"


def test_confusion_figure_labels_non_zero_cells_with_their_counts(confusion):
    right, wrong, _ = confusion_figure(confusion).data
    assert right.text[3][3] == str(confusion[3, 3])
    assert right.text[3][4] == "", "off-diagonal cells are labelled by the other layer"
    assert wrong.text[2][7] == str(confusion[2, 7]) if confusion[2, 7] else wrong.text[2][7] == ""
    assert wrong.text[9][4] == "", "zero mistakes stay blank"


def test_confusion_figure_click_layer_covers_every_cell_with_its_count(confusion):
    cells = confusion_figure(confusion).data[2]
    assert len(cells.x) == len(cells.y) == 100
    for x, y, (true_digit, predicted_digit, count) in zip(cells.x, cells.y, cells.customdata, strict=True):
        assert (true_digit, predicted_digit) == (y, x)
        assert count == confusion[true_digit, predicted_digit]
    assert "Click" in cells.hovertemplate


def test_confusion_figure_axes_and_selection_settings(confusion):
    figure = confusion_figure(confusion)
    assert figure.layout.xaxis.title.text == "Predicted digit"
    assert figure.layout.yaxis.title.text == "True digit"
    assert figure.layout.yaxis.autorange == "reversed", "digit 0 at the top, like a table"
    assert list(figure.layout.xaxis.tickvals) == list(range(10))
    assert figure.layout.clickmode == "event+select"


def test_confusion_figure_outlines_the_highlighted_cell(confusion):
    assert not confusion_figure(confusion).layout.shapes
    (shape,) = confusion_figure(confusion, highlight=(4, 9)).layout.shapes
    assert (shape.x0, shape.x1, shape.y0, shape.y1) == (8.5, 9.5, 3.5, 4.5)


def test_confusion_figure_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="10, 10"):
        confusion_figure(np.zeros((9, 10)))


# --- Clicks --------------------------------------------------------------------------------


def test_cell_from_selection_reads_what_the_browser_sends():
    """This payload was captured from a click on cell (true 4, predicted 9) in Chromium."""
    selection = {
        "points": [
            {
                "curve_number": 2,
                "point_number": 49,
                "point_index": 49,
                "x": 9,
                "y": 4,
                "customdata": {"0": 4, "1": 9, "2": 3},
            }
        ],
        "point_indices": [49],
        "box": [],
        "lasso": [],
    }
    assert cell_from_selection(selection) == (4, 9)


def test_cell_from_selection_accepts_list_customdata_or_bare_coordinates_and_the_last_point_wins():
    assert cell_from_selection({"points": [{"customdata": [7, 2, 8]}]}) == (7, 2)
    assert cell_from_selection({"points": [{"x": 3.0, "y": 5.0}]}) == (5, 3)
    assert cell_from_selection({"points": [{"x": 1, "y": 1}, {"x": 6, "y": 0}]}) == (0, 6)


def test_cell_from_selection_is_none_without_a_usable_point():
    assert cell_from_selection(None) is None
    assert cell_from_selection({"points": [], "box": [], "lasso": []}) is None
    assert cell_from_selection({"points": [{"curve_number": 0}]}) is None
    assert cell_from_selection({"points": [{"x": 12, "y": 3}]}) is None, "outside the matrix"


# --- Probability bars ----------------------------------------------------------------------


def probabilities_with(top: int, second: int) -> np.ndarray:
    values = np.full(10, 0.01)
    values[top], values[second] = 0.7, 0.22
    return values


def test_probability_figure_is_ten_bars_of_the_probabilities():
    values = probabilities_with(top=7, second=1)
    figure = probability_figure(values, label=7)
    (bars,) = figure.data
    assert isinstance(bars, go.Bar)
    assert list(bars.x) == list(range(10))
    np.testing.assert_allclose(bars.y, values)
    assert bars.text[7] == "70.0%"
    assert figure.layout.xaxis.title.text == "Digit"
    assert figure.layout.yaxis.title.text == "Probability"
    assert figure.layout.yaxis.range[0] == 0 and figure.layout.yaxis.range[1] >= 1


def test_probability_figure_colours_a_right_prediction_green():
    colours = probability_figure(probabilities_with(top=7, second=1), label=7).data[0].marker.color
    assert colours[7] == RIGHT_COLOUR
    assert WRONG_COLOUR not in colours and TRUE_COLOUR not in colours


def test_probability_figure_colours_a_wrong_prediction_red_and_the_missed_digit_indigo():
    colours = probability_figure(probabilities_with(top=9, second=4), label=4).data[0].marker.color
    assert colours[9] == WRONG_COLOUR
    assert colours[4] == TRUE_COLOUR
    assert RIGHT_COLOUR not in colours


def test_probability_figure_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match="10 probabilities"):
        probability_figure(np.ones(9) / 9)


# --- Digit pictures ------------------------------------------------------------------------


def test_framed_tiles_keep_the_digit_and_frame_it_green_or_red(mnist):
    (_, _), (x_test, _) = mnist
    tiles = framed_tiles(x_test[:2], np.array([True, False]))
    side = 28 * SCALE + 2 * BORDER
    assert tiles.shape == (2, side, side, 3) and tiles.dtype == np.uint8
    assert tuple(tiles[0, 0, 0]) == CORRECT_RGB and tuple(tiles[0, -1, side // 2]) == CORRECT_RGB
    assert tuple(tiles[1, 0, 0]) == WRONG_RGB and tuple(tiles[1, side // 2, -1]) == WRONG_RGB
    inner = tiles[0, BORDER : side - BORDER, BORDER : side - BORDER, 0]
    np.testing.assert_array_equal(inner[::SCALE, ::SCALE], x_test[0]), "nearest upscaling, no blur"


def test_compose_grid_lays_tiles_out_row_major_with_their_frames(mnist):
    (_, _), (x_test, y_test) = mnist
    count, columns = 23, 10
    predicted = y_test[:count].astype(np.int64).copy()
    predicted[[3, 17]] = (predicted[[3, 17]] + 1) % 10  # two mistakes
    grid = compose_grid(x_test[:count], predicted, y_test[:count], np.arange(count), columns=columns)
    assert grid.shape == (*grid_pixels(count, columns), 3) and grid.dtype == np.uint8
    side = 28 * SCALE + 2 * BORDER
    cell_width = (grid.shape[1] + 4) // columns
    cell_height = (grid.shape[0] + 4) // 3
    for position in range(count):
        top, left = (position // columns) * cell_height, (position % columns) * cell_width
        expected = WRONG_RGB if position in (3, 17) else CORRECT_RGB
        assert tuple(grid[top, left + side // 2]) == expected, position
        digit = grid[top + BORDER : top + side - BORDER, left + BORDER : left + side - BORDER, 0]
        # the index number is painted in the top-left corner; the rest is the digit itself
        np.testing.assert_array_equal(digit[30:, :][::SCALE, ::SCALE], x_test[position][10:, :])
    last_row_empty = grid[2 * cell_height : 2 * cell_height + side, 5 * cell_width :]
    assert (last_row_empty == 255).all(), "no tiles after the 23rd"


def test_compose_grid_writes_a_caption_under_each_digit(mnist):
    (_, _), (x_test, y_test) = mnist
    grid = compose_grid(x_test[:1], y_test[:1], y_test[:1], np.array([0]))
    side = 28 * SCALE + 2 * BORDER
    strip = grid[side + 2 : grid.shape[0] - 2, BORDER : side - BORDER]
    assert (strip.min(axis=2) < 100).any(), "dark caption text on the light strip"


def test_compose_grid_of_nothing_is_one_blank_row():
    grid = compose_grid(np.zeros((0, 28, 28), np.uint8), [], [], [])
    assert grid.shape == (*grid_pixels(0), 3)
    assert (grid == 255).all()


def test_gallery_rejects_bad_input(mnist):
    (_, _), (x_test, y_test) = mnist
    with pytest.raises(ValueError, match="28, 28"):
        compose_grid(np.zeros((2, 20, 20), np.uint8), [0, 1], [0, 1], [0, 1])
    with pytest.raises(ValueError, match="uint8"):
        framed_tiles(x_test[:2] / 255.0, [True, True])
    with pytest.raises(ValueError, match="same length"):
        compose_grid(x_test[:3], y_test[:2], y_test[:3], [0, 1, 2])


def test_enlarge_blows_up_pixels_without_blurring(mnist):
    (_, _), (x_test, _) = mnist
    big = enlarge(x_test[0], 280)
    assert big.shape == (280, 280) and big.dtype == np.uint8
    np.testing.assert_array_equal(big[::10, ::10], x_test[0])
    assert set(np.unique(big)) <= set(np.unique(x_test[0]))


def test_tile_centres_and_boxes_match_the_composed_picture(mnist):
    (_, _), (x_test, y_test) = mnist
    count, columns = 23, 10
    predicted = y_test[:count].astype(np.int64).copy()
    predicted[17] = (predicted[17] + 1) % 10
    grid = compose_grid(x_test[:count], predicted, y_test[:count], np.arange(count), columns=columns)
    x, y = tile_centres(count, columns)
    for position in range(count):
        left, top, right, bottom = tile_box(position, columns)
        assert left < x[position] < right and top < y[position] < bottom
        frame = WRONG_RGB if position == 17 else CORRECT_RGB
        assert tuple(grid[top, left]) == frame and tuple(grid[bottom - 1, right - 1]) == frame
        if position % columns != columns - 1:
            assert tuple(grid[top, right]) == (255, 255, 255), "a white gap between tiles"


# --- The clickable grid ------------------------------------------------------------------------


def test_grid_figure_sends_the_picture_once_as_png_with_one_clickable_marker_per_tile(mnist):
    (_, _), (x_test, y_test) = mnist
    indices = np.array([5, 900, 31])
    grid = compose_grid(x_test[indices], y_test[indices], y_test[indices], indices)
    hover = ["a", "b", "c"]
    figure = grid_figure(grid, tile_centres(3), indices.tolist(), hover, highlight=tile_box(1))
    picture, tiles = figure.data
    assert picture.type == "image" and picture.source.startswith("data:image/png;base64,")
    assert picture.z is None, "no per-pixel numbers in the figure JSON"
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(picture.source.split(",", 1)[1]))))
    np.testing.assert_array_equal(decoded, grid)
    assert [data[0] for data in tiles.customdata] == [5, 900, 31]
    assert list(tiles.hovertext) == hover
    np.testing.assert_allclose(tiles.x, tile_centres(3)[0])
    (shape,) = figure.layout.shapes
    left, top, right, bottom = tile_box(1)
    assert shape.x0 < left < right < shape.x1 and shape.y0 < top < bottom < shape.y1
    assert tuple(figure.layout.yaxis.range) == (grid.shape[0], 0), "pixel rows go down"
    assert figure.layout.clickmode == "event+select"


def test_grid_figure_rejects_mismatched_input(mnist):
    (_, _), (x_test, y_test) = mnist
    grid = compose_grid(x_test[:2], y_test[:2], y_test[:2], [0, 1])
    with pytest.raises(ValueError, match="one entry per tile"):
        grid_figure(grid, tile_centres(2), [0, 1], ["only one"])
    with pytest.raises(ValueError, match="uint8"):
        grid_figure(grid[..., 0], tile_centres(2), [0, 1], ["a", "b"])


def test_png_data_url_round_trips():
    image = (np.arange(12 * 7) % 256).astype(np.uint8).reshape(12, 7)
    url = png_data_url(image)
    decoded = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))
    np.testing.assert_array_equal(decoded, image)


def test_index_from_selection_reads_the_clicked_tile():
    assert index_from_selection({"points": [{"x": 138.0, "y": 169.0, "customdata": [23]}]}) == 23
    assert index_from_selection({"points": [{"customdata": {"0": 4017}}]}) == 4017
    assert index_from_selection({"points": [{"customdata": [1]}, {"customdata": [8]}]}) == 8
    assert index_from_selection({"points": []}) is None
    assert index_from_selection(None) is None
    assert index_from_selection({"points": [{"x": 1, "y": 2}]}) is None, "the picture itself carries no index"
