"""Turning drawings and uploads into MNIST images (the lesson's ``flatten_and_scale``, the last
step into the network, is ``mnist_core.serving.network``'s).

- ``canvas_to_mnist``: a drawing made the way MNIST digits were made (LeCun): crop to
  the ink, redraw its strokes at MNIST's width, fit it in a 20x20 box keeping the aspect
  ratio (antialiased), and place it in 28x28 with its centre of mass at the centre.
- ``load_image_bytes``: an uploaded file decoded, or a clear reason why not. Photos are
  cleaned in ``mnist_core.reading.photo`` before the same steps.

SciPy loads its submodules on first use: ``scipy.ndimage`` is not imported with this module, so
Draw's first run with a blank canvas (a cold start's first page) does not wait for it, and
``import_image_modules`` lets a background thread load it before the first drawing arrives.
"""

from __future__ import annotations

import importlib
import io
from dataclasses import dataclass

import numpy as np
import scipy
from PIL import Image, ImageOps, UnidentifiedImageError

from mnist_core.errors import BlankImageError, ImageFileError

BOX_SIZE = 20  # MNIST digits were size-normalised to fit a 20x20 box
FRAME_SIZE = 28  # ... and centred by centre of mass in a 28x28 frame
INK_THRESHOLD = 0.1  # ink level (of 1.0) that counts as drawn
# Stroke width over the digit's longer side after normalisation: the median on MNIST's own
# training digits redrawn by mnist_core.data.synthetic, rounded. LeCun's "about a tenth of the
# digit" is the same order.
STROKE_RATIO = 0.13
STROKE_TOLERANCE = 0.5  # pixels of width difference below which strokes are left as drawn
STROKE_WORK_SIZE = 112  # crops are measured and redrawn at most this long (4x the 28 frame)
MIN_INK_PIXELS = 4  # fewer inked pixels than this is a blank canvas
MAX_IMAGE_PIXELS = 24_000_000  # uploads above this are refused (a 50 MP image is)


@dataclass(frozen=True)
class PreprocessSteps:
    """Each stage of ``canvas_to_mnist`` / ``image_to_mnist``, for display.

    All are float32 arrays in [0, 1], light ink on black:
    ``ink`` (H, W) the whole input as ink, ``cropped`` (h, w) the ink's bounding box,
    ``normalised`` (h', w') the crop with its strokes thinned or thickened to MNIST's width
    (at most ``STROKE_WORK_SIZE`` long), ``boxed`` (<=20, <=20) that scaled into the 20x20
    box, ``centred`` (28, 28) the network's input. ``stroke_width`` is the strokes' measured
    width in pixels of ``cropped``.
    """

    ink: np.ndarray
    cropped: np.ndarray
    normalised: np.ndarray
    boxed: np.ndarray
    centred: np.ndarray
    stroke_width: float = 0.0

    @property
    def stroke_ratio(self) -> float:
        """The drawn strokes' width over the digit's longer side (MNIST's is ``STROKE_RATIO``)."""
        return self.stroke_width / max(self.cropped.shape)


def canvas_ink(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA canvas -> (H, W) float32 ink in [0, 1].

    A canvas with any transparency (streamlit-drawable-canvas' default background) keeps
    its ink in the alpha channel; an opaque canvas keeps it in brightness, light on dark
    or, when the border is light, dark on light, measured from the background's level
    (so a uniform grey canvas is blank, and black or white ones are unchanged).
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4) or rgba.dtype != np.uint8:
        raise ValueError(f"Expected an (H, W, 4) uint8 RGBA array, got {rgba.shape} {rgba.dtype}.")
    if rgba.shape[2] == 4 and rgba[..., 3].min() < 255:
        return rgba[..., 3].astype("float32") / 255.0
    luma = Image.fromarray(rgba).convert("L")  # RGBA -> L ignores alpha; no copy of the RGB planes
    ink = _ink_from_gray(np.asarray(luma, dtype="float32") / 255.0)
    background = float(np.median(np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])))
    return np.clip((ink - background) / (1.0 - background), 0.0, 1.0) if background > 0 else ink


def is_blank(rgba: np.ndarray) -> bool:
    """True when the canvas holds no ink worth classifying."""
    return _is_blank_ink(canvas_ink(rgba))


def canvas_to_mnist(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA drawing -> (28, 28) float32 in [0, 1], MNIST-style.

    Raises ``BlankImageError`` (a ``ValueError``) when nothing is drawn.
    """
    return canvas_to_mnist_steps(rgba).centred


def canvas_to_mnist_steps(rgba: np.ndarray) -> PreprocessSteps:
    """``canvas_to_mnist`` with every intermediate image kept."""
    ink = canvas_ink(rgba)
    if _is_blank_ink(ink):
        raise BlankImageError("The canvas is blank: draw a digit first.")
    return ink_to_mnist_steps(ink)


def ink_to_mnist_steps(ink: np.ndarray, stroke_ratio: float | None = STROKE_RATIO) -> PreprocessSteps:
    """(H, W) float ink in [0, 1] -> the MNIST steps: crop, stroke width, 20x20 box, centre of mass.

    ``stroke_ratio=None`` leaves the strokes as drawn (what the page did before; benchmarks).
    """
    cropped = crop_to_ink(ink)
    if stroke_ratio is None:
        normalised, stroke_width = cropped, 0.0
    else:
        normalised, stroke_width = normalise_strokes(cropped, stroke_ratio)
    boxed = fit_in_box(normalised, BOX_SIZE)
    centred = centre_by_mass(boxed, FRAME_SIZE)
    return PreprocessSteps(ink, cropped, normalised, boxed, centred, stroke_width)


def import_image_modules() -> None:
    """Load ``scipy.ndimage``, which the MNIST steps use and SciPy loads on their first use, e.g. on
    a background thread once a page has shown itself, so that its first drawing does not wait."""
    importlib.import_module("scipy.ndimage")


def as_mnist_pixels(centred: np.ndarray) -> np.ndarray:
    """float32 (28, 28) in [0, 1] (``PreprocessSteps.centred``) -> uint8 (28, 28), as MNIST stores."""
    return np.rint(np.clip(centred, 0.0, 1.0) * 255).astype(np.uint8)


def crop_to_ink(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """The smallest rectangle holding every pixel above ``threshold`` (``ndimage.find_objects``)."""
    found = scipy.ndimage.find_objects((np.asarray(ink) > threshold).astype(np.int8))
    if not found:
        raise BlankImageError("No ink found: draw or photograph a digit.")
    return ink[found[0]]


def stroke_width(ink: np.ndarray) -> float:
    """Width in pixels of the strokes of (h, w) float ink: twice the median distance from the
    strokes' middle (the ridge of the distance transform) to the paper. 0.0 without ink."""
    return _width_from_depth(_ink_depth(ink))


def _ink_depth(ink: np.ndarray) -> np.ndarray:
    """float64 (h, w): each ink pixel's distance to the paper (``ndimage.distance_transform_edt``,
    a crop's edge pixels bordering the paper), 0 on the paper."""
    return scipy.ndimage.distance_transform_edt(np.pad(ink > 0.5, 1))[1:-1, 1:-1]


def _width_from_depth(depth: np.ndarray) -> float:
    """``stroke_width`` from ``_ink_depth``: twice the median depth along the ridge."""
    inside = np.pad(depth, 1)
    ridge = (inside > 0) & (inside >= scipy.ndimage.maximum_filter(inside, size=3))
    return float(2.0 * np.median(inside[ridge])) if ridge.any() else 0.0


def normalise_strokes(cropped: np.ndarray, ratio: float = STROKE_RATIO) -> tuple[np.ndarray, float]:
    """Thin or thicken the strokes of a (h, w) float ink crop to ``ratio`` of its longer side.

    A canvas pen draws every stroke at one width, so moving each stroke's edge by half the
    excess (an erosion, or a dilation for a thin pen, by Euclidean distance transform) brings
    them all to MNIST's width without breaking a stroke or closing a loop. (Thinning to a
    skeleton and redrawing it was tried first: the skeleton's spurs at every corner cost 12
    points at a 30 px pen; see benchmarks/bench_reading.py.) Crops longer than
    ``STROKE_WORK_SIZE`` are shrunk first. Returns the new crop, float32 in [0, 1], and the
    measured stroke width in pixels of ``cropped``.
    """
    scale = min(1.0, STROKE_WORK_SIZE / max(cropped.shape))
    work = cropped if scale == 1.0 else resize(cropped, scale)
    depth = _ink_depth(work)  # measured once: the width and the thinning both use it
    width = _width_from_depth(depth)
    if width == 0.0:
        return work.astype("float32"), 0.0
    # The target is a share of the digit's size once redrawn: skeleton length plus new width.
    target = ratio * (max(work.shape) - width) / (1.0 - ratio)
    excess = (width - target) / 2.0
    if abs(excess) < STROKE_TOLERANCE / 2.0:
        return work.astype("float32"), width / scale
    if excess > 0:
        thinned = np.clip(depth - excess, 0.0, 1.0).astype("float32")
        if thinned.max() <= INK_THRESHOLD:  # nothing left: keep the strokes as drawn
            return work.astype("float32"), width / scale
        return crop_to_ink(thinned), width / scale
    margin = int(np.ceil(-excess)) + 1
    outside = scipy.ndimage.distance_transform_edt(~np.pad(work > 0.5, margin))
    thickened = np.clip(-excess + 1.0 - outside, 0.0, 1.0).astype("float32")
    return crop_to_ink(thickened), width / scale


def resize(image: np.ndarray, scale: float) -> np.ndarray:
    """(h, w) float image in [0, 1] scaled by ``scale`` (Pillow, antialiased), float32."""
    height, width = image.shape
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    picture = Image.fromarray(np.rint(np.clip(image * 255.0, 0, 255)).astype(np.uint8))
    resized = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return np.asarray(resized, dtype="float32") / 255.0


def fit_in_box(image: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Scale so the longer side is ``box`` pixels, keeping the aspect ratio, antialiased."""
    return resize(image, box / max(image.shape))


def centre_by_mass(image: np.ndarray, frame: int = FRAME_SIZE) -> np.ndarray:
    """Paste ``image`` in a frame x frame black square with its centre of mass at the centre.

    The centre is pixel index frame / 2 (14.0 in 28x28), where MNIST's own digits have
    theirs: their centres of mass average (14.0, 14.0) with a spread of 0.29 px, i.e. a
    whole-pixel shift towards 14. The shift is rounded to whole pixels (no blur) and
    clamped so no ink leaves the frame.
    """
    if not image.any():  # faint specks can vanish when scaled down: nothing to centre
        raise BlankImageError("The drawing is too faint to read: draw the digit with a bolder stroke.")
    height, width = image.shape
    centre_row, centre_col = scipy.ndimage.center_of_mass(image)
    top = int(np.clip(round(frame / 2 - centre_row), 0, frame - height))
    left = int(np.clip(round(frame / 2 - centre_col), 0, frame - width))
    result = np.zeros((frame, frame), dtype="float32")
    result[top : top + height, left : left + width] = image
    return result


def load_image_bytes(data: bytes) -> Image.Image:
    """Decode an uploaded file; raise ``ImageFileError`` with a clear reason if it can't be."""
    if not data:
        raise ImageFileError("The file is empty: upload a PNG or JPEG photo of one digit.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_IMAGE_PIXELS:
                size = f"{width}x{height} ({width * height / 1e6:.0f} megapixels)"
                raise ImageFileError(too_many_pixels(size))
            probe.load()
            return ImageOps.exif_transpose(probe).copy()
    except ImageFileError:
        raise
    except UnidentifiedImageError as error:
        raise ImageFileError(
            "This file is not an image Pillow can read: upload a PNG or JPEG photo of one digit."
        ) from error
    except Image.DecompressionBombError as error:  # Pillow refuses to even open one this large
        size = f"over {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels"
        raise ImageFileError(too_many_pixels(size)) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageFileError(
            f"The image is damaged or truncated ({error}): save it again and re-upload."
        ) from error


def too_many_pixels(size: str) -> str:
    """The message for an image larger than ``MAX_IMAGE_PIXELS``; ``size`` says how large it is."""
    return (
        f"The image is {size}; the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels. Crop it around "
        "the digit or resize it and upload again."
    )


def _ink_from_gray(level: np.ndarray) -> np.ndarray:
    """Gray levels in [0, 1] -> ink, inverting when the background (the border) is light."""
    border = np.concatenate([level[0], level[-1], level[:, 0], level[:, -1]])
    return 1.0 - level if np.median(border) > 0.5 else level


def _is_blank_ink(ink: np.ndarray) -> bool:
    return int((ink > INK_THRESHOLD).sum()) < MIN_INK_PIXELS
