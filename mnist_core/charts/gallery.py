"""Pictures of MNIST digits: enlarged digits, plain and framed tiles, strips and one composed grid.

Pure Pillow and NumPy (no Streamlit, no figures, no filtering: that is mnist_core.serving.browsing):
a page of 100 digits becomes ONE RGB image, so a page turn costs one small PNG instead of
100 figures. Green frames mark right predictions, red frames wrong ones.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from mnist_core.config import (
    RIGHT_COLOUR,
    RIGHT_PALE_COLOUR,
    TEXT_COLOUR,
    WRONG_COLOUR,
    WRONG_PALE_COLOUR,
    WRONG_TEXT_COLOUR,
    rgb,
)

CORRECT_RGB = rgb(RIGHT_COLOUR)
WRONG_RGB = rgb(WRONG_COLOUR)
CORRECT_STRIP_RGB = rgb(RIGHT_PALE_COLOUR)  # behind the caption
WRONG_STRIP_RGB = rgb(WRONG_PALE_COLOUR)
TEXT_RGB = rgb(TEXT_COLOUR)
WRONG_TEXT_RGB = rgb(WRONG_TEXT_COLOUR)
INDEX_RGB = (160, 160, 160)  # the index number drawn on the black digit
BACKGROUND_RGB = (255, 255, 255)

SCALE = 3  # 28 px -> 84 px
BORDER = 4  # frame width in pixels
STRIP = 28  # caption height in pixels under the digit
CAPTION_SIZE = 22  # caption font size in the picture: about 14 px on screen at 1280 px wide
GAP = 4  # white space between tiles


def _check_images(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"Expected uint8 images shaped (N, 28, 28), got {images.shape}.")
    if images.dtype != np.uint8:
        raise ValueError(f"Expected uint8 images, got {images.dtype}.")
    return images


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's bundled font: no system font needed on a bare deployment."""
    return ImageFont.load_default(size=size)


def enlarge(image: np.ndarray, size: int = 280) -> np.ndarray:
    """A uint8 (28, 28) digit as uint8 (size, size), blown up with visible pixels (nearest)."""
    image = _check_images(np.asarray(image)[np.newaxis])[0]
    return np.asarray(Image.fromarray(image).resize((size, size), Image.Resampling.NEAREST))


def upscale(images: np.ndarray, scale: int) -> np.ndarray:
    """uint8 (N, 28, 28) -> uint8 (N, 28·scale, 28·scale): every pixel a scale x scale block,
    so digits stay sharp instead of being blurred by a browser."""
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}.")
    return _check_images(images).repeat(scale, axis=1).repeat(scale, axis=2)


def digit_tiles(images: np.ndarray, scale: int = 3) -> list[np.ndarray]:
    """uint8 images (N, 28, 28) -> N uint8 (28·scale, 28·scale) tiles, as stored (``upscale``)."""
    return list(upscale(images, scale))


def tile_strip(images: np.ndarray, columns: int = 10, scale: int = 2, gap: int = 3) -> np.ndarray:
    """One uint8 (H, W) picture of the images (N, 28, 28), ``columns`` per row, white gaps.

    Each digit is upscaled ``scale`` times (``upscale``); rows are filled left to right.
    N == 0 gives an empty (0, 0) array.
    """
    if columns < 1 or gap < 0:
        raise ValueError("columns must be 1 or more and gap 0 or more.")
    tiles = upscale(images, scale)
    if len(tiles) == 0:
        return np.zeros((0, 0), dtype=np.uint8)
    side = 28 * scale
    rows, used_columns = -(-len(tiles) // columns), min(columns, len(tiles))
    picture = np.full((rows * (side + gap) - gap, used_columns * (side + gap) - gap), 255, dtype=np.uint8)
    for position, tile in enumerate(tiles):
        top, left = (position // columns) * (side + gap), (position % columns) * (side + gap)
        picture[top : top + side, left : left + side] = tile
    return picture


def framed_tiles(
    images: np.ndarray, correct: np.ndarray, scale: int = SCALE, border: int = BORDER
) -> np.ndarray:
    """uint8 (N, 28·scale + 2·border, same, 3): each digit upscaled, framed green or red.

    ``images`` uint8 (N, 28, 28), ink high; ``correct`` bool (N,).
    """
    images = _check_images(images)
    correct = np.asarray(correct, dtype=bool)
    if correct.shape != (len(images),):
        raise ValueError(f"Expected {len(images)} correctness flags, got shape {correct.shape}.")
    digits = upscale(images, scale)
    side = 28 * scale + 2 * border
    tiles = np.empty((len(images), side, side, 3), dtype=np.uint8)
    tiles[correct] = CORRECT_RGB
    tiles[~correct] = WRONG_RGB
    tiles[:, border : side - border, border : side - border, :] = digits[..., np.newaxis]
    return tiles


def compose_grid(
    images: np.ndarray,
    predicted: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    columns: int = 10,
) -> np.ndarray:
    """One uint8 (H, W, 3) picture of N framed digits, ``columns`` per row, row-major.

    ``images`` uint8 (N, 28, 28); ``predicted``, ``labels``, ``indices`` ints (N,). Each tile
    shows its test-set index on the digit and, on a tinted strip under it, the predicted
    digit P ("P" when right, "P · true T" when wrong, as ``tile_caption``); its frame is green
    when P == T, red otherwise. N == 0 gives one blank row. Built in
    NumPy from cached text bitmaps: a few milliseconds for 100 tiles.
    """
    images = _check_images(images)
    predicted, labels, indices = (
        np.asarray(values).astype(np.int64) for values in (predicted, labels, indices)
    )
    if not len(predicted) == len(labels) == len(indices) == len(images):
        raise ValueError("images, predicted, labels and indices must have the same length.")
    if columns < 1:
        raise ValueError(f"columns must be at least 1, got {columns}.")
    correct = predicted == labels
    tiles = framed_tiles(images, correct)
    side = 28 * SCALE + 2 * BORDER
    height, width = grid_pixels(len(images), columns)
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    canvas[:] = BACKGROUND_RGB
    for position, tile in enumerate(tiles):
        top = (position // columns) * (side + STRIP + GAP)
        left = (position % columns) * (side + GAP)
        canvas[top : top + side, left : left + side] = tile
        strip = canvas[top + side : top + side + STRIP, left : left + side]
        strip[:] = CORRECT_STRIP_RGB if correct[position] else WRONG_STRIP_RGB
        frame = CORRECT_RGB if correct[position] else WRONG_RGB
        strip[-1, :], strip[:, 0], strip[:, -1] = frame, frame, frame
        caption = _text_mask(tile_caption(int(predicted[position]), int(labels[position])), CAPTION_SIZE)
        _blend(strip, caption, TEXT_RGB if correct[position] else WRONG_TEXT_RGB, centre=True)
        digit = canvas[top + BORDER + 2 : top + side - BORDER, left + BORDER + 2 : left + side - BORDER]
        _blend(digit, _number_mask(int(indices[position])), INDEX_RGB, centre=False)
    return canvas


def tile_caption(predicted: int, label: int) -> str:
    """The caption under a tile: the predicted digit, and the true one when they differ."""
    return f"{predicted}" if predicted == label else f"{predicted} · true {label}"


@lru_cache(maxsize=256)
def _text_mask(text: str, size: int) -> np.ndarray:
    """uint8 (h, w) coverage of ``text`` in Pillow's bundled font, tightly cropped."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(image).text((-left, -top), text, fill=255, font=font)
    mask = np.asarray(image)
    mask.flags.writeable = False
    return mask


@lru_cache(maxsize=4096)
def _number_mask(number: int) -> np.ndarray:
    """uint8 (h, w) coverage of "#<number>" at size 10, glued from cached character bitmaps."""
    characters = [_text_mask(character, 10) for character in f"#{number}"]
    height = max(mask.shape[0] for mask in characters)
    mask = np.zeros((height, sum(glyph.shape[1] + 1 for glyph in characters)), dtype=np.uint8)
    left = 0
    for glyph in characters:
        mask[height - glyph.shape[0] :, left : left + glyph.shape[1]] = glyph
        left += glyph.shape[1] + 1
    mask.flags.writeable = False
    return mask


def _blend(region: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int], centre: bool) -> None:
    """Paint ``colour`` into the uint8 (h, w, 3) ``region`` through a uint8 coverage mask, in place."""
    height, width = min(mask.shape[0], region.shape[0]), min(mask.shape[1], region.shape[1])
    top = (region.shape[0] - height) // 2 if centre else 0
    left = (region.shape[1] - width) // 2 if centre else 0
    target = region[top : top + height, left : left + width]
    alpha = mask[:height, :width, np.newaxis].astype(np.float32) / 255.0
    target[:] = (target * (1.0 - alpha) + np.asarray(colour, np.float32) * alpha + 0.5).astype(np.uint8)


def grid_pixels(count: int, columns: int = 10) -> tuple[int, int]:
    """(height, width) in pixels of ``compose_grid`` for ``count`` tiles."""
    side = 28 * SCALE + 2 * BORDER
    rows = max(1, -(-count // columns))
    return rows * (side + STRIP + GAP) - GAP, columns * (side + GAP) - GAP


def tile_centres(count: int, columns: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """float64 (count,) x and y pixel centres of ``compose_grid``'s tiles (digit and caption)."""
    side = 28 * SCALE + 2 * BORDER
    positions = np.arange(count)
    x = (positions % columns) * (side + GAP) + side / 2
    y = (positions // columns) * (side + STRIP + GAP) + (side + STRIP) / 2
    return x.astype(np.float64), y.astype(np.float64)


def tile_box(position: int, columns: int = 10) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) pixel edges of tile ``position`` in ``compose_grid``'s picture."""
    side = 28 * SCALE + 2 * BORDER
    left = (position % columns) * (side + GAP)
    top = (position // columns) * (side + STRIP + GAP)
    return left, top, left + side, top + side + STRIP


def contact_sheet(digits, columns: int = 20) -> bytes:
    """A PNG of every digit of a ``DigitSet`` as the network sees it (28x28, twice enlarged), in set
    order, rows of
    ``columns``; sorted by label first so a writer's 3s sit together."""
    order = np.argsort(digits.labels, kind="stable")
    picture = tile_strip(digits.images[order], columns=columns, scale=2)
    if picture.size == 0:
        picture = np.full((56, 56), 255, np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return buffer.getvalue()


def png_bytes(pixels: np.ndarray) -> bytes:
    """uint8 pixels (rows, columns) grey or (rows, columns, 3) RGB as PNG bytes: lossless, a few hundred
    bytes to 2 kB for a digit's pictures, cheap to encode (fast zlib level)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:`` URI: ``st.image`` passes it to the browser inside the page's message, where
    bytes would be stored as a media file and fetched by one more HTTP request each."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_data_url(image: np.ndarray) -> str:
    """A uint8 (H, W) or (H, W, 3) array as a ``data:image/png;base64,…`` URL."""
    return data_uri(png_bytes(image))
