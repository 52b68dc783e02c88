"""Loading MNIST: a Keras-layout .npz, LeCun's IDX files, or Keras' own download.

Every loader returns ``(x_train, y_train), (x_test, y_test)`` exactly as
``keras.datasets.mnist.load_data()`` does:

- ``x_train``: uint8 array of shape (60000, 28, 28), ink high, background 0.
- ``y_train``: uint8 array of shape (60000,), digits 0-9.
- ``x_test``: uint8 array of shape (10000, 28, 28).
- ``y_test``: uint8 array of shape (10000,).
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .errors import DatasetError

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
EXPECTED_COUNTS = {"train": 60000, "test": 10000}
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_STEMS = {
    ("train", "images"): ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
HOW_TO_FIX = (
    "Set the MNIST_PATH environment variable to a Keras-layout mnist.npz "
    "(keys x_train, y_train, x_test, y_test) or to a folder with LeCun's four IDX files "
    "(train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, "
    "t10k-labels-idx1-ubyte, gzipped or not), or connect to the internet so Keras can "
    "download MNIST."
)

Splits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def mnist_source(path: str | os.PathLike | None = None) -> str:
    """Where ``load_mnist(path)`` reads from: the path given, ``MNIST_PATH``, or 'keras'."""
    if path is not None:
        return str(path)
    return os.environ.get("MNIST_PATH") or "keras"


def load_mnist(path: str | os.PathLike | None = None) -> Splits:
    """Load and validate MNIST.

    Looks at ``path``, then the ``MNIST_PATH`` environment variable, then Keras'
    download-and-cache. Raises ``DatasetError`` with a fix when nothing usable is found.
    """
    source = mnist_source(path)
    if source == "keras":
        splits = _load_with_keras()
    else:
        splits = load_mnist_file(source)
    validate_mnist(splits)
    return splits


def load_mnist_file(path: str | os.PathLike) -> Splits:
    """Read MNIST from a Keras-layout .npz file or a folder of IDX files (not validated)."""
    location = Path(path).expanduser()
    if location.is_dir():
        return _load_idx_folder(location)
    if location.is_file():
        return _load_npz(location)
    raise DatasetError(f"No MNIST data at {location}: the path does not exist. {HOW_TO_FIX}")


def _load_with_keras() -> Splits:
    import keras  # imported here so reading a local file never pays for TensorFlow

    try:
        return keras.datasets.mnist.load_data()
    except Exception as error:  # Keras raises a bare Exception('URL fetch failure ...')
        raise DatasetError(
            f"MNIST is not set up and Keras could not download it ({error}). {HOW_TO_FIX}"
        ) from error


def _load_npz(path: Path) -> Splits:
    if not zipfile.is_zipfile(path):
        raise DatasetError(
            f"{path} is not an .npz archive (not a zip file; it may be truncated or another "
            f"format). {HOW_TO_FIX}"
        )
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [key for key in NPZ_KEYS if key not in archive.files]
            if missing:
                raise DatasetError(
                    f"{path} is not a Keras-layout MNIST file: it lacks {', '.join(missing)}. "
                    f"{HOW_TO_FIX}"
                )
            arrays = {key: archive[key] for key in NPZ_KEYS}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise DatasetError(
            f"Could not read {path} as an .npz archive ({error}); it may be corrupt. {HOW_TO_FIX}"
        ) from error
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _load_idx_folder(folder: Path) -> Splits:
    arrays = {}
    for (split, kind), stems in IDX_STEMS.items():
        file = _find_idx_file(folder, stems)
        expected_magic = IMAGES_MAGIC if kind == "images" else LABELS_MAGIC
        arrays[split, kind] = read_idx(file, expected_magic)
    return (
        (arrays["train", "images"], arrays["train", "labels"]),
        (arrays["test", "images"], arrays["test", "labels"]),
    )


def _find_idx_file(folder: Path, stems: tuple[str, ...]) -> Path:
    for stem in stems:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    raise DatasetError(
        f"{folder} has no {stems[0]} file (also looked for .gz and {stems[1]}). {HOW_TO_FIX}"
    )


def read_idx(path: str | os.PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Parse one IDX file (gzipped or not) of unsigned bytes.

    Returns a uint8 array shaped by the file's big-endian dimensions: (N, rows, cols)
    for images (magic 2051), (N,) for labels (magic 2049).
    """
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as error:  # zlib.error: damaged gzip data
        raise DatasetError(
            f"Could not read {path} ({error}); the file is corrupt or truncated: download it again."
        ) from error
    return parse_idx(raw, name=str(path), expected_magic=expected_magic)


def parse_idx(raw: bytes, name: str = "IDX data", expected_magic: int | None = None) -> np.ndarray:
    """Parse IDX bytes: magic (0x00 0x00 type ndim), ndim big-endian uint32 sizes, data."""
    if len(raw) < 4:
        raise DatasetError(f"{name} is too short to be an IDX file ({len(raw)} bytes).")
    magic = int.from_bytes(raw[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        raise DatasetError(
            f"{name} has magic number {magic}, expected {expected_magic} "
            f"({'images' if expected_magic == IMAGES_MAGIC else 'labels'}); wrong or corrupt file."
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{name} is not an IDX file of unsigned bytes (magic {magic:#010x}).")
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header_size:
        raise DatasetError(f"{name} has a truncated or invalid IDX header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_bytes = int(np.prod(shape))
    actual_bytes = len(raw) - header_size
    if actual_bytes != expected_bytes:
        raise DatasetError(
            f"{name} declares shape {shape} ({expected_bytes} bytes of data) but holds "
            f"{actual_bytes} bytes; the file is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def validate_mnist(splits: Splits) -> None:
    """Raise ``DatasetError`` unless the arrays have MNIST's shapes, dtype and label range."""
    try:
        (x_train, y_train), (x_test, y_test) = splits
    except (TypeError, ValueError) as error:
        raise DatasetError("MNIST data must be ((x_train, y_train), (x_test, y_test)).") from error
    for split, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        count = EXPECTED_COUNTS[split]
        _check_array(f"x_{split}", images, (count, 28, 28))
        _check_array(f"y_{split}", labels, (count,))
        if labels.size and labels.max() > 9:
            raise DatasetError(f"y_{split} holds label {int(labels.max())}; MNIST labels are 0-9.")


def _check_array(name: str, array, shape: tuple[int, ...]) -> None:
    if not isinstance(array, np.ndarray):
        raise DatasetError(f"{name} is a {type(array).__name__}, not a NumPy array.")
    if array.dtype != np.uint8:
        raise DatasetError(f"{name} has dtype {array.dtype}; MNIST is uint8.")
    if array.shape != shape:
        raise DatasetError(f"{name} has shape {array.shape}; expected {shape}.")
