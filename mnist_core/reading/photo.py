"""Photos of a digit on paper turned into ink, then through the MNIST steps.

What phone photos of a digit on paper contain, and how each is handled (Pillow and
``scipy.ndimage`` throughout):

- uneven lighting and shadows: the paper's own brightness is estimated everywhere by a grey
  closing (strokes are thinner than its footprint), and ink is measured as the share of that
  light the pen took away, so a shadow darkens paper and ink alike and cancels out;
- ruled or squared paper, JPEG noise: the printed lines and the noise are much lighter than a
  pen's stroke, so ink is what is darker than half the strongest ink;
- paper edges, table corners, lines running off the photo: dark regions touching the photo's
  border are dropped (connected components, ``ndimage.label``);
- specks: blobs with a small share of the largest one's ink are dropped;
- pen colour (blue, black, pencil): the grey level (``Image.convert("L")``) of each is darker
  than paper, and ``ImageOps.autocontrast`` makes the strongest strokes full ink;
- an off-centre digit or a slight rotation: the MNIST steps crop and centre it;
- a small digit on a sheet photographed whole: found on the shrunk photo, then read again from a
  full-size crop around it; under ``MIN_DIGIT_PIXELS`` tall it is refused as too small.

Where a photo cannot be read, ``PhotoError`` says why in photo terms.
"""

from __future__ import annotations

import numpy as np
import scipy
from PIL import Image

from mnist_core.errors import ImageFileError, PhotoError
from mnist_core.reading.preprocess import INK_THRESHOLD, PreprocessSteps, ink_to_mnist_steps

WORK_SIZE = 512  # photos are shrunk to this longest side before cleaning
BACKGROUND_SIZE = 128  # the paper's brightness is estimated on a copy this long ...
BACKGROUND_FOOTPRINT = 33  # ... by a grey closing this wide (a quarter of the photo: wider than
# the strokes of a digit cropped close, so it takes them away and leaves the paper; a percentile
# filter read bench_reading.py's "all at once" photos worse)
INK_SHARE = 0.5  # ink is darker than this share of the strongest ink ...
STRONGEST_PIXELS = 16  # ... taken as the 16th darkest pixel: a count, not a share of the photo, so a
# digit covering 0.1 % of a photo still sets it (a percentile made small digits "blank paper")
MIN_INK = 0.12  # a photo whose strongest ink is lighter than this holds no writing
SPECK_SHARE = 0.05  # blobs with less ink than this share of the largest one are specks
STRETCH_SHARE = 0.003  # the strongest 0.3 % of the photo's pixels become full ink ...
STRETCH_DIGIT_SHARE = 0.1  # ... but never more than this share of the digit's own pixels
CLOSE_UP_BELOW = 96  # a digit shorter than this (px, at WORK_SIZE) is read again from a crop ...
CLOSE_UP_MARGIN = 1.0  # ... of the full-size photo, with this many digit heights of paper around it
MIN_DIGIT_PIXELS = 12  # a digit shorter than this in the photo's own pixels is too small to read

NO_WRITING = (
    "No writing found in the photo: it looks like blank or evenly shaded paper, or the digit is too "
    "small or faint to see. Take the photo closer, with the digit dark on light paper."
)
ONLY_AT_THE_EDGE = (
    "The only dark things found touch the photo's edge: the paper's edge, a table or the digit "
    "itself is cut by the frame. Crop closer around the digit, leaving some plain paper all "
    "around it."
)
TOO_SMALL = (
    "The digit is small in the photo: move closer or crop. It is {height} px tall; a digit needs "
    "at least {minimum} px (MNIST's own are 20 px)."
)


def image_to_mnist(image) -> np.ndarray:
    """A photo or scan of one handwritten digit -> (28, 28) float32 in [0, 1].

    ``image`` is a PIL image or a uint8 array (H, W), (H, W, 3) or (H, W, 4); any size,
    dark ink on light paper or light ink on dark.
    """
    return image_to_mnist_steps(image).centred


def image_to_mnist_steps(image) -> PreprocessSteps:
    """``image_to_mnist`` with every intermediate image kept. Raises ``PhotoError``."""
    return ink_to_mnist_steps(photo_ink(image))


def photo_ink(image) -> np.ndarray:
    """Photo -> (H, W) float32 ink in [0, 1], at most ``WORK_SIZE`` long, only the digit's strokes.

    A digit small in a large photo (a sheet photographed whole) is found on the shrunk photo,
    then read again from a crop of the full-size photo around it, so its strokes keep their
    pixels. Raises ``PhotoError``, with ``TOO_SMALL`` for a digit under ``MIN_DIGIT_PIXELS``.
    """
    full = _gray_picture(image)
    level = _shrunk(full)
    light_writing = float(np.median(level)) < 0.5  # light writing on a dark board or a negative scan
    digit, box = _find_digit(1.0 - level if light_writing else level)
    scale = full.height / level.shape[0]  # full-size pixels per working pixel
    top, left, bottom, right = box
    if bottom - top < CLOSE_UP_BELOW and scale > 1.0:
        margin = CLOSE_UP_MARGIN * max(bottom - top, right - left)
        crop = full.crop(tuple(round(scale * value) for value in (
            max(0.0, left - margin), max(0.0, top - margin),
            min(level.shape[1], right + margin), min(level.shape[0], bottom + margin))))
        level = _shrunk(crop)
        digit, box = _find_digit(1.0 - level if light_writing else level)
        scale = crop.height / level.shape[0]
    height = round((box[2] - box[0]) * scale)
    if height < MIN_DIGIT_PIXELS:
        raise PhotoError(TOO_SMALL.format(height=height, minimum=MIN_DIGIT_PIXELS))
    return digit


def _find_digit(level: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Dark writing on light paper, grey levels float32 (H, W) in [0, 1] -> the digit's ink,
    float32 (H, W) in [0, 1] stretched so its strongest strokes are full ink, and its bounding
    box (top, left, bottom, right) in pixels."""
    paper = _paper_level(level)
    ink = np.clip((paper - level) / np.maximum(paper, 0.05), 0.0, 1.0)
    count = min(STRONGEST_PIXELS, ink.size)
    strongest = float(np.partition(ink, ink.size - count, axis=None)[ink.size - count])
    if strongest < MIN_INK:
        raise PhotoError(NO_WRITING)
    strokes = ink >= max(INK_SHARE * strongest, INK_THRESHOLD)
    labels, count = scipy.ndimage.label(strokes, structure=np.ones((3, 3)))
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    inside = np.setdiff1d(np.arange(1, count + 1), border)
    if inside.size == 0:
        raise PhotoError(ONLY_AT_THE_EDGE)
    mass = scipy.ndimage.sum(ink, labels, index=inside)
    kept = np.isin(labels, inside[mass >= SPECK_SHARE * mass.max()])
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    box = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
    digit = np.where(kept, ink, 0.0)
    # A pencil's or a faint pen's strokes as dark as MNIST's: the strongest pixels become full ink
    # (0.3 % of the photo, as ImageOps.autocontrast's cutoff, or a tenth of a small digit's own).
    top_count = max(1, min(round(STRETCH_SHARE * digit.size), round(STRETCH_DIGIT_SHARE * int(kept.sum()))))
    full_ink = float(np.partition(digit, digit.size - top_count, axis=None)[digit.size - top_count])
    low = float(digit.min())
    stretched = np.clip((digit - low) / max(full_ink - low, 1e-6), 0.0, 1.0)
    return stretched.astype("float32"), box


def _gray_picture(image) -> Image.Image:
    """The photo at full size in grey levels (mode "L"); transparency is flattened onto white
    (or black for light ink)."""
    picture = image if isinstance(image, Image.Image) else _array_to_image(image)
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
        background = (0, 0, 0, 255) if _light_ink(picture) else (255, 255, 255, 255)
        picture = Image.alpha_composite(Image.new("RGBA", picture.size, background), picture)
    return picture.convert("L")


def _shrunk(gray: Image.Image) -> np.ndarray:
    """A grey picture at most ``WORK_SIZE`` long, float32 (H, W) in [0, 1]."""
    gray = gray.copy()
    gray.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.LANCZOS)
    return np.asarray(gray, dtype="float32") / 255.0


def _paper_level(level: np.ndarray) -> np.ndarray:
    """How bright the paper is under each pixel: a grey closing (which fills in strokes thinner
    than its footprint) on a small copy, smoothed and enlarged back to (H, W)."""
    height, width = level.shape
    scale = min(1.0, BACKGROUND_SIZE / max(height, width))
    small_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    picture = Image.fromarray(np.rint(level * 255).astype(np.uint8))
    small = np.asarray(picture.resize(small_size, Image.Resampling.BOX), dtype="float32") / 255.0
    closed = scipy.ndimage.grey_closing(small, size=BACKGROUND_FOOTPRINT, mode="nearest")
    smooth = scipy.ndimage.uniform_filter(closed, size=3, mode="nearest")
    paper = Image.fromarray(np.rint(smooth * 255).astype(np.uint8))
    paper = paper.resize((width, height), Image.Resampling.BILINEAR)
    return np.maximum(np.asarray(paper, dtype="float32") / 255.0, level)


def _light_ink(picture: Image.Image) -> bool:
    """True when the opaque pixels of an RGBA image are light (e.g. white ink on transparency),
    so it goes on black rather than white paper."""
    pixels = np.asarray(picture)
    opaque = pixels[..., 3] > 127
    return bool(opaque.any()) and float(pixels[..., :3][opaque].mean()) > 127


def _array_to_image(array) -> Image.Image:
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        raise ImageFileError(f"Expected a uint8 image array, got {array.shape} {array.dtype}.")
    return Image.fromarray(array)
