"""The Draw page's non-Streamlit helpers: readings, step tiles and the probability chart."""

from __future__ import annotations

import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from mnist_core import BlankImageError, ImageFileError, load_default_network
from mnist_core.charts.drawing import OTHER_COLOUR, TILE_SIZE, TOP_COLOUR, probability_bars, step_tiles
from mnist_core.reading.preprocess import PreprocessSteps
from mnist_core.reading.reader import Reading, read_canvas, read_upload


@pytest.fixture(scope="module")
def model():
    return load_default_network()[0]


def canvas_with(image: np.ndarray, top: int, left: int, scale: int) -> np.ndarray:
    """A (28, 28) uint8 digit enlarged ``scale`` times (nearest) at (top, left) of a black
    280x280 canvas, as (280, 280, 4) uint8 RGBA."""
    big = np.kron(image, np.ones((scale, scale), np.uint8))
    plane = np.zeros((280, 280), np.uint8)
    plane[top : top + big.shape[0], left : left + big.shape[1]] = big
    return np.dstack([plane, plane, plane, np.full_like(plane, 255)])


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_probability_bars_highlight_the_top_digit_in_percent():
    probabilities = np.array([0.01, 0.02, 0.05, 0.6, 0.02, 0.2, 0.02, 0.03, 0.04, 0.01], "float32")
    figure = probability_bars(probabilities)
    assert isinstance(figure, go.Figure)
    (bars,) = figure.data
    assert list(bars.x) == list(range(10))
    np.testing.assert_allclose(bars.y, probabilities * 100, rtol=1e-6)
    assert bars.marker.color[3] == TOP_COLOUR
    assert [colour for digit, colour in enumerate(bars.marker.color) if digit != 3] == [OTHER_COLOUR] * 9
    assert bars.text[3] == "60%" and bars.text[5] == "20%"
    assert tuple(figure.layout.yaxis.range) == (0, 110)
    assert figure.layout.height == 260


def test_probability_bars_pass_plotly_validation():
    """The figure is assembled unvalidated for speed: Plotly must accept it as valid."""
    figure = probability_bars(np.full(10, 0.1, "float32"), height=300)
    validated = go.Figure(figure.to_dict())
    assert validated.layout.height == 300 and validated.data[0].type == "bar"
    assert validated.layout.title.text == "Probability per digit"
    first, second = probability_bars(np.eye(10)[2]), probability_bars(np.eye(10)[8])
    assert first.layout.to_plotly_json() == second.layout.to_plotly_json()  # no shared state mutated
    assert list(first.data[0].marker.color).index(TOP_COLOUR) == 2


@pytest.mark.parametrize(
    "bad", [np.ones(9) / 9, np.ones((2, 10)) / 10, np.array([np.nan] + [0.1] * 9)], ids=["9", "2x10", "nan"]
)
def test_probability_bars_refuse_anything_but_ten_finite_values(bad):
    with pytest.raises(ValueError, match="10 finite class probabilities"):
        probability_bars(bad)


def test_reading_properties():
    probabilities = np.array([0.05, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.55, 0.0, 0.3], "float32")
    steps = PreprocessSteps(*(np.zeros((28, 28), "float32") for _ in range(5)))
    reading = Reading(steps, probabilities)
    assert (reading.digit, reading.runner_up) == (7, 9)
    assert reading.confidence == pytest.approx(0.55)


def test_read_canvas_classifies_an_off_centre_drawing(mnist, model):
    (_, _), (x_test, y_test) = mnist
    for index in range(5):
        reading = read_canvas(canvas_with(x_test[index], 150, 5, 4), model)
        assert reading.digit == y_test[index]
        np.testing.assert_allclose(reading.probabilities, model.probabilities(reading.steps.centred)[0])
        assert reading.steps.centred.shape == (28, 28) and reading.steps.ink.shape == (280, 280)
        assert max(reading.steps.boxed.shape) == 20


def test_read_canvas_refuses_a_blank_canvas(model):
    blank = np.zeros((280, 280, 4), np.uint8)
    blank[..., 3] = 255
    with pytest.raises(BlankImageError):
        read_canvas(blank, model)


def test_read_upload_classifies_a_dark_on_light_photo(mnist, model):
    (_, _), (x_test, y_test) = mnist
    photo = 255 - np.kron(x_test[1], np.ones((10, 10), np.uint8))
    reading = read_upload(png(photo), model)
    assert reading.digit == y_test[1]


NOISE_PNG = png(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8))  # ~4 KB


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"hello, I am text", "not an image"),
        (NOISE_PNG[: len(NOISE_PNG) // 2], "truncated"),
    ],
    ids=["empty", "text", "truncated"],
)
def test_read_upload_refuses_unusable_files(model, content, message):
    with pytest.raises(ImageFileError, match=message):
        read_upload(content, model)


def test_read_upload_refuses_a_blank_photo(model):
    with pytest.raises(BlankImageError):
        read_upload(png(np.full((80, 80), 250, np.uint8)), model)


def test_step_tiles_show_network_pixels_as_square_blocks(mnist, model):
    (_, _), (x_test, _) = mnist
    steps = read_canvas(canvas_with(x_test[0], 20, 30, 6), model).steps
    tiles = step_tiles(steps)
    assert [tile.shape for tile in tiles] == [(TILE_SIZE, TILE_SIZE)] * 5
    assert all(tile.dtype == np.uint8 for tile in tiles)
    centred = np.clip(steps.centred * 255.0 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(tiles[4], np.kron(centred, np.ones((5, 5), np.uint8)))
    # The boxed digit sits in its 20x20 box, each pixel a 7x7 block.
    box = tiles[3].reshape(20, 7, 20, 7)
    assert (box == box[:, :1, :, :1]).all()
    boxed_pixels = np.clip(steps.boxed * 255.0 + 0.5, 0, 255).astype(np.uint8)
    assert box[:, 0, :, 0].sum() == boxed_pixels.sum()
    # The 280x280 drawing is halved by area averaging, so a 140x140 tile keeps its ink.
    assert tiles[0].mean() == pytest.approx(steps.ink.mean() * 255, abs=1.0)


def test_step_tiles_pad_a_tall_crop_to_a_square_without_stretching():
    tall = np.zeros((100, 20), "float32")
    tall[:, 5:15] = 1.0
    steps = PreprocessSteps(
        ink=tall, cropped=tall, normalised=tall, boxed=np.ones((20, 4), "float32"),
        centred=np.zeros((28, 28)),
    )
    tiles = step_tiles(steps)
    cropped_columns = np.flatnonzero(tiles[1].any(axis=0))
    assert len(cropped_columns) == pytest.approx(14, abs=1)  # 10 of 100 px wide -> 14 of 140
    boxed_columns = np.flatnonzero(tiles[3].any(axis=0))
    assert len(boxed_columns) == 4 * 7 and tiles[3].any(axis=1).all()
