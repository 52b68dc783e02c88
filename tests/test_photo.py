"""Photos of a digit on paper: each flaw of mnist_core.data.synthetic_photos is read, and a photo that
cannot be read says why in photo terms."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_core import PhotoError, load_default_network
from mnist_core.data.synthetic_photos import FLAWS, digit_photo, photo_set
from mnist_core.reading.photo import NO_WRITING, ONLY_AT_THE_EDGE, image_to_mnist_steps


@pytest.fixture(scope="module")
def network():
    return load_default_network()[0]


@pytest.mark.parametrize("flaw", FLAWS)
def test_each_flaw_is_read(network, mnist, flaw):
    """Six test digits per flaw, at least five read right (four when every flaw comes at once);
    the benchmark has 100 per flaw."""
    (_, _), (x_test, y_test) = mnist
    number = FLAWS.index(flaw)
    right = 0
    for index in range(6):
        photo = digit_photo(x_test[index], flaw, np.random.default_rng([0, number, index]))
        assert photo.dtype == np.uint8 and photo.ndim == 3 and min(photo.shape[:2]) >= 250
        steps = image_to_mnist_steps(photo)
        right += int(network.probabilities(steps.centred)[0].argmax()) == y_test[index]
    assert right >= (4 if flaw == "all at once" else 5), f"{flaw}: {right} of 6"


def test_photo_sets_are_reproducible(mnist):
    (_, _), (x_test, _) = mnist
    first, second = photo_set(x_test[:2], seed=3), photo_set(x_test[:2], seed=3)
    assert list(first) == list(FLAWS)
    assert all(np.array_equal(a, b) for flaw in FLAWS for a, b in zip(first[flaw], second[flaw], strict=True))


def test_blank_paper_says_no_writing():
    shade = np.clip(np.linspace(-1.0, 2.0, 400), 0.0, 1.0)  # a soft shadow over the left half
    paper = np.repeat((230 - 70 * (1 - shade))[None, :, None], 300, axis=0).repeat(3, axis=2)
    paper = paper.astype(np.uint8)
    with pytest.raises(PhotoError) as caught:
        image_to_mnist_steps(paper)
    assert str(caught.value) == NO_WRITING


def test_a_digit_cut_by_the_frame_says_crop_closer(mnist):
    (_, _), (x_test, _) = mnist
    photo = digit_photo(x_test[0], "clean", np.random.default_rng(0))
    rows = np.flatnonzero((photo.min(axis=2) < 120).any(axis=1))
    with pytest.raises(PhotoError) as caught:
        image_to_mnist_steps(photo[rows[0] + 5 :])  # the top of the 7 cut off by the frame
    assert str(caught.value) == ONLY_AT_THE_EDGE
    assert "paper's edge" in ONLY_AT_THE_EDGE and "Crop closer" in ONLY_AT_THE_EDGE
