"""Statistics of MNIST's arrays (mnist_core.data.stats), on made-up and real data."""

import numpy as np
import pytest

from mnist_core.data import stats as dataset_stats


def test_class_counts_counts_every_digit_including_absent_ones():
    counts = dataset_stats.class_counts(np.array([3, 3, 7, 0], dtype=np.uint8))
    assert counts.tolist() == [1, 0, 0, 2, 0, 0, 0, 1, 0, 0]


def test_class_counts_match_mnist(mnist):
    (_, y_train), (_, y_test) = mnist
    assert dataset_stats.class_counts(y_train).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert dataset_stats.class_counts(y_test).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]


def test_class_means_are_the_per_digit_averages(images_and_labels):
    images, labels = images_and_labels
    means = dataset_stats.class_means(images, labels)
    assert means.shape == (10, 28, 28) and means.dtype == np.float64
    for digit in (0, 4, 9):
        assert np.allclose(means[digit], images[labels == digit].mean(axis=0))


def test_pixel_value_counts_count_every_pixel_once(images_and_labels):
    images, _ = images_and_labels
    counts = dataset_stats.pixel_value_counts(images)
    assert counts.shape == (256,) and counts.sum() == images.size
    assert counts[17] == int((images == 17).sum())


def test_pixel_value_counts_are_chunked_correctly_on_real_data(mnist):
    (x_train, _), _ = mnist
    counts = dataset_stats.pixel_value_counts(x_train)
    assert counts.sum() == 60000 * 784
    assert np.array_equal(counts, np.bincount(x_train.ravel(), minlength=256))


def test_sample_indices_filter_by_digit_keep_order_or_shuffle():
    labels = np.array([5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1], dtype=np.uint8)
    assert dataset_stats.sample_indices(labels, None, 4).tolist() == [0, 1, 2, 3]
    assert dataset_stats.sample_indices(labels, 1, 10).tolist() == [3, 6, 8, 14]
    shuffled = dataset_stats.sample_indices(labels, 1, 2, seed=7)
    assert len(shuffled) == 2 and set(shuffled) <= {3, 6, 8, 14}
    assert dataset_stats.sample_indices(labels, 1, 2, seed=7).tolist() == shuffled.tolist()  # seeded
    draws = {tuple(dataset_stats.sample_indices(labels, None, 5, seed=seed)) for seed in range(6)}
    assert len(draws) > 1  # another seed, another sample
    with pytest.raises(ValueError):
        dataset_stats.sample_indices(labels, 12, 3)


def test_array_summary_rows():
    rows = dataset_stats.array_summary({"a": np.array([[0, 9]], dtype=np.uint8)})
    assert rows == [{"array": "a", "shape": "(1, 2)", "dtype": "uint8", "min": 0, "max": 9}]
