"""Pictures of digits (mnist_core.charts.gallery): the one upscaler, plain tiles and strips."""

import numpy as np
import pytest

from mnist_core.charts import gallery


def test_upscale_repeats_each_pixel_and_refuses_a_bad_scale():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    big = gallery.upscale(images, 2)
    assert (
        big.shape == (2, 56, 56)
        and (big[:, ::2, ::2] == images).all()
        and (big[:, 1::2, 1::2] == images).all()
    )
    with pytest.raises(ValueError):
        gallery.upscale(images, 0)


def test_digit_tiles_are_sharp_upscaled_copies():
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, 2, 3] = 255
    (tile,) = gallery.digit_tiles(image, scale=3)
    assert tile.shape == (84, 84) and tile.dtype == np.uint8
    assert (tile[6:9, 9:12] == 255).all()  # the inked pixel, 3x3 and white
    assert tile[0, 0] == 0 and (tile == 255).sum() == 9  # background black, no blur


def test_tile_strip_places_digits_in_rows_with_gaps():
    images = np.zeros((7, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = np.arange(1, 8) * 30  # a marker pixel per image
    strip = gallery.tile_strip(images, columns=5, scale=2, gap=3)
    assert strip.shape == (2 * 56 + 3, 5 * 56 + 4 * 3)
    assert strip[0, 0] == 30 and strip[0, 59] == 60  # second tile starts after 56 + 3 px
    assert strip[59, 0] == 180  # sixth image: second row, first column
    assert strip[0, 56] == 255  # the gap is white
    assert strip[59, 2 * 59] == 255  # no eighth image: the rest of row 2 stays blank
    assert gallery.tile_strip(images[:2], columns=5).shape == (56, 2 * 56 + 3)  # no empty columns
