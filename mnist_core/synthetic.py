"""Synthetic "drawn" digits: MNIST digits redrawn on a canvas as a person would draw them.

Used by the tests and the benchmarks to measure how well drawings are classified, and
handy for demos. A digit is cut out of its 28x28 image, enlarged to a random size (from
a third of the canvas to nearly all of it), given a thicker or thinner stroke, turned into
a solid pen stroke with soft edges, and placed at a random spot. It comes back in one of
the two encodings streamlit-drawable-canvas produces:

- ``"transparent"``: the default canvas, background (0, 0, 0, 0), ink in alpha;
- ``"opaque"``: ``background_color="#000000"``, alpha 255 everywhere, white ink.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

CANVAS_SIZE = 280  # the Draw page's canvas, 10x MNIST
ENCODINGS = ("transparent", "opaque")
MIN_FRACTION, MAX_FRACTION = 1 / 3, 0.95  # digit height (longer side) as a share of the canvas
STROKE_RANGE = (-0.45, 0.6)  # stroke growth (+) or thinning (-), in MNIST pixels


def draw_ink(
    digit: np.ndarray, rng: np.random.Generator, canvas_size: int = CANVAS_SIZE,
    fraction: float | None = None, stroke: float | None = None,
) -> np.ndarray:
    """One MNIST digit, uint8 (28, 28), redrawn as float32 ink (canvas_size, canvas_size) in [0, 1].

    ``fraction``: the digit's longer side as a share of the canvas; ``stroke``: pen growth
    (+) or thinning (-) in MNIST pixels. Either, when None, and the position come from ``rng``.
    """
    digit = np.asarray(digit, dtype="float32") / 255.0
    rows = np.flatnonzero((digit > 0).any(axis=1))
    cols = np.flatnonzero((digit > 0).any(axis=0))
    if rows.size == 0:
        raise ValueError("The digit image is blank.")
    cut = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    fraction = rng.uniform(MIN_FRACTION, MAX_FRACTION) if fraction is None else fraction
    stroke = rng.uniform(*STROKE_RANGE) if stroke is None else stroke
    target = fraction * canvas_size
    scale = target / max(cut.shape)
    size = (max(1, round(cut.shape[1] * scale)), max(1, round(cut.shape[0] * scale)))
    picture = Image.fromarray(np.rint(cut * 255).astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    grey = np.asarray(picture, dtype="float32") / 255.0
    grey = _change_stroke(grey, stroke * scale)
    ink = _fit_canvas(np.clip((grey - 0.3) / 0.3, 0.0, 1.0), canvas_size)  # solid pen, soft edges
    canvas = np.zeros((canvas_size, canvas_size), dtype="float32")
    top = int(rng.integers(0, canvas_size - ink.shape[0] + 1))
    left = int(rng.integers(0, canvas_size - ink.shape[1] + 1))
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return canvas


def _fit_canvas(ink: np.ndarray, canvas_size: int) -> np.ndarray:
    """Crop to the ink; shrink it if a thick stroke made it larger than the canvas."""
    rows = np.flatnonzero((ink > 0).any(axis=1))
    cols = np.flatnonzero((ink > 0).any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if max(ink.shape) <= canvas_size:
        return ink
    scale = canvas_size / max(ink.shape)
    size = tuple(max(1, min(canvas_size, round(side * scale))) for side in (ink.shape[1], ink.shape[0]))
    picture = Image.fromarray(np.rint(ink * 255).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)
    return np.asarray(picture, dtype="float32") / 255.0


def _change_stroke(grey: np.ndarray, pixels: float) -> np.ndarray:
    """Grey dilation (pixels > 0) or erosion (pixels < 0) with a disc of that radius."""
    radius = int(round(abs(pixels)))
    if radius == 0:
        return grey
    span = np.arange(-radius, radius + 1)
    disc = span[:, None] ** 2 + span[None, :] ** 2 <= radius**2
    padded = np.pad(grey, radius + 1)
    operation = ndimage.grey_dilation if pixels > 0 else ndimage.grey_erosion
    return operation(padded, footprint=disc)


def encode_canvas(ink: np.ndarray, encoding: str, colour=(255, 255, 255)) -> np.ndarray:
    """Float ink (H, W) in [0, 1] -> uint8 (H, W, 4) RGBA as the canvas returns it.

    ``"transparent"``: RGB is the pen ``colour`` where there is ink, alpha is the ink.
    ``"opaque"``: alpha 255, the ink as white on black.
    """
    level = np.rint(np.clip(ink, 0.0, 1.0) * 255).astype(np.uint8)
    rgba = np.zeros(ink.shape + (4,), dtype=np.uint8)
    if encoding == "transparent":
        rgba[level > 0, :3] = colour
        rgba[..., 3] = level
    elif encoding == "opaque":
        rgba[..., :3] = level[..., None]
        rgba[..., 3] = 255
    else:
        raise ValueError(f"Unknown canvas encoding {encoding!r}; use one of {', '.join(ENCODINGS)}.")
    return rgba


def drawn_canvas(
    digit: np.ndarray, rng: np.random.Generator, encoding: str = "transparent",
    canvas_size: int = CANVAS_SIZE,
) -> np.ndarray:
    """One MNIST digit, uint8 (28, 28), as a uint8 (canvas_size, canvas_size, 4) RGBA drawing."""
    return encode_canvas(draw_ink(digit, rng, canvas_size), encoding)


def naive_resize(rgba: np.ndarray) -> np.ndarray:
    """What most demos do: the whole canvas shrunk to float32 (28, 28) in [0, 1], no cropping.

    Ink is taken from alpha (transparent canvas) or brightness (opaque canvas).
    """
    rgba = np.asarray(rgba)
    ink = rgba[..., 3] if rgba[..., 3].min() < 255 else rgba[..., :3].max(axis=2)
    small = Image.fromarray(ink).resize((28, 28), Image.Resampling.BILINEAR)
    return np.asarray(small, dtype="float32") / 255.0
