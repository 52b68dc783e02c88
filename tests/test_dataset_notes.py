"""What the Dataset page says (mnist_core.text.dataset), computed from the data it describes."""

import numpy as np

from mnist_core import flatten_and_scale
from mnist_core.data import stats as dataset_stats
from mnist_core.text import dataset as notes


def test_balance_note_from_mnists_counts(mnist):
    (_, y_train), (_, y_test) = mnist
    note = notes.balance_note(dataset_stats.class_counts(y_train), dataset_stats.class_counts(y_test))
    assert "the rarest has 80% of the most common" in note  # 5421 fives against 6742 ones
    assert "right about 11% of the time" in note  # 1135 ones of 10,000 test images


def test_grid_note_says_what_is_shown_without_a_seed_number():
    assert notes.grid_note(40, "train", None, None).startswith(
        "40 training set images of all digits, in dataset"
    )
    shuffled = notes.grid_note(20, "test", 3, 621507)
    assert "test set images of digit 3, in a random order" in shuffled and "621507" not in shuffled


def test_reshape_table_and_first_inked_positions(mnist):
    (x_train, _), _ = mnist
    image = x_train[0]
    vector = flatten_and_scale(image[np.newaxis])[0]
    before, after = notes.reshape_table(image, vector)
    assert (before["shape"], before["dtype"], before["max"]) == ("(28, 28)", "uint8", "255")
    assert (after["shape"], after["dtype"], after["max"]) == ("(784,)", "float32", "1.000")
    first = int(np.flatnonzero(image.reshape(-1))[0])
    assert notes.first_inked_note(image, vector).startswith(f"First inked positions: input {first} = ")
    assert notes.first_inked_note(np.zeros((28, 28), np.uint8), np.zeros(784)) == "This image has no ink."
