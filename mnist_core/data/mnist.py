"""Loading MNIST: a Keras-layout .npz, LeCun's IDX files, or Keras' own download (in a child
process: reading MNIST never imports TensorFlow).

Every loader returns ``(x_train, y_train), (x_test, y_test)`` exactly as
``keras.datasets.mnist.load_data()`` does:

- ``x_train``: uint8 array of shape (60000, 28, 28), ink high, background 0.
- ``y_train``: uint8 array of shape (60000,), digits 0-9.
- ``x_test``: uint8 array of shape (10000, 28, 28).
- ``y_test``: uint8 array of shape (10000,).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

from mnist_core.errors import DatasetError

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

# keras.datasets.mnist.load_data()'s source and sha256 (keras/src/datasets/mnist.py).
KERAS_MNIST_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
KERAS_MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
DOWNLOAD_TIMEOUT = 300.0  # seconds for the child process that downloads (11 MB)

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
    """MNIST from Keras' cache, downloaded there first if needed (see ``keras_mnist_file``)."""
    return _load_npz(keras_mnist_file())


def keras_mnist_file(timeout: float = DOWNLOAD_TIMEOUT) -> Path:
    """The path of Keras' cached mnist.npz, downloaded first if it is not there yet.

    A cached file whose sha256 matches Keras' is used as is (hashing 11 MB takes about
    30 ms). Otherwise Keras' own ``get_file`` downloads it and checks its hash, in a child
    process, so the serving process never imports TensorFlow (3-8 s of CPU, 650+ MB).
    Raises ``DatasetError`` with a fix when that fails (offline, wrong hash, timeout).
    """
    for candidate in keras_cache_candidates():
        if candidate.is_file() and file_sha256(candidate) == KERAS_MNIST_SHA256:
            return candidate
    code = (
        "import sys, keras; "
        "print(keras.utils.get_file(fname='mnist.npz', origin=sys.argv[1], file_hash=sys.argv[2]))"
    )
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, KERAS_MNIST_ORIGIN, KERAS_MNIST_SHA256],
            capture_output=True, text=True, timeout=timeout, env=environment, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DatasetError(
            f"MNIST is not set up and Keras could not download it ({error}). {HOW_TO_FIX}"
        ) from error
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        reason = _last_error_line(result.stderr) or f"exit status {result.returncode}"
        raise DatasetError(f"MNIST is not set up and Keras could not download it ({reason}). {HOW_TO_FIX}")
    return Path(lines[-1])


def keras_cache_candidates() -> list[Path]:
    """Where ``keras.utils.get_file`` caches mnist.npz: $KERAS_HOME or ~/.keras, then
    /tmp/.keras (its fallback when the first is not writable), each under datasets/."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return [Path(home) / "datasets" / "mnist.npz", Path("/tmp/.keras/datasets/mnist.npz")]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _last_error_line(text: str) -> str:
    """The last line of a child's traceback, e.g. 'Exception: URL fetch failure on ...'."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


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
