"""Turning images into what the network eats.

- ``flatten_and_scale``: the lesson's reshape to 784 and scaling to [0, 1].
- ``canvas_to_mnist``: a drawing made the way MNIST digits were made (LeCun): crop to
  the ink, fit it in a 20x20 box keeping the aspect ratio (antialiased), and place it
  in 28x28 with its centre of mass at the centre.
- ``image_to_mnist``: a photo or scan of a handwritten digit through the same steps,
  after grayscale, background detection, contrast stretch and noise removal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from .errors import BlankImageError, ImageFileError

BOX_SIZE = 20  # MNIST digits were size-normalised to fit a 20x20 box
FRAME_SIZE = 28  # ... and centred by centre of mass in a 28x28 frame
INK_THRESHOLD = 0.1  # ink level (of 1.0) that counts as drawn
MIN_INK_PIXELS = 4  # fewer inked pixels than this is a blank canvas
MAX_IMAGE_PIXELS = 24_000_000  # uploads above this are refused (a 50 MP image is)
WORK_SIZE = 512  # photos are shrunk to this longest side before cleaning


@dataclass(frozen=True)
class PreprocessSteps:
    """Each stage of ``canvas_to_mnist`` / ``image_to_mnist``, for display.

    All are float32 arrays in [0, 1], light ink on black:
    ``ink`` (H, W) the whole input as ink, ``cropped`` (h, w) the ink's bounding box,
    ``boxed`` (<=20, <=20) the crop scaled into the 20x20 box, ``centred`` (28, 28) the
    network's input.
    """

    ink: np.ndarray
    cropped: np.ndarray
    boxed: np.ndarray
    centred: np.ndarray


def flatten_and_scale(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 images -> (N, 784) float32 in [0, 1]."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"Expected images of shape (N, 28, 28), got {images.shape}.")
    return images.reshape(len(images), 784).astype("float32") / 255.0


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
    luma = rgba[..., :3].astype("float32") @ np.array([0.299, 0.587, 0.114], "float32")
    ink = _ink_from_gray(luma / 255.0)
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


def ink_to_mnist_steps(ink: np.ndarray) -> PreprocessSteps:
    """(H, W) float ink in [0, 1] -> the MNIST steps: crop, 20x20 box, centre of mass."""
    cropped = crop_to_ink(ink)
    boxed = fit_in_box(cropped, BOX_SIZE)
    centred = centre_by_mass(boxed, FRAME_SIZE)
    return PreprocessSteps(ink=ink, cropped=cropped, boxed=boxed, centred=centred)


def crop_to_ink(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> np.ndarray:
    """The smallest rectangle holding every pixel above ``threshold``."""
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0:
        raise BlankImageError("No ink found: draw or photograph a digit.")
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def fit_in_box(image: np.ndarray, box: int = BOX_SIZE) -> np.ndarray:
    """Scale so the longer side is ``box`` pixels, keeping the aspect ratio, antialiased."""
    height, width = image.shape
    scale = box / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    picture = Image.fromarray(np.rint(np.clip(image * 255.0, 0, 255)).astype(np.uint8))
    resized = picture.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return np.asarray(resized, dtype="float32") / 255.0


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
    centre_row, centre_col = ndimage.center_of_mass(image)
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
                raise ImageFileError(
                    f"The image is {width}x{height} ({width * height / 1e6:.0f} megapixels); "
                    f"the limit is {MAX_IMAGE_PIXELS / 1e6:.0f} MP. Crop it around the digit "
                    "or resize it and upload again."
                )
            probe.load()
            return ImageOps.exif_transpose(probe).copy()
    except ImageFileError:
        raise
    except UnidentifiedImageError as error:
        raise ImageFileError(
            "This file is not an image Pillow can read: upload a PNG or JPEG photo of one digit."
        ) from error
    except Image.DecompressionBombError as error:
        raise ImageFileError(f"The image is too large to open safely ({error}).") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageFileError(
            f"The image is damaged or truncated ({error}): save it again and re-upload."
        ) from error


def image_to_mnist(image) -> np.ndarray:
    """A photo or scan of one handwritten digit -> (28, 28) float32 in [0, 1].

    ``image`` is a PIL image or a uint8 array (H, W), (H, W, 3) or (H, W, 4); any size,
    dark ink on light paper or light ink on dark.
    """
    return image_to_mnist_steps(image).centred


def image_to_mnist_steps(image) -> PreprocessSteps:
    """``image_to_mnist`` with every intermediate image kept."""
    ink = photo_ink(image)
    if _is_blank_ink(ink):
        raise BlankImageError("No digit found in the image: it looks empty or uniform.")
    return ink_to_mnist_steps(ink)


def photo_ink(image) -> np.ndarray:
    """Photo -> (H, W) float32 ink in [0, 1]: grayscale, polarity, contrast, denoise."""
    picture = image if isinstance(image, Image.Image) else _array_to_image(image)
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
        background = (0, 0, 0, 255) if _light_ink(picture) else (255, 255, 255, 255)
        picture = Image.alpha_composite(Image.new("RGBA", picture.size, background), picture)
    gray = picture.convert("L")
    gray.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.LANCZOS)
    level = np.asarray(gray, dtype="float32") / 255.0
    ink = _ink_from_gray(level)
    ink = ndimage.median_filter(ink, size=3)
    low, high = np.percentile(ink, [50, 99.5])
    if high - low < 0.1:
        return np.zeros_like(ink)
    ink = np.clip((ink - low) / (high - low), 0.0, 1.0)
    ink[ink < _otsu_threshold(ink) * 0.5] = 0.0
    return _keep_main_strokes(ink)


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


def _ink_from_gray(level: np.ndarray) -> np.ndarray:
    """Gray levels in [0, 1] -> ink, inverting when the background (the border) is light."""
    border = np.concatenate([level[0], level[-1], level[:, 0], level[:, -1]])
    return 1.0 - level if np.median(border) > 0.5 else level


def _is_blank_ink(ink: np.ndarray) -> bool:
    return int((ink > INK_THRESHOLD).sum()) < MIN_INK_PIXELS


def _otsu_threshold(ink: np.ndarray) -> float:
    counts, edges = np.histogram(ink, bins=64, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    mass_low = np.cumsum(counts * centres)
    mean_low = mass_low / np.maximum(weight_low, 1)
    mean_high = (mass_low[-1] - mass_low) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(centres[int(np.argmax(between))])


def _keep_main_strokes(ink: np.ndarray) -> np.ndarray:
    """Drop specks: connected blobs with under 5 % of the largest blob's ink."""
    labels, count = ndimage.label(ink > INK_THRESHOLD)
    if count <= 1:
        return ink
    mass = ndimage.sum(ink, labels, index=np.arange(1, count + 1))
    keep = np.concatenate([[False], mass >= 0.05 * mass.max()])
    return np.where(keep[labels], ink, 0.0).astype("float32")
