"""What the Break-it page does to a digit: shift, rotate, scale, thin or thicken the strokes, add
noise, erase a band or a box, invert (NumPy and ``scipy.ndimage``, no Streamlit).

Every function takes float images in [0, 1], one (28, 28) or a batch (N, 28, 28), and returns
float32 of the same shape, values in [0, 1]. Pixels moved out of the frame are lost and pixels
moved in are 0 (background), as a digit drawn off-centre would be.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields

import numpy as np

from mnist_core.config import IMAGE_SIDE

MAX_SHIFT = 8  # pixels, each way
MAX_ROTATION = 60  # degrees, each way
SCALE_RANGE = (0.5, 1.5)  # times the digit's size, about the image centre
MAX_STROKE = 2  # steps of thickening (+) or thinning (-), one pixel's 3x3 cross per step
MAX_NOISE = 0.5  # standard deviation of the Gaussian noise, in units of full ink
ERASE_KINDS = ("none", "band", "box")
BAND_HEIGHT = 4  # rows a horizontal band erases
BOX_SIDE = 8  # side of an erased square box
NOISE_SEED = 0  # the noise pattern: the same for every model and every rerun


@dataclass(frozen=True)
class Edits:
    """One setting of every control of the page; the defaults change nothing.

    ``erase_row``/``erase_column``: the centre of the erased band (row only) or box.
    """

    shift_x: int = 0  # pixels, + moves right
    shift_y: int = 0  # pixels, + moves down
    rotation: float = 0.0  # degrees, + is counter-clockwise
    scale: float = 1.0
    stroke: int = 0  # + thicker, - thinner
    noise: float = 0.0
    erase: str = "none"
    erase_row: int = 14
    erase_column: int = 14
    invert: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(field.name for field in fields(cls))

    @property
    def is_identity(self) -> bool:
        return self == Edits()


def apply(images, edits: Edits) -> np.ndarray:
    """``images`` float (28, 28) or (N, 28, 28) in [0, 1] with every edit applied, float32, same
    shape: strokes first, then scale, rotation, shift, erasing, inversion and noise."""
    batch, single = _as_batch(images)
    batch = stroke(batch, edits.stroke)
    batch = scale(batch, edits.scale)
    batch = rotate(batch, edits.rotation)
    batch = shift(batch, edits.shift_x, edits.shift_y)
    batch = erase(batch, edits.erase, edits.erase_row, edits.erase_column)
    batch = invert(batch) if edits.invert else batch
    batch = add_noise(batch, edits.noise)
    return batch[0] if single else batch


def shift(images, dx: int, dy: int) -> np.ndarray:
    """Moved ``dx`` pixels right and ``dy`` down (negative: left, up); integers only."""
    batch, single = _as_batch(images)
    dx, dy = int(dx), int(dy)
    moved = np.zeros_like(batch)
    side = IMAGE_SIDE
    if abs(dx) < side and abs(dy) < side:
        moved[:, max(dy, 0) : side + min(dy, 0), max(dx, 0) : side + min(dx, 0)] = \
            batch[:, max(-dy, 0) : side + min(-dy, 0), max(-dx, 0) : side + min(-dx, 0)]
    return moved[0] if single else moved


def rotate(images, degrees: float) -> np.ndarray:
    """Rotated by ``degrees`` counter-clockwise about the image centre (bilinear)."""
    return _warp(images, "rotate", float(degrees))


def scale(images, factor: float) -> np.ndarray:
    """Grown (``factor`` > 1) or shrunk about the image centre (bilinear); what leaves the frame is lost."""
    if factor <= 0:
        raise ValueError(f"The scale must be positive, got {factor}.")
    return _warp(images, "scale", float(factor))


def _warp(images, kind: str, value: float) -> np.ndarray:
    """A rotation or scaling as one sparse (784, 784) matrix product per batch.

    Bilinear interpolation with zeros outside the frame is linear in the pixels, so applying
    ``scipy.ndimage.affine_transform`` to the 784 one-pixel images gives the matrix of the whole
    warp once; each batch then costs ~4 multiply-adds per pixel, not an interpolation (10,000
    test digits rotated: about 0.1 s instead of 1.3 s)."""
    batch, single = _as_batch(images)
    if (kind == "rotate" and value == 0) or (kind == "scale" and value == 1):
        return batch[0] if single else batch
    flat = batch.reshape(len(batch), IMAGE_SIDE * IMAGE_SIDE)
    warped = np.asarray((_warp_matrix(kind, value) @ flat.T).T, dtype="float32")
    warped = np.clip(warped, 0.0, 1.0, out=warped).reshape(batch.shape)
    return warped[0] if single else warped


@functools.lru_cache(maxsize=64)
def _warp_matrix(kind: str, value: float):
    """scipy.sparse CSR float32 (784 out, 784 in): the warp ``kind`` ("rotate": degrees
    counter-clockwise, "scale": factor) about the image centre, bilinear, zeros outside.

    Bilinear interpolation reads each output pixel from the 2x2 block of input pixels around
    the point it maps to, and such a block holds exactly one pixel of each (row, column) parity.
    So ``scipy.ndimage.affine_transform`` of the four parity masks (1 on the pixels of one
    parity) gives every weight, and the block's corner gives which input pixel each belongs to:
    the same matrix as transforming the 784 one-pixel images, at 4/784 of the cost."""
    from scipy import ndimage, sparse

    centre = (IMAGE_SIDE - 1) / 2
    if kind == "rotate":
        angle = np.deg2rad(value)
        # output (row, column) -> input: rotating the picture counter-clockwise by ``angle``
        # means reading each output pixel from the input rotated clockwise
        matrix = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    else:
        matrix = np.eye(2) / value
    offset = np.array([centre, centre]) - matrix @ np.array([centre, centre])
    rows, columns = np.indices((IMAGE_SIDE, IMAGE_SIDE))
    points = matrix @ np.stack([rows.ravel(), columns.ravel()]).astype("float64") + offset[:, np.newaxis]
    corner = np.floor(points).astype(np.int64)  # (2, 784): each output pixel's block, top-left
    outputs, inputs, weights = [], [], []
    for row_parity in (0, 1):
        for column_parity in (0, 1):
            mask = ((rows % 2 == row_parity) & (columns % 2 == column_parity)).astype("float64")
            weight = ndimage.affine_transform(mask, matrix, offset=offset, order=1, mode="constant").ravel()
            source_row = corner[0] + (row_parity - corner[0]) % 2  # the block's pixel of this parity
            source_column = corner[1] + (column_parity - corner[1]) % 2
            inside = (source_row >= 0) & (source_row < IMAGE_SIDE) & (source_column >= 0) & \
                (source_column < IMAGE_SIDE) & (np.abs(weight) >= 1e-9)
            outputs.append(np.flatnonzero(inside))
            inputs.append(source_row[inside] * IMAGE_SIDE + source_column[inside])
            weights.append(weight[inside])
    pixels = IMAGE_SIDE * IMAGE_SIDE
    return sparse.csr_matrix(
        (np.concatenate(weights).astype("float32"), (np.concatenate(outputs), np.concatenate(inputs))),
        shape=(pixels, pixels))


def warped_kernel(kernel: np.ndarray, kind: str, value: float) -> np.ndarray:
    """The kernel float32 (784, units) that a first layer ``kernel`` (784, units) is to the
    unwarped images: ``warp(images) @ kernel == images @ warped_kernel(kernel, ...)``, bar
    rounding (and the clip to [0, 1] of ``rotate``/``scale``, which bilinear weights summing to
    at most 1 leave to rounding). ``kind``: "shift_x", "shift_y" (pixels), "rotate" (degrees) or
    "scale" (factor)."""
    kernel = np.asarray(kernel, dtype="float32")
    units = kernel.shape[1]
    if kind in ("shift_x", "shift_y"):
        # shift(x, dx, dy)[r, c] = x[r - dy, c - dx]: the weight x[r, c] meets is kernel[r + dy, c + dx]
        grid = np.ascontiguousarray(kernel.T).reshape(units, IMAGE_SIDE, IMAGE_SIDE)
        dx, dy = (-int(value), 0) if kind == "shift_x" else (0, -int(value))
        return np.ascontiguousarray(shift(grid, dx, dy).reshape(units, -1).T)
    if kind in ("rotate", "scale"):
        if (kind == "rotate" and value == 0) or (kind == "scale" and value == 1):
            return kernel
        return np.asarray(_warp_matrix(kind, float(value)).T @ kernel, dtype="float32")
    raise ValueError(f"Unknown warp {kind!r}; one of shift_x, shift_y, rotate, scale.")


def stroke(images, steps: int) -> np.ndarray:
    """Strokes thickened (``steps`` > 0, grey dilation) or thinned (< 0, grey erosion) by a 3x3
    cross per step, zeros outside the frame: each step adds or takes about one pixel on every
    edge. The same values as ``scipy.ndimage.grey_dilation``/``grey_erosion`` with that footprint
    (tests/test_lab.py), as five NumPy maxima or minima: faster, and NumPy releases the GIL, so
    the robustness curves' threads do not hold up the pages' scripts."""
    batch, single = _as_batch(images)
    steps = int(steps)
    combine = np.maximum if steps > 0 else np.minimum
    for _ in range(abs(steps)):
        padded = np.pad(batch, ((0, 0), (1, 1), (1, 1)))  # the frame's outside is background, 0
        centre = padded[:, 1:-1, 1:-1].copy()
        for row, column in ((0, 1), (2, 1), (1, 0), (1, 2)):  # up, down, left, right
            combine(centre, padded[:, row : row + IMAGE_SIDE, column : column + IMAGE_SIDE], out=centre)
        batch = centre
    return batch[0] if single else batch


def add_noise(images, deviation: float, seed: int = NOISE_SEED,
              pattern: np.ndarray | None = None) -> np.ndarray:
    """Gaussian noise of standard deviation ``deviation`` added, then clipped to [0, 1]; the
    pattern depends only on ``seed`` and the shape (the same for every model). ``pattern``:
    ``noise_pattern(shape, seed)`` made once by a caller adding noise to many batches."""
    batch, single = _as_batch(images)
    if deviation <= 0:
        return batch[0] if single else batch
    noise = noise_pattern(batch.shape, seed) if pattern is None else pattern
    noisy = np.clip(batch + np.float32(deviation) * noise, 0.0, 1.0)
    return noisy[0] if single else noisy


def noise_pattern(shape: tuple[int, ...], seed: int = NOISE_SEED) -> np.ndarray:
    """Standard normal float32 of ``shape``, the same for a shape and seed."""
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def erase(images, kind: str, row: int = 14, column: int = 14) -> np.ndarray:
    """``kind`` "band": rows around ``row`` (BAND_HEIGHT of them) set to 0; "box": a
    BOX_SIDE square centred at (``row``, ``column``); "none": unchanged."""
    if kind not in ERASE_KINDS:
        raise ValueError(f"erase must be one of {', '.join(ERASE_KINDS)}, got {kind!r}.")
    batch, single = _as_batch(images)
    if kind == "none":
        return batch[0] if single else batch
    batch = batch.copy()
    if kind == "band":
        top = int(row) - BAND_HEIGHT // 2
        batch[:, max(top, 0) : max(top + BAND_HEIGHT, 0), :] = 0.0
    else:
        top, left = int(row) - BOX_SIDE // 2, int(column) - BOX_SIDE // 2
        batch[:, max(top, 0) : max(top + BOX_SIDE, 0), max(left, 0) : max(left + BOX_SIDE, 0)] = 0.0
    return batch[0] if single else batch


def invert(images) -> np.ndarray:
    """1 - pixel: white ink on black becomes black ink on white."""
    batch, single = _as_batch(images)
    flipped = 1.0 - batch
    return flipped[0] if single else flipped


def _as_batch(images) -> tuple[np.ndarray, bool]:
    """float32 (N, 28, 28), and whether the input was one image (28, 28)."""
    array = np.asarray(images, dtype="float32")
    if array.shape == (IMAGE_SIDE * IMAGE_SIDE,):
        array = array.reshape(IMAGE_SIDE, IMAGE_SIDE)
    if array.ndim == 2 and array.shape == (IMAGE_SIDE, IMAGE_SIDE):
        return array[np.newaxis], True
    if array.ndim == 3 and array.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
        return array, False
    raise ValueError(f"Expected images shaped (28, 28) or (N, 28, 28), got {array.shape}.")
