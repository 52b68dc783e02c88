"""Synthetic phone photos of a handwritten digit on paper, with the flaws real ones have.

For the Upload benchmark (benchmarks/bench_reading.py) and tests: an MNIST digit is drawn as
ink by ``mnist_core.data.synthetic.draw_ink``, laid on paper in a pen colour, and photographed with
one of ``FLAWS``. Every photo comes from its own seeded generator, so a set is reproducible.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy import ndimage

from mnist_core.data.synthetic import draw_ink

FLAWS = (
    "clean",  # white paper, black pen, even light, digit near the middle
    "shadow",  # a soft shadow across part of the paper (a hand or a phone)
    "uneven light",  # light falling off from one side to the other
    "paper edges",  # the sheet rotated on a dark table: its edges and the table's corners in frame
    "rotation",  # the photo taken 3-7 degrees askew
    "jpeg",  # saved as a low-quality JPEG (quality 30-50)
    "off centre",  # the digit near a corner of the photo
    "blue pen",  # a blue ballpoint
    "pencil",  # grey, grainy pencil
    "lined paper",  # ruled blue lines and a red margin
    "squared paper",  # a grey 5 mm grid
    "all at once",  # paper edges, a shadow, blue pen, lined paper and JPEG together
)
PAPER = np.array([236.0, 232.0, 222.0])  # a warm white sheet under indoor light
PENS = {
    "black": (np.array([28.0, 28.0, 34.0]), 0.95),  # colour, opacity
    "blue": (np.array([30.0, 55.0, 165.0]), 0.9),
    "pencil": (np.array([85.0, 85.0, 90.0]), 0.65),
}
TABLE = np.array([96.0, 82.0, 70.0])  # a wooden table


def digit_photo(
    digit: np.ndarray, flaw: str, rng: np.random.Generator,
    size: tuple[int, int] | None = None, digit_height: float | None = None,
) -> np.ndarray:
    """One MNIST digit, uint8 (28, 28), as a uint8 RGB photo (H, W, 3) of it on paper, with ``flaw``.

    ``size`` is the photo's (height, width), 360-480 px each from ``rng`` when None;
    ``digit_height`` the digit's height as a share of the photo's height (about 0.3-0.55 from
    ``rng`` when None), e.g. 0.05 for a digit written small on a sheet photographed whole.
    """
    if flaw not in FLAWS:
        raise ValueError(f"Unknown flaw {flaw!r}; use one of {', '.join(FLAWS)}.")
    if digit_height is not None and not 0.0 < digit_height <= 0.9:
        raise ValueError(f"digit_height is a share of the photo's height in (0, 0.9], got {digit_height}.")
    height, width = size if size is not None else (int(rng.integers(360, 481)), int(rng.integers(360, 481)))
    flaws = {"paper edges", "shadow", "blue pen", "lined paper", "jpeg"} if flaw == "all at once" else {flaw}
    pen = "blue" if "blue pen" in flaws else "pencil" if "pencil" in flaws else "black"
    paper = np.ones((height, width, 3)) * (PAPER + rng.normal(0, 3, 3))
    if "lined paper" in flaws:
        _rule_lines(paper, rng)
    if "squared paper" in flaws:
        _grid(paper, rng)
    ink = _digit_ink(digit, rng, (height, width), "off centre" in flaws, digit_height)
    photo = _lay_ink(paper, ink, pen, rng)
    photo *= _lighting(rng, (height, width), flaws)[..., None]
    if "paper edges" in flaws:
        photo = _on_a_table(photo, rng)
    if "rotation" in flaws:
        photo = _askew(photo, rng)
    photo = ndimage.gaussian_filter(photo, sigma=(0.7, 0.7, 0))  # the camera's softness
    photo += rng.normal(0, 2.5, photo.shape)  # sensor noise
    picture = Image.fromarray(np.clip(np.rint(photo), 0, 255).astype(np.uint8))
    if "jpeg" in flaws:
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=int(rng.integers(30, 51)))
        picture = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return np.asarray(picture)


def _digit_ink(digit, rng, shape, off_centre: bool, digit_height: float | None) -> np.ndarray:
    """The digit's ink, float (H, W): about half the photo's height (or ``digit_height`` of it),
    near the middle or a corner."""
    height, width = shape
    if digit_height is None:
        side = int(min(height, width) * rng.uniform(0.4, 0.6))
        fraction = rng.uniform(0.8, 0.95)
    else:  # the digit's longer side, its height for nearly every MNIST digit, fills 90 % of a square
        fraction = 0.9
        side = max(8, round(digit_height * height / fraction))
    ink = draw_ink(digit, rng, side, fraction=fraction)
    page = np.zeros(shape)
    margin = min(30, max(9, (min(height, width) - side) // 4))
    if off_centre:
        top = int(rng.choice([rng.integers(8, margin), height - side - rng.integers(8, margin)]))
        left = int(rng.choice([rng.integers(8, margin), width - side - rng.integers(8, margin)]))
    else:
        shift = min(20, (min(height, width) - side) // 4)
        top = (height - side) // 2 + int(rng.integers(-shift, shift + 1))
        left = (width - side) // 2 + int(rng.integers(-shift, shift + 1))
    page[top : top + side, left : left + side] = ink
    return page


def _lay_ink(paper: np.ndarray, ink: np.ndarray, pen: str, rng) -> np.ndarray:
    colour, opacity = PENS[pen]
    cover = ink * opacity
    if pen == "pencil":  # graphite skips over the paper's grain
        cover *= np.clip(rng.normal(0.85, 0.15, ink.shape), 0.4, 1.0)
    return paper * (1 - cover[..., None]) + colour * cover[..., None]


def _rule_lines(paper: np.ndarray, rng) -> None:
    spacing, offset = int(rng.integers(26, 36)), int(rng.integers(0, 26))
    for row in range(offset, paper.shape[0], spacing):
        paper[row : row + 2] = paper[row : row + 2] * 0.55 + np.array([150.0, 180.0, 225.0]) * 0.45
    margin = int(paper.shape[1] * rng.uniform(0.08, 0.15))
    red = np.array([225.0, 110.0, 110.0])
    paper[:, margin : margin + 2] = paper[:, margin : margin + 2] * 0.5 + red * 0.5


def _grid(paper: np.ndarray, rng) -> None:
    spacing = int(rng.integers(20, 28))
    line = np.array([175.0, 178.0, 190.0])
    for start in range(int(rng.integers(0, spacing)), max(paper.shape[:2]), spacing):
        paper[start : start + 1] = paper[start : start + 1] * 0.5 + line * 0.5
        paper[:, start : start + 1] = paper[:, start : start + 1] * 0.5 + line * 0.5


def _lighting(rng, shape, flaws) -> np.ndarray:
    """Brightness over the photo, float (H, W): 1.0, a light fall-off, or a soft shadow."""
    height, width = shape
    rows, cols = np.mgrid[0:height, 0:width]
    light = np.ones(shape)
    angle = rng.uniform(0, 2 * np.pi)
    along = ((cols - width / 2) * np.cos(angle) + (rows - height / 2) * np.sin(angle)) / max(shape)
    if "uneven light" in flaws:
        light *= 1.0 - rng.uniform(0.3, 0.45) * (along + 0.5)
    if "shadow" in flaws:  # a soft-edged shadow covering a third to a half of the photo
        edge = rng.uniform(-0.1, 0.15)
        softness = rng.uniform(0.03, 0.08)
        light *= 1.0 - rng.uniform(0.35, 0.5) / (1.0 + np.exp(-(along - edge) / softness))
    return light


def _on_a_table(photo: np.ndarray, rng) -> np.ndarray:
    """The sheet rotated 3-7 degrees on a table, filling most of the frame, its corners cut off."""
    height, width = photo.shape[:2]
    angle = rng.choice([-1, 1]) * rng.uniform(3, 7)
    sheet = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)).convert("RGBA")
    turned = np.asarray(sheet.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True), dtype="float64")
    table = np.ones(turned.shape[:2] + (3,)) * TABLE + rng.normal(0, 6, turned.shape[:2] + (3,))
    alpha = turned[..., 3:] / 255.0
    scene = turned[..., :3] * alpha + table * (1 - alpha)
    # Frame slightly wider than the sheet, shifted, so two or more edges and corners show.
    margin = rng.uniform(0.0, 0.06, 2) * np.array([height, width])
    top = int(max(0, (scene.shape[0] - height) / 2 - margin[0] + rng.integers(-10, 11)))
    left = int(max(0, (scene.shape[1] - width) / 2 - margin[1] + rng.integers(-10, 11)))
    return scene[top : top + height, left : left + width]


def _askew(photo: np.ndarray, rng) -> np.ndarray:
    """The photo taken a few degrees askew, cropped back to paper only."""
    height, width = photo.shape[:2]
    angle = rng.choice([-1, 1]) * rng.uniform(3, 7)
    turned = ndimage.rotate(photo, angle, axes=(1, 0), reshape=False, order=1, mode="nearest")
    crop = int(max(height, width) * np.sin(np.radians(abs(angle)))) + 2
    return turned[crop : height - crop, crop : width - crop]


def photo_set(images: np.ndarray, seed: int = 0) -> dict[str, list[np.ndarray]]:
    """Per flaw, a photo of each of ``images`` uint8 (N, 28, 28), each from its own generator."""
    return {
        flaw: [digit_photo(image, flaw, np.random.default_rng([seed, number, index]))
               for index, image in enumerate(images)]
        for number, flaw in enumerate(FLAWS)
    }
