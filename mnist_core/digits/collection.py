"""A personal digit set as a value: digits after the MNIST steps, their labels and thumbnails.

Every change returns a new ``DigitSet`` (the old one is untouched), so a page can keep one in
its session and a failed import leaves it as it was. The set is bounded (``MAX_DIGITS``): at
most 5,000 x (784 + 1,600 + 1) bytes, about 12 MB, per session.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from mnist_core.config import IMAGE_SIDE, NUM_CLASSES
from mnist_core.reading.preprocess import PreprocessSteps, as_mnist_pixels, canvas_to_mnist_steps

MAX_DIGITS = 5_000  # digits one set (one session, one file) holds at most
THUMBNAIL_SIDE = 40  # pixels: the original drawing, shrunk whole, beside its 28x28 digit


def thumbnail(ink: np.ndarray, side: int = THUMBNAIL_SIDE) -> np.ndarray:
    """float32 ink (H, W) in [0, 1], the whole drawing -> uint8 (side, side), shrunk (area average)."""
    picture = Image.fromarray(as_mnist_pixels(np.asarray(ink, dtype="float32")))
    return np.asarray(picture.resize((side, side), Image.Resampling.BOX), dtype=np.uint8)


def thumbnails_of(images: np.ndarray, side: int = THUMBNAIL_SIDE) -> np.ndarray:
    """uint8 (N, 28, 28) -> uint8 (N, side, side): stand-ins when the originals are not known."""
    if not len(images):
        return np.zeros((0, side, side), np.uint8)
    return np.stack([np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BILINEAR))
                     for image in images])


def check_label(label: int) -> int:
    if isinstance(label, bool) or int(label) != label or not 0 <= int(label) < NUM_CLASSES:
        raise ValueError(f"A label is a digit 0-9, got {label!r}.")
    return int(label)


@dataclass(frozen=True, eq=False)
class DigitSet:
    """``images`` uint8 (N, 28, 28) after the MNIST steps; ``labels`` uint8 (N,) 0-9;
    ``thumbnails`` uint8 (N, 40, 40), each original drawing shrunk whole. Arrays are read-only."""

    images: np.ndarray
    labels: np.ndarray
    thumbnails: np.ndarray

    def __post_init__(self) -> None:
        images, labels, thumbnails = self.images, self.labels, self.thumbnails
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
            raise ValueError(f"images must be uint8 (N, 28, 28), got {images.dtype} {images.shape}.")
        if labels.dtype != np.uint8 or labels.shape != (len(images),):
            raise ValueError(f"labels must be uint8 ({len(images)},), got {labels.dtype} {labels.shape}.")
        if thumbnails.dtype != np.uint8 or thumbnails.shape[:1] != (len(images),) or thumbnails.ndim != 3:
            raise ValueError(f"thumbnails must be uint8 ({len(images)}, h, w), got {thumbnails.shape}.")
        if labels.size and labels.max() >= NUM_CLASSES:
            raise ValueError(f"labels must be 0-9, got {labels.max()}.")
        if len(images) > MAX_DIGITS:
            raise ValueError(f"A set holds at most {MAX_DIGITS:,} digits, got {len(images):,}.")
        for array in (images, labels, thumbnails):
            array.flags.writeable = False

    @classmethod
    def empty(cls) -> DigitSet:
        return cls(np.zeros((0, IMAGE_SIDE, IMAGE_SIDE), np.uint8), np.zeros(0, np.uint8),
                   np.zeros((0, THUMBNAIL_SIDE, THUMBNAIL_SIDE), np.uint8))

    @classmethod
    def from_arrays(cls, images, labels, thumbnails=None) -> DigitSet:
        """Copies of uint8 images (N, 28, 28) and labels (N,); thumbnails made from the images if None."""
        images = np.array(images, dtype=np.uint8, copy=True)
        thumbnails = thumbnails_of(images) if thumbnails is None else np.array(thumbnails, np.uint8)
        return cls(images, np.array(labels, dtype=np.uint8, copy=True), thumbnails)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def full(self) -> bool:
        return len(self) >= MAX_DIGITS

    def counts(self) -> np.ndarray:
        """int64 (10,): digits of each label."""
        return np.bincount(self.labels, minlength=NUM_CLASSES)

    def add(self, image: np.ndarray, label: int, thumb: np.ndarray) -> DigitSet:
        """A set with one more digit: ``image`` uint8 (28, 28), ``thumb`` uint8 (40, 40)."""
        return self.extend(DigitSet(np.asarray(image, np.uint8)[None].copy(),
                                    np.array([check_label(label)], np.uint8),
                                    np.asarray(thumb, np.uint8)[None].copy()))

    def add_steps(self, steps: PreprocessSteps, label: int) -> DigitSet:
        """A set with one more digit, from a drawing's (or a photo's) MNIST steps."""
        return self.add(as_mnist_pixels(steps.centred), label, thumbnail(steps.ink))

    def add_canvas(self, rgba: np.ndarray, label: int) -> DigitSet:
        """A set with the drawing on a (H, W, 4) uint8 canvas added; ``BlankImageError`` if empty."""
        return self.add_steps(canvas_to_mnist_steps(rgba), label)

    def extend(self, other: DigitSet) -> DigitSet:
        """This set followed by ``other``; ``ValueError`` past ``MAX_DIGITS``."""
        if len(self) + len(other) > MAX_DIGITS:
            raise ValueError(f"A set holds at most {MAX_DIGITS:,} digits: {len(self):,} + {len(other):,} "
                             "is more.")
        side = max(self.thumbnails.shape[1:] + other.thumbnails.shape[1:], default=THUMBNAIL_SIDE)
        return DigitSet(np.concatenate([self.images, other.images]),
                        np.concatenate([self.labels, other.labels]),
                        np.concatenate([_resized(self.thumbnails, side), _resized(other.thumbnails, side)]))

    def relabel(self, index: int, label: int) -> DigitSet:
        labels = self.labels.copy()
        labels[self._index(index)] = check_label(label)
        return DigitSet(self.images, labels, self.thumbnails)

    def delete(self, index: int) -> DigitSet:
        keep = np.arange(len(self)) != self._index(index)
        return DigitSet(self.images[keep], self.labels[keep], self.thumbnails[keep])

    def subset(self, indices: np.ndarray) -> DigitSet:
        """The digits at int ``indices``, in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        return DigitSet(self.images[indices], self.labels[indices], self.thumbnails[indices])

    def _index(self, index: int) -> int:
        if not 0 <= int(index) < len(self):
            raise IndexError(f"No digit {index} in a set of {len(self)}.")
        return int(index)


def _resized(thumbnails: np.ndarray, side: int) -> np.ndarray:
    if thumbnails.shape[1:] == (side, side):
        return thumbnails
    if not len(thumbnails):
        return np.zeros((0, side, side), np.uint8)
    return np.stack([np.asarray(Image.fromarray(t).resize((side, side), Image.Resampling.BILINEAR))
                     for t in thumbnails])


def prompt_digit(position: int, per_digit: int) -> int | None:
    """The prompted mode's digit at ``position`` (0-based) of a round of ``per_digit`` of each:
    0, 1, ..., 9, 0, 1, ...; None once the round is complete (10 x ``per_digit`` kept)."""
    if position < 0 or per_digit < 1:
        raise ValueError(f"position must be >= 0 and per_digit >= 1, got {position} and {per_digit}.")
    return None if position >= NUM_CLASSES * per_digit else position % NUM_CLASSES
