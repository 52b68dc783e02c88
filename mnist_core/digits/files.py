"""A digit set as files: one .npz in Keras' MNIST layout (read back with a strict validation) and
a PNG contact sheet.

The .npz holds ``x_test`` uint8 (N, 28, 28) and ``y_test`` uint8 (N,), as
``keras.datasets.mnist.load_data()``'s test split, plus ``originals`` uint8 (N, 40, 40), the
thumbnails of the drawings (optional on import). Reading never unpickles (``allow_pickle=False``)
and checks every array's header (dtype, shape, count) before reading its data, so a file that
claims a billion digits costs nothing. Every way a file can be wrong raises ``DigitFileError``
with its own message (``mnist_core.text.digits``).
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from mnist_core.config import IMAGE_SIDE, NUM_CLASSES
from mnist_core.digits.collection import MAX_DIGITS, THUMBNAIL_SIDE, DigitSet
from mnist_core.errors import DigitFileError
from mnist_core.text import digits as text

REQUIRED = ("x_test", "y_test")
OPTIONAL = ("originals",)
# Bytes of the largest set saved uncompressed, headers and zip directory included, with room to spare.
MAX_FILE_BYTES = 16_000_000
PICKLE_PROTOCOL_2_TO_5 = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")


def to_npz(digits: DigitSet) -> bytes:
    """The set as .npz bytes (compressed): x_test, y_test and originals."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x_test=digits.images, y_test=digits.labels, originals=digits.thumbnails)
    return buffer.getvalue()


def from_npz(data: bytes) -> DigitSet:
    """The set in .npz ``data``; ``DigitFileError`` with the reason when it is not a valid set."""
    if len(data) > MAX_FILE_BYTES:
        raise DigitFileError(text.file_too_large(len(data), MAX_FILE_BYTES))
    if data[:2] in PICKLE_PROTOCOL_2_TO_5:
        raise DigitFileError(text.PICKLE_FILE)
    if not data.startswith(b"PK"):
        single = data.startswith(b"\x93NUMPY")
        detail = "it is a single NumPy array (.npy)" if single else "it is not a zip file"
        raise DigitFileError(text.not_npz("an empty file" if not data else detail))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = [name.removesuffix(".npy") for name in archive.namelist()]
    except (zipfile.BadZipFile, EOFError, OSError):
        raise DigitFileError(text.TRUNCATED) from None
    missing = [key for key in REQUIRED if key not in names]
    if missing:
        raise DigitFileError(text.missing_keys(sorted(names), REQUIRED))
    extra = sorted(set(names) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        raise DigitFileError(text.unexpected_keys(extra, REQUIRED + OPTIONAL))
    with archive:
        headers = {name: _header(archive, name) for name in names}
        _check_headers(headers)
        arrays = {name: _read(archive, name) for name in names}
    labels = arrays["y_test"]
    if labels.size and labels.max() >= NUM_CLASSES:
        position = int(np.argmax(labels >= NUM_CLASSES))
        raise DigitFileError(text.bad_label(int(labels[position]), position))
    return DigitSet.from_arrays(arrays["x_test"], labels, arrays.get("originals"))


def import_into(digits: DigitSet, data: bytes) -> DigitSet:
    """``digits`` followed by the set in .npz ``data``; ``DigitFileError`` (and ``digits`` unchanged,
    being a value) when the file is not a valid set or the two together exceed ``MAX_DIGITS``."""
    incoming = from_npz(data)
    if len(digits) + len(incoming) > MAX_DIGITS:
        raise DigitFileError(text.too_many_together(len(digits), len(incoming), MAX_DIGITS))
    return digits.extend(incoming)


def _header(archive: zipfile.ZipFile, name: str) -> tuple[tuple, np.dtype]:
    """(shape, dtype) from the .npy header, read before any data."""
    try:
        with archive.open(name + ".npy") as member:
            version = np.lib.format.read_magic(member)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, _, dtype = read_header(member, max_header_size=10_000)
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile):
        raise DigitFileError(text.TRUNCATED) from None
    except ValueError:
        raise DigitFileError(text.not_npz(f"{name} is not a NumPy array")) from None
    return shape, dtype


def _check_headers(headers: dict[str, tuple[tuple, np.dtype]]) -> None:
    for name, (_, dtype) in headers.items():
        if dtype.hasobject:
            raise DigitFileError(text.pickled_array(name))
    (image_shape, image_dtype), (label_shape, label_dtype) = headers["x_test"], headers["y_test"]
    if len(image_shape) != 3 or image_shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DigitFileError(text.wrong_image_shape(image_shape))
    if len(label_shape) != 1:
        raise DigitFileError(text.wrong_label_shape(label_shape))
    for name, dtype in (("x_test", image_dtype), ("y_test", label_dtype)):
        if dtype != np.uint8:
            raise DigitFileError(text.wrong_dtype(name, str(dtype)))
    if image_shape[0] != label_shape[0]:
        raise DigitFileError(text.count_mismatch(image_shape[0], label_shape[0]))
    if image_shape[0] > MAX_DIGITS:
        raise DigitFileError(text.too_many(image_shape[0], MAX_DIGITS))
    if image_shape[0] == 0:
        raise DigitFileError(text.NO_DIGITS)
    if "originals" in headers:
        shape, dtype = headers["originals"]
        expected = (image_shape[0], THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        if dtype != np.uint8:
            raise DigitFileError(text.wrong_dtype("originals", str(dtype)))
        if tuple(shape) != expected:
            raise DigitFileError(text.thumbnails_mismatch(shape, expected))


def _read(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    try:
        with archive.open(name + ".npy") as member:
            return np.lib.format.read_array(member, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):  # CRC mismatch, data cut short
        raise DigitFileError(text.TRUNCATED) from None
