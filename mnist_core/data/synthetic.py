"""Synthetic "drawn" digits, and non-digits: MNIST digits redrawn on a canvas as a person would.

Used by the tests and the benchmarks to measure how well drawings are classified, and
handy for demos. A digit is cut out of its 28x28 image, enlarged to a random size (from
a third of the canvas to nearly all of it), given a thicker or thinner stroke, turned into
a solid pen stroke with soft edges, and placed at a random spot. It comes back in one of
the two encodings streamlit-drawable-canvas produces:

- ``"transparent"``: the default canvas, background (0, 0, 0, 0), ink in alpha;
- ``"opaque"``: ``background_color="#000000"``, alpha 255 everywhere, white ink.

``pen_ink`` redraws a digit with a pen of a given width in pixels, and ``non_digit_ink`` draws
things that are not digits (letters from a font, stars, grids, spirals, scribbles, filled blobs)
as canvas strokes, for the benchmarks of the Draw page. ``font_style_ink`` writes a digit as a
writer unlike MNIST's would (a typeface's shapes, by hand), and ``font_style_set`` a labelled set of
them after the MNIST steps, for fine-tuning on one's own digits.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from mnist_core.reading.preprocess import as_mnist_pixels, crop_to_ink, ink_to_mnist_steps

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
    if not digit.any():
        raise ValueError("The digit image is blank.")
    cut = crop_to_ink(digit, threshold=0.0)
    fraction = rng.uniform(MIN_FRACTION, MAX_FRACTION) if fraction is None else fraction
    stroke = rng.uniform(*STROKE_RANGE) if stroke is None else stroke
    target = fraction * canvas_size
    scale = target / max(cut.shape)
    size = (max(1, round(cut.shape[1] * scale)), max(1, round(cut.shape[0] * scale)))
    picture = Image.fromarray(np.rint(cut * 255).astype(np.uint8)).resize(size, Image.Resampling.BICUBIC)
    grey = np.asarray(picture, dtype="float32") / 255.0
    grey = _change_stroke(grey, stroke * scale)
    return _place(np.clip((grey - 0.3) / 0.3, 0.0, 1.0), rng, canvas_size)  # solid pen, soft edges


def _fit_canvas(ink: np.ndarray, canvas_size: int) -> np.ndarray:
    """Crop to the ink; shrink it if a thick stroke made it larger than the canvas."""
    ink = crop_to_ink(ink, threshold=0.0)
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


def stroke_skeleton(ink: np.ndarray) -> np.ndarray:
    """The middle line of float ink's strokes, bool (H, W): the ridge of its distance transform."""
    mask = ink > 0.5
    inside = ndimage.distance_transform_edt(mask)
    return mask & (inside >= ndimage.maximum_filter(inside, size=3))


def redraw_with_pen(skeleton: np.ndarray, pen_width: float) -> np.ndarray:
    """A round pen of ``pen_width`` pixels run along a bool skeleton: float32 ink, soft edges."""
    distance = ndimage.distance_transform_edt(~skeleton)
    return np.clip(pen_width / 2.0 + 0.5 - distance, 0.0, 1.0).astype("float32")


def pen_ink(digit: np.ndarray, rng: np.random.Generator, pen_width: float, fraction: float,
            canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """One MNIST digit, uint8 (28, 28), drawn with a round pen ``pen_width`` pixels wide, its longer
    side ``fraction`` of the canvas, at a random spot: float32 (canvas_size, canvas_size).

    The pen follows the middle of the digit's strokes, so a thick pen fills small loops just as
    a real one does.
    """
    ink = draw_ink(digit, rng, canvas_size, fraction=fraction, stroke=0.0)
    drawn = redraw_with_pen(stroke_skeleton(ink), pen_width)
    return _place(crop_to_ink(drawn, threshold=0.0), rng, canvas_size)


def _place(ink: np.ndarray, rng: np.random.Generator, canvas_size: int) -> np.ndarray:
    ink = _fit_canvas(ink, canvas_size)
    canvas = np.zeros((canvas_size, canvas_size), dtype="float32")
    top = int(rng.integers(0, canvas_size - ink.shape[0] + 1))
    left = int(rng.integers(0, canvas_size - ink.shape[1] + 1))
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return canvas


NON_DIGITS = ("letter", "star", "grid", "spiral", "scribble", "blob")
# Letters a person would not read as a digit: O/o (0), I/l (1), Z/z (2), S/s (5), b/G (6),
# B (8), g/q (9) are left out, as are those whose glyph is a digit's shape in this font.
LETTERS = "ACEFHKMNRTUVWXYacefhkmnrtuvwxy"


def non_digit_ink(kind: str, rng: np.random.Generator, pen_width: float,
                  canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """Something that is not a digit, drawn as canvas strokes with a ``pen_width`` pen:
    float32 (canvas_size, canvas_size) ink. ``kind`` is one of ``NON_DIGITS``."""
    size = canvas_size
    if kind == "letter":
        picture = Image.new("L", (size, size), 0)
        font = ImageFont.load_default(size=int(size * rng.uniform(0.55, 0.8)))
        letter = LETTERS[int(rng.integers(len(LETTERS)))]
        ImageDraw.Draw(picture).text((size / 2, size / 2), letter, fill=255, font=font, anchor="mm")
        skeleton = stroke_skeleton(np.asarray(picture, dtype="float32") / 255.0)
        return redraw_with_pen(skeleton, pen_width)
    if kind == "blob":
        picture = Image.new("L", (size, size), 0)
        draw = ImageDraw.Draw(picture)
        for _ in range(int(rng.integers(1, 4))):
            centre = rng.uniform(0.3, 0.7, 2) * size
            radii = rng.uniform(0.1, 0.3, 2) * size
            draw.ellipse([*(centre - radii), *(centre + radii)], fill=255)
        return np.asarray(picture, dtype="float32") / 255.0
    strokes = _shape_strokes(kind, rng, size)
    picture = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(picture)
    for points in strokes:
        draw.line([tuple(point) for point in points], fill=255, width=int(round(pen_width)), joint="curve")
        for point in (points[0], points[-1]):  # round caps, as the canvas' pen has
            corner = np.asarray(point) - pen_width / 2
            draw.ellipse([*corner, *(corner + pen_width)], fill=255)
    return np.asarray(picture, dtype="float32") / 255.0


def _shape_strokes(kind: str, rng: np.random.Generator, size: int) -> list[np.ndarray]:
    """Pen strokes (each an (n, 2) array of x, y pixels) of a star, grid, spiral or scribble."""
    centre = rng.uniform(0.4, 0.6, 2) * size
    if kind == "star":
        radius, turn = rng.uniform(0.2, 0.42) * size, rng.uniform(0, 2 * np.pi)
        angles = turn + np.arange(6) * 4 * np.pi / 5
        return [centre + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)]
    if kind == "grid":  # a '#': two roughly vertical and two roughly horizontal strokes
        low, high = rng.uniform(0.15, 0.35) * size, rng.uniform(0.65, 0.85) * size
        strokes = []
        for share in (1 / 3, 2 / 3):
            at = low + (high - low) * share
            wobble, start, end = rng.normal(0, 0.02 * size, 4), low - 0.08 * size, high + 0.08 * size
            strokes.append(np.array([[at + wobble[0], start], [at + wobble[1], end]]))
            strokes.append(np.array([[start, at + wobble[2]], [end, at + wobble[3]]]))
        return strokes
    if kind == "spiral":
        turns, radius = rng.uniform(2.0, 3.5), rng.uniform(0.22, 0.42) * size
        angle = np.linspace(0, turns * 2 * np.pi, 200)
        reach = radius * angle / angle[-1]
        return [centre + np.stack([reach * np.cos(angle), reach * np.sin(angle)], axis=1)]
    if kind == "scribble":
        return [rng.uniform(0.2, 0.8, (int(rng.integers(6, 14)), 2)) * size]
    raise ValueError(f"Unknown non-digit {kind!r}; use one of {', '.join(NON_DIGITS)}.")


# A writer unlike MNIST's: digits in a typeface's shapes (Pillow's bundled font: its 1 has a flag
# and a foot, its 4 is closed, its 6 and 9 are straight-stemmed), written by hand with a round pen,
# so every instance differs: slant, rotation, size, pen width and a smooth wobble of the strokes.
FONT_STYLE_SIZE = 140  # pixels of the working square (the MNIST steps crop and rescale anyway)


def font_style_ink(digit: int, rng: np.random.Generator, size: int = FONT_STYLE_SIZE) -> np.ndarray:
    """One digit 0-9 in the font style: float32 ink (size, size) in [0, 1], a pen stroke along the
    glyph's middle line after a random slant (±0.25), rotation (±12°) and elastic wobble."""
    if not 0 <= int(digit) <= 9:
        raise ValueError(f"digit must be 0-9, got {digit!r}.")
    picture = Image.new("L", (size, size), 0)
    font = ImageFont.load_default(size=int(size * rng.uniform(0.55, 0.8)))
    ImageDraw.Draw(picture).text((size / 2, size / 2), str(int(digit)), fill=255, font=font, anchor="mm")
    ink = np.asarray(picture, dtype="float32") / 255.0
    slant, centre = rng.uniform(-0.25, 0.25), np.array([size / 2, size / 2])
    matrix = np.array([[1.0, 0.0], [slant, 1.0]])
    ink = ndimage.affine_transform(ink, matrix, offset=centre - matrix @ centre, order=1)
    ink = ndimage.rotate(ink, rng.uniform(-12, 12), reshape=False, order=1)
    smooth, reach = size / 15, size * 1.1  # the wobble: a few pixels, over a third of the digit
    rows, columns = np.mgrid[:size, :size].astype("float32")
    shift_rows = ndimage.gaussian_filter(rng.uniform(-1, 1, (size, size)), smooth) * reach
    shift_columns = ndimage.gaussian_filter(rng.uniform(-1, 1, (size, size)), smooth) * reach
    ink = ndimage.map_coordinates(ink, [rows + shift_rows, columns + shift_columns], order=1)
    return redraw_with_pen(stroke_skeleton(ink), rng.uniform(0.05, 0.09) * size)


def font_style_set(per_digit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_digit`` font-style digits of each digit 0-9 (``seed``), put through the MNIST steps as a
    drawing is: images uint8 (10·per_digit, 28, 28), labels uint8 (10·per_digit,) as 0, 1, ..., 9, 0, ..."""
    generator = np.random.default_rng(seed)
    labels = np.tile(np.arange(10, dtype=np.uint8), per_digit)
    images = np.stack([as_mnist_pixels(ink_to_mnist_steps(font_style_ink(int(label), generator)).centred)
                       for label in labels])
    return images, labels
