"""Loading MNIST: IDX files and .npz archives the tests write, Keras' fallback, the real data."""

import gzip
import hashlib
import os
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_core import DatasetError, load_mnist, mnist_source, parse_idx, read_idx, validate_mnist
from mnist_core.data import mnist as data
from mnist_core.data.mnist import IMAGES_MAGIC, LABELS_MAGIC, load_mnist_file

REAL_MNIST = os.environ.get("MNIST_PATH", "")  # set by tests/conftest.py before tests change it
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IDX_NAMES = {
    "dashed": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
               "t10k-labels-idx1-ubyte"),
    "dotted": ("train-images.idx3-ubyte", "train-labels.idx1-ubyte", "t10k-images.idx3-ubyte",
               "t10k-labels.idx1-ubyte"),
}


# ---------------------------------------------------------------- helpers


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """uint8 array -> IDX bytes: magic 0x0000 08 ndim, big-endian uint32 dims, data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = magic if magic is not None else (0x0800 | array.ndim)
    header = magic.to_bytes(4, "big") + b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    return header + array.tobytes()


def write_idx_folder(folder: Path, splits, variant: str = "dashed", gzipped: bool = False) -> list[Path]:
    """Write the four IDX files of ``splits`` into ``folder``; gzip level 1 when asked."""
    (x_train, y_train), (x_test, y_test) = splits
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, array in zip(IDX_NAMES[variant], (x_train, y_train, x_test, y_test), strict=True):
        raw = idx_bytes(array)
        path = folder / (name + (".gz" if gzipped else ""))
        path.write_bytes(gzip.compress(raw, compresslevel=1) if gzipped else raw)
        paths.append(path)
    return paths


def tiny_splits(rng, train: int = 12, test: int = 5):
    """Small random MNIST-like arrays (not MNIST-sized, so load_mnist's validation rejects them)."""
    return (
        (rng.integers(0, 256, (train, 28, 28), dtype=np.uint8), rng.integers(0, 10, train, dtype=np.uint8)),
        (rng.integers(0, 256, (test, 28, 28), dtype=np.uint8), rng.integers(0, 10, test, dtype=np.uint8)),
    )


def zero_splits():
    """MNIST-shaped all-zero arrays that pass validation."""
    return (
        (np.zeros((60000, 28, 28), np.uint8), np.zeros(60000, np.uint8)),
        (np.zeros((10000, 28, 28), np.uint8), np.zeros(10000, np.uint8)),
    )


def fingerprint(folder: Path) -> dict:
    """name -> (sha256, size, mtime) of every file in ``folder``."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size, path.stat().st_mtime_ns
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_splits_equal(actual, expected):
    for got, want in zip((*actual[0], *actual[1]), (*expected[0], *expected[1]), strict=True):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, want)


# ---------------------------------------------------------------- IDX parsing (code)


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize(
    "shape, magic", [((7, 28, 28), IMAGES_MAGIC), ((7,), LABELS_MAGIC), ((3, 5, 4), IMAGES_MAGIC)],
    ids=["images", "labels", "non-square"],
)
def test_read_idx_round_trips(tmp_path, rng, shape, magic, gzipped):
    array = rng.integers(0, 256, shape, dtype=np.uint8)
    raw = idx_bytes(array, magic)
    path = tmp_path / ("file.gz" if gzipped else "file")
    path.write_bytes(gzip.compress(raw) if gzipped else raw)

    result = read_idx(path, expected_magic=magic)

    assert result.dtype == np.uint8 and result.shape == shape
    np.testing.assert_array_equal(result, array)


def test_parse_idx_reads_big_endian_dimensions():
    # 2 images of 1 row x 3 columns: dims 0x00000002, 0x00000001, 0x00000003 (big-endian)
    raw = bytes([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(parse_idx(raw), [[[1, 2, 3]], [[4, 5, 6]]])


def _truncated_gzip(raw: bytes) -> bytes:
    return gzip.compress(raw)[: len(gzip.compress(raw)) // 2]


def _corrupt_gzip(raw: bytes) -> bytes:
    data = bytearray(gzip.compress(raw, compresslevel=1))
    for index in range(20, len(data) - 10, 3):
        data[index] ^= 0x55
    return bytes(data)


IMAGES = np.arange(5 * 28 * 28, dtype=np.int64).astype(np.uint8).reshape(5, 28, 28)
BAD_IDX_FILES = [
    # id, file name, bytes, expected magic, words the message must contain
    ("truncated data", "f", idx_bytes(IMAGES)[:-5], IMAGES_MAGIC, "truncated"),
    ("extra data", "f", idx_bytes(IMAGES) + b"\0\0", IMAGES_MAGIC, "holds"),
    ("truncated header", "f", idx_bytes(IMAGES)[:10], IMAGES_MAGIC, "header"),
    ("too short", "f", b"\0\0", IMAGES_MAGIC, "too short"),
    ("empty", "f", b"", IMAGES_MAGIC, "too short"),
    ("labels as images", "f", idx_bytes(IMAGES[0, 0], LABELS_MAGIC), IMAGES_MAGIC, "magic number 2049"),
    ("images as labels", "f", idx_bytes(IMAGES), LABELS_MAGIC, "magic number 2051"),
    ("float data", "f", idx_bytes(IMAGES, 0x0D03), None, "unsigned bytes"),
    ("gzip truncated", "f.gz", _truncated_gzip(idx_bytes(IMAGES)), IMAGES_MAGIC, "corrupt or truncated"),
    ("gzip corrupt", "f.gz", _corrupt_gzip(idx_bytes(IMAGES) * 20), IMAGES_MAGIC, "corrupt"),
    ("not gzip", "f.gz", idx_bytes(IMAGES), IMAGES_MAGIC, "corrupt"),
]


@pytest.mark.parametrize("name, raw, magic, words", [case[1:] for case in BAD_IDX_FILES],
                         ids=[case[0] for case in BAD_IDX_FILES])
def test_bad_idx_file_raises_dataset_error(tmp_path, name, raw, magic, words):
    path = tmp_path / name
    path.write_bytes(raw)
    with pytest.raises(DatasetError, match=words):
        read_idx(path, expected_magic=magic)


# ---------------------------------------------------------------- IDX folders (data)


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("variant", ["dashed", "dotted"])
def test_idx_folder_name_variants(tmp_path, rng, variant, gzipped):
    splits = tiny_splits(rng)
    write_idx_folder(tmp_path, splits, variant, gzipped)
    assert_splits_equal(load_mnist_file(tmp_path), splits)


def test_idx_folder_mixed_gzip_and_plain(tmp_path, rng):
    splits = tiny_splits(rng)
    paths = write_idx_folder(tmp_path, splits, "dashed", gzipped=False)
    paths[0].unlink()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(splits[0][0])))
    assert_splits_equal(load_mnist_file(tmp_path), splits)


def test_full_size_gzipped_idx_folder_loads_like_the_npz(tmp_path, mnist):
    write_idx_folder(tmp_path, mnist, "dotted", gzipped=True)
    assert_splits_equal(load_mnist(tmp_path), mnist)


def test_small_idx_folder_fails_validation_with_shapes(tmp_path, rng):
    write_idx_folder(tmp_path, tiny_splits(rng), "dashed")
    with pytest.raises(DatasetError, match=r"x_train has shape \(12, 28, 28\); expected \(60000, 28, 28\)"):
        load_mnist(tmp_path)


def test_idx_folder_with_wrong_magic_names_the_file(tmp_path, rng):
    splits = tiny_splits(rng)
    paths = write_idx_folder(tmp_path, splits, "dashed")
    paths[1].write_bytes(idx_bytes(splits[0][0]))  # images where the labels belong
    with pytest.raises(DatasetError, match="train-labels-idx1-ubyte has magic number 2051, expected 2049"):
        load_mnist(tmp_path)


def test_idx_folder_missing_one_file(tmp_path, rng):
    paths = write_idx_folder(tmp_path, tiny_splits(rng), "dashed")
    paths[3].unlink()
    with pytest.raises(DatasetError, match="no t10k-labels-idx1-ubyte file"):
        load_mnist(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(DatasetError) as caught:
        load_mnist(tmp_path)
    message = str(caught.value)
    assert "train-images-idx3-ubyte" in message and "MNIST_PATH" in message and ".npz" in message


def test_missing_path(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_mnist(tmp_path / "nowhere" / "mnist.npz")


# ---------------------------------------------------------------- .npz files (data)


def _write_npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def test_npz_missing_key_names_it(tmp_path):
    (x_train, y_train), (x_test, _) = zero_splits()
    path = _write_npz(tmp_path / "m.npz", x_train=x_train, y_train=y_train, x_test=x_test)
    with pytest.raises(DatasetError, match="lacks y_test"):
        load_mnist(path)


NOT_NPZ = [
    ("random bytes", lambda path: path.write_bytes(np.random.default_rng(1).bytes(5000))),
    ("empty file", lambda path: path.write_bytes(b"")),
    ("a .npy array", lambda path: path.write_bytes(_npy_bytes())),
    ("truncated zip", lambda path: path.write_bytes(_npz_bytes()[:300])),
]


def _npy_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.zeros(10, np.uint8))
    return buffer.getvalue()


def _npz_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, x_train=np.zeros((100, 28, 28), np.uint8), y_train=np.zeros(100, np.uint8),
             x_test=np.zeros((10, 28, 28), np.uint8), y_test=np.zeros(10, np.uint8))
    return buffer.getvalue()


@pytest.mark.parametrize("write", [case[1] for case in NOT_NPZ], ids=[case[0] for case in NOT_NPZ])
def test_file_that_is_not_an_npz(tmp_path, write):
    path = tmp_path / "mnist.npz"
    write(path)
    with pytest.raises(DatasetError, match="not an .npz archive") as caught:
        load_mnist(path)
    assert "allow_pickle" not in str(caught.value)  # never suggest unpickling a user's file


def test_npz_with_object_arrays_is_refused_without_unpickling(tmp_path):
    path = tmp_path / "m.npz"
    objects = np.array([{"x": 1}], dtype=object)
    np.savez(path, x_train=objects, y_train=objects, x_test=objects, y_test=objects)
    with pytest.raises(DatasetError, match="Could not read"):
        load_mnist(path)


def test_npz_with_damaged_member(tmp_path):
    data = bytearray(_npz_bytes())
    for index in range(200, 400):  # inside x_train's data: CRC check fails
        data[index] ^= 0xFF
    path = tmp_path / "m.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="corrupt"):
        load_mnist(path)


# ---------------------------------------------------------------- validation (data)


def _with(splits, split: int, item: int, value):
    parts = [list(splits[0]), list(splits[1])]
    parts[split][item] = value
    return (tuple(parts[0]), tuple(parts[1]))


INVALID = [
    # id, (split index, item index, replacement), words in the message
    ("train images 27 wide", (0, 0, np.zeros((60000, 28, 27), np.uint8)),
     r"x_train has shape \(60000, 28, 27\)"),
    ("train labels one short", (0, 1, np.zeros(59999, np.uint8)), r"y_train has shape \(59999,\)"),
    ("test images count", (1, 0, np.zeros((9999, 28, 28), np.uint8)), r"x_test has shape \(9999, 28, 28\)"),
    ("float images", (1, 0, np.zeros((10000, 28, 28), np.float32)), "x_test has dtype float32"),
    ("int64 labels", (1, 1, np.zeros(10000, np.int64)), "y_test has dtype int64"),
    ("list labels", (1, 1, [0] * 10000), "y_test is a list"),
    ("train label 10", (0, 1, np.full(60000, 10, np.uint8)), "y_train holds label 10"),
    ("test label 255", (1, 1, np.r_[np.zeros(9999, np.uint8), np.uint8(255)]), "y_test holds label 255"),
]


@pytest.mark.parametrize("change, words", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_validate_mnist_rejects(change, words):
    splits = _with(zero_splits(), *change)
    with pytest.raises(DatasetError, match=words):
        validate_mnist(splits)


def test_validate_mnist_rejects_wrong_nesting():
    with pytest.raises(DatasetError, match="must be"):
        validate_mnist((np.zeros(3), np.zeros(3), np.zeros(3)))


def test_validate_mnist_accepts_mnist_shapes():
    validate_mnist(zero_splits())  # no exception


def test_labels_out_of_range_in_a_file(tmp_path):
    (x_train, y_train), (x_test, y_test) = zero_splits()
    y_test = y_test.copy()
    y_test[123] = 12
    path = _write_npz(tmp_path / "m.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    with pytest.raises(DatasetError, match="y_test holds label 12; MNIST labels are 0-9"):
        load_mnist(path)


# ---------------------------------------------------------------- sources, Keras fallback


def test_mnist_source_order(monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_PATH", "/from/env.npz")
    assert mnist_source(tmp_path) == str(tmp_path)
    assert mnist_source() == "/from/env.npz"
    monkeypatch.delenv("MNIST_PATH")
    assert mnist_source() == "keras"


@pytest.fixture
def keras_home(monkeypatch, tmp_path):
    """An empty Keras cache, no MNIST_PATH, and an origin that refuses connections (offline)."""
    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "KERAS_MNIST_ORIGIN", "http://127.0.0.1:9/mnist.npz")
    cached = tmp_path / "keras" / "datasets" / "mnist.npz"
    monkeypatch.setattr(data, "keras_cache_candidates", lambda: [cached])
    return tmp_path / "keras"


@pytest.mark.slow  # Keras' download runs in a fresh Python that imports Keras
def test_offline_keras_fallback_names_mnist_path_and_both_formats(keras_home):
    started = time.perf_counter()
    with pytest.raises(DatasetError) as caught:
        load_mnist()
    message = str(caught.value)
    assert "Keras could not download it" in message
    assert "URL fetch failure" in message  # Keras' own message, from the child process
    assert "MNIST_PATH" in message
    assert "mnist.npz" in message and "x_train, y_train, x_test, y_test" in message  # the .npz format
    assert "IDX" in message and "train-images-idx3-ubyte" in message  # the IDX format
    assert "Traceback" not in message
    assert time.perf_counter() - started < 60


def _cache(keras_home, monkeypatch) -> None:
    """Keras' cache holding the real MNIST (a symlink); its hash is made the expected one."""
    real = Path(REAL_MNIST)
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").symlink_to(real)
    monkeypatch.setattr(data, "KERAS_MNIST_SHA256", data.file_sha256(real))


def _no_child_process(*args, **kwargs):
    raise AssertionError("a child process was started")


def test_a_verified_file_in_keras_cache_is_read_in_process(keras_home, monkeypatch, mnist):
    _cache(keras_home, monkeypatch)
    monkeypatch.setattr(data.subprocess, "run", _no_child_process)
    (x_train, y_train), (x_test, _) = load_mnist()
    np.testing.assert_array_equal(x_test, mnist[1][0])
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


@pytest.mark.slow  # Keras' download runs in a fresh Python that imports Keras
def test_keras_get_file_in_a_child_accepts_a_cached_file_with_the_right_hash(keras_home, monkeypatch):
    _cache(keras_home, monkeypatch)
    monkeypatch.setattr(data, "keras_cache_candidates", lambda: [])  # force the child process
    assert data.keras_mnist_file().samefile(keras_home / "datasets" / "mnist.npz")


@pytest.mark.slow  # Keras' download runs in a fresh Python that imports Keras
def test_a_cached_file_with_a_wrong_hash_is_not_trusted(keras_home, monkeypatch):
    (keras_home / "datasets").mkdir(parents=True)
    np.savez(keras_home / "datasets" / "mnist.npz", x_train=np.zeros(3))
    with pytest.raises(DatasetError, match="Keras could not download it"):
        load_mnist()


def test_mnist_path_is_used_before_keras(keras_home, monkeypatch, mnist):
    monkeypatch.setattr(data.subprocess, "run", _no_child_process)
    monkeypatch.setenv("MNIST_PATH", REAL_MNIST)
    (x_train, _), _ = load_mnist()
    assert x_train.shape == (60000, 28, 28)


def test_path_argument_beats_mnist_path(monkeypatch, tmp_path):
    real = os.environ["MNIST_PATH"]
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "missing.npz"))
    (_, y_train), _ = load_mnist(real)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_users_files_are_never_modified(tmp_path, rng):
    folder = tmp_path / "idx"
    write_idx_folder(folder, tiny_splits(rng), "dotted", gzipped=True)
    npz = _write_npz(tmp_path / "bad.npz", x_train=np.zeros(3, np.uint8))
    before = fingerprint(tmp_path)
    assert len(before) == 5
    for path in (folder, npz):
        with pytest.raises(DatasetError):
            load_mnist(path)
    assert fingerprint(tmp_path) == before


def test_real_mnist_file_is_not_modified(mnist):
    path = Path(os.environ["MNIST_PATH"])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    modified = path.stat().st_mtime_ns
    load_mnist(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest and path.stat().st_mtime_ns == modified


# ---------------------------------------------------------------- the real MNIST (data)


def test_real_mnist_shapes_and_dtypes(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,))
    assert {array.dtype for array in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.max() == 255 and x_train[:, 0, 0].max() == 0  # ink high, background 0


@pytest.mark.parametrize("split, counts, first", [
    (0, TRAIN_COUNTS, [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]),
    (1, TEST_COUNTS, [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]),
], ids=["train", "test"])
def test_real_mnist_class_counts_and_first_labels(mnist, split, counts, first):
    labels = mnist[split][1]
    assert np.bincount(labels, minlength=10).tolist() == counts
    assert labels[:10].tolist() == first
