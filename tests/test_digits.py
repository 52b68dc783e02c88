"""The personal digit set (mnist_core.digits): the set as a value, its .npz export and validated
import (one message per kind of bad file), scoring through serving's evaluation, the held-out split."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest

from mnist_core import BlankImageError, DigitFileError
from mnist_core.charts.gallery import contact_sheet
from mnist_core.data.synthetic import drawn_canvas
from mnist_core.digits.collection import MAX_DIGITS, THUMBNAIL_SIDE, DigitSet, prompt_digit
from mnist_core.digits.files import MAX_FILE_BYTES, from_npz, to_npz
from mnist_core.digits.scoring import score, set_report
from mnist_core.reading.preprocess import canvas_to_mnist
from mnist_core.serving.evaluation import evaluate
from mnist_core.serving.network import DenseNetwork
from mnist_core.text import digits as text
from mnist_core.training.tuning import FinetuneJob, split_held_out


@pytest.fixture(scope="module")
def small_set(images_and_labels) -> DigitSet:
    images, labels = images_and_labels
    return DigitSet.from_arrays(images, labels)


def npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def refusal(data: bytes) -> str:
    with pytest.raises(DigitFileError) as caught:
        from_npz(data)
    return str(caught.value)


# --- the set -----------------------------------------------------------------------------------


def test_a_drawing_is_kept_after_the_same_mnist_steps_as_draw(mnist):
    (_, _), (x_test, _) = mnist
    rgba = drawn_canvas(x_test[0], np.random.default_rng(0))
    digits = DigitSet.empty().add_canvas(rgba, 7)
    expected = np.rint(canvas_to_mnist(rgba) * 255).astype(np.uint8)
    assert digits.images.dtype == np.uint8 and digits.images.shape == (1, 28, 28)
    np.testing.assert_array_equal(digits.images[0], expected)
    assert digits.labels.tolist() == [7]
    assert digits.thumbnails.shape == (1, THUMBNAIL_SIDE, THUMBNAIL_SIDE) and digits.thumbnails.max() > 0


def test_a_blank_drawing_is_refused_and_the_set_is_unchanged():
    digits = DigitSet.empty()
    with pytest.raises(BlankImageError):
        digits.add_canvas(np.zeros((280, 280, 4), np.uint8), 3)
    assert len(digits) == 0


def test_relabel_and_delete_return_new_sets(small_set):
    relabelled = small_set.relabel(2, 9)
    assert relabelled.labels[2] == 9 and small_set.labels[2] == 2  # the old set is untouched
    shorter = relabelled.delete(0)
    assert len(shorter) == len(small_set) - 1
    np.testing.assert_array_equal(shorter.images, small_set.images[1:])
    with pytest.raises(ValueError, match="0-9"):
        small_set.relabel(0, 10)
    with pytest.raises(IndexError):
        small_set.delete(len(small_set))


def test_the_set_is_bounded(small_set):
    big = DigitSet(np.zeros((MAX_DIGITS, 28, 28), np.uint8), np.zeros(MAX_DIGITS, np.uint8),
                   np.zeros((MAX_DIGITS, THUMBNAIL_SIDE, THUMBNAIL_SIDE), np.uint8))
    assert big.full
    with pytest.raises(ValueError, match="at most 5,000"):
        big.add(np.zeros((28, 28), np.uint8), 1, np.zeros((THUMBNAIL_SIDE, THUMBNAIL_SIDE), np.uint8))


def test_prompted_mode_cycles_0_to_9_n_of_each():
    assert [prompt_digit(position, 2) for position in range(21)] == [*range(10), *range(10), None]


# --- export and import ---------------------------------------------------------------------------


def test_export_then_import_gives_back_byte_identical_arrays(small_set):
    data = to_npz(small_set)
    back = from_npz(data)
    for name in ("images", "labels", "thumbnails"):
        original, loaded = getattr(small_set, name), getattr(back, name)
        assert loaded.dtype == original.dtype and loaded.shape == original.shape
        assert loaded.tobytes() == original.tobytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as keras_layout:  # Keras' MNIST layout
        assert keras_layout["x_test"].dtype == np.uint8 and keras_layout["x_test"].shape == (50, 28, 28)
        assert keras_layout["y_test"].dtype == np.uint8 and keras_layout["y_test"].shape == (50,)


def test_a_plain_keras_layout_file_imports_with_thumbnails_made_up(small_set):
    back = from_npz(npz_bytes(x_test=small_set.images, y_test=small_set.labels))
    assert back.images.tobytes() == small_set.images.tobytes()
    assert back.thumbnails.shape == (50, THUMBNAIL_SIDE, THUMBNAIL_SIDE)


def test_the_contact_sheet_is_a_png(small_set):
    from PIL import Image

    picture = Image.open(io.BytesIO(contact_sheet(small_set)))
    assert picture.format == "PNG" and picture.size == (20 * 59 - 3, 3 * 59 - 3)


def bad_files(small_set) -> dict[str, bytes]:
    images, labels = small_set.images, small_set.labels
    good = npz_bytes(x_test=images, y_test=labels)
    eleven = labels.copy()
    eleven[4] = 11
    return {
        "wrong keys": npz_bytes(x_train=images, y_train=labels),
        "extra key": npz_bytes(x_test=images, y_test=labels, notes=labels),
        "wrong image shape": npz_bytes(x_test=images.reshape(50, 784), y_test=labels),
        "wrong label shape": npz_bytes(x_test=images, y_test=labels.reshape(5, 10)),
        "count mismatch": npz_bytes(x_test=images, y_test=labels[:49]),
        "float array": npz_bytes(x_test=images.astype("float32") / 255, y_test=labels),
        "label 11": npz_bytes(x_test=images, y_test=eleven),
        "truncated": good[: len(good) // 2],
        "pickled object": npz_bytes(x_test=np.array([images, "code"], dtype=object), y_test=labels),
        "pickle file": pickle.dumps({"x_test": images, "y_test": labels}),
        "not a zip": b"hello, I am a text file",
        "empty": npz_bytes(x_test=images[:0], y_test=labels[:0]),
        "too many": npz_bytes(x_test=np.zeros((MAX_DIGITS + 1, 28, 28), np.uint8),
                              y_test=np.zeros(MAX_DIGITS + 1, np.uint8)),
        "too large": b"PK" + bytes(MAX_FILE_BYTES),
    }


def test_every_bad_file_gets_its_own_clear_message(small_set):
    messages = {name: refusal(data) for name, data in bad_files(small_set).items()}
    assert len(set(messages.values())) == len(messages), messages  # each its own message
    assert "x_test and y_test" in messages["wrong keys"] and "x_train, y_train" in messages["wrong keys"]
    assert "notes" in messages["extra key"]
    assert "(N, 28, 28)" in messages["wrong image shape"] and "(50, 784)" in messages["wrong image shape"]
    assert "floats (float32)" in messages["float array"]
    assert "y_test[4] is 11" in messages["label 11"]
    assert messages["truncated"] == text.TRUNCATED
    assert "Python objects" in messages["pickled object"]
    assert messages["pickle file"] == text.PICKLE_FILE
    assert "5,001" in messages["too many"]


def test_a_truncated_member_is_reported_as_truncated(small_set):
    """The zip directory intact but an array's data cut short (or corrupt): also TRUNCATED."""
    data = bytearray(npz_bytes(x_test=small_set.images, y_test=small_set.labels))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("x_test.npy")
    start = info.header_offset + 30 + len(info.filename) + 200
    data[start : start + 100] = bytes(100)  # CRC no longer matches
    assert refusal(bytes(data)) == text.TRUNCATED


# --- scoring -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def network() -> DenseNetwork:
    from mnist_core.serving.model_files import load_default_network

    return load_default_network()[0]


def test_scores_are_servings_evaluation_per_digit(network, mnist):
    (_, _), (x_test, y_test) = mnist
    digits = DigitSet.from_arrays(x_test[:200], y_test[:200])
    result = score(network, digits)
    reference = evaluate(network, x_test[:200], y_test[:200])
    assert result.accuracy == reference.accuracy
    np.testing.assert_array_equal(result.evaluation.confusion, reference.confusion)
    assert result.counts.tolist() == np.bincount(y_test[:200], minlength=10).tolist()
    np.testing.assert_allclose(result.class_accuracy(), reference.recall)
    wrong = result.mistakes()
    assert set(wrong.tolist()) == set(np.flatnonzero(reference.predicted != reference.labels).tolist())
    lines = set_report("digits.npz", result)
    assert lines[0] == text.accuracy_line("digits.npz", result.correct_total, 200) and len(lines) == 11


def test_a_digit_with_no_drawings_has_no_accuracy(network, small_set):
    only_threes = small_set.subset(np.flatnonzero(small_set.labels == 3))
    accuracy = score(network, only_threes).class_accuracy()
    assert np.isnan(accuracy[0]) and not np.isnan(accuracy[3])
    assert set_report("x", score(network, only_threes))[1] == "  0: no digits"


# --- fine-tuning's plain values --------------------------------------------------------------------


def test_the_held_out_split_takes_a_fifth_of_each_digit_apart(small_set):
    tune, held = split_held_out(small_set.labels)
    assert len(held) == 10 and sorted(small_set.labels[held].tolist()) == list(range(10))
    assert sorted([*tune, *held]) == list(range(50))
    single = split_held_out(np.array([3], np.uint8))
    assert single[1].size == 0  # a lone drawing is tuned on, never held out


def test_a_finetune_needs_digits_to_tune_on(small_set):
    with pytest.raises(ValueError, match="at least 10"):
        FinetuneJob("m", b"", small_set.images[:3], small_set.labels[:3], small_set.images, small_set.labels)
