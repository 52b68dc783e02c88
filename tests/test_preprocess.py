"""Preprocessing, by cases you can check by hand: MNIST's 20x20 box and centre of mass."""

import io
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from mnist_core import (
    BlankImageError,
    ImageFileError,
    canvas_to_mnist,
    canvas_to_mnist_steps,
    flatten_and_scale,
    image_to_mnist,
    image_to_mnist_steps,
    is_blank,
    load_image_bytes,
)
from mnist_core.data.synthetic import drawn_canvas, redraw_with_pen
from mnist_core.reading.preprocess import (
    STROKE_RATIO,
    canvas_ink,
    ink_to_mnist_steps,
    normalise_strokes,
    stroke_width,
)

MNIST_CENTRE = 14.0  # where MNIST's own digits have their centre of mass (pixel index)


# ---------------------------------------------------------------- helpers


def draw_seven(top: int, left: int, height: int, width: int | None = None, pen: int = 12,
               background=(0, 0, 0, 0), ink=(255, 255, 255, 255), size: int = 280) -> np.ndarray:
    """A '7' (a bar and a slanted stroke) in the box (top, left, height, width) -> uint8 RGBA."""
    width = width or int(height * 0.7)
    picture = Image.new("RGBA", (size, size), background)
    pen_draw = ImageDraw.Draw(picture)
    bar = [(left, top + pen // 2), (left + width, top + pen // 2)]
    stem = [(left + width, top + pen // 2), (left + width // 3, top + height - pen // 2)]
    pen_draw.line(bar, fill=ink, width=pen)
    pen_draw.line(stem, fill=ink, width=pen)
    return np.asarray(picture).copy()


def ink_box(image: np.ndarray) -> tuple[int, int]:
    """(rows, cols) spanned by nonzero pixels."""
    rows = np.flatnonzero((image > 0).any(axis=1))
    cols = np.flatnonzero((image > 0).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def png_bytes(picture: Image.Image, kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, kind)
    return buffer.getvalue()


def photo_of(digit: np.ndarray, size: int = 300) -> np.ndarray:
    """An MNIST digit (28, 28) uint8 enlarged to a (size, size) uint8 'photo', light on dark."""
    return np.asarray(Image.fromarray(digit).resize((size, size), Image.Resampling.BICUBIC))


# ---------------------------------------------------------------- flatten_and_scale


def test_flatten_and_scale_shape_dtype_and_values(rng):
    images = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255
    flat = flatten_and_scale(images)
    assert flat.shape == (5, 784) and flat.dtype == np.float32
    assert flat.min() == 0.0 and flat.max() == 1.0
    np.testing.assert_allclose(flat[2, 28 * 3 + 4], images[2, 3, 4] / 255.0, rtol=1e-6)  # row-major
    np.testing.assert_allclose(flat, images.reshape(5, 784) / 255.0, rtol=1e-6)


@pytest.mark.parametrize("shape", [(28, 28), (4, 784), (4, 28, 27), (4, 28, 28, 1)])
def test_flatten_and_scale_rejects_other_shapes(shape):
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        flatten_and_scale(np.zeros(shape, np.uint8))


# ---------------------------------------------------------------- canvas_to_mnist: geometry


@pytest.mark.parametrize("top, left, height", [
    (5, 5, 40),  # small, top-left corner
    (220, 230, 50),  # small, bottom-right corner
    (20, 100, 250),  # nearly the whole height
    (130, 10, 30),  # tiny, left edge
], ids=["small top-left", "small bottom-right", "large", "tiny left"])
def test_off_centre_digit_is_boxed_and_centred_like_mnist(top, left, height):
    steps = canvas_to_mnist_steps(draw_seven(top, left, height))
    digit = steps.centred
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert 0.0 <= digit.min() and digit.max() <= 1.0 and digit.max() > 0.9
    rows, cols = ink_box(digit)
    assert max(rows, cols) <= 20 and max(steps.boxed.shape) == 20  # longer side fills the 20x20 box
    centre_row, centre_col = ndimage.center_of_mass(digit)
    assert abs(centre_row - MNIST_CENTRE) <= 0.5 and abs(centre_col - MNIST_CENTRE) <= 0.5


def test_same_drawing_anywhere_and_any_size_gives_nearly_the_same_input():
    small = canvas_to_mnist(draw_seven(10, 10, 60, pen=4))
    large = canvas_to_mnist(draw_seven(40, 60, 220, pen=16))
    assert np.corrcoef(small.ravel(), large.ravel())[0, 1] > 0.9


def test_crop_follows_the_ink_bounding_box():
    steps = canvas_to_mnist_steps(draw_seven(50, 60, 100, width=70, pen=10))
    assert steps.ink.shape == (280, 280)
    assert steps.cropped.shape == ink_box(steps.ink)
    assert steps.cropped.sum() == pytest.approx(steps.ink.sum())  # all the ink, nothing else
    assert 90 <= steps.cropped.shape[0] <= 100 and 70 <= steps.cropped.shape[1] <= 82


@pytest.mark.parametrize("box, expected", [
    ((20, 100, 200, 10), (20, 1)),  # a tall thin "1": 200 x 10 -> 20 x 1
    ((120, 20, 20, 200), (2, 20)),  # a wide bar: 20 x 200 -> 2 x 20
    ((40, 40, 100, 50), (20, 10)),  # 2:1 -> 20 x 10
], ids=["tall", "wide", "two-to-one"])
def test_aspect_ratio_is_kept(box, expected):
    """The 20x20 box keeps the shape (solid blocks, so with the stroke step left out)."""
    top, left, height, width = box
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[top : top + height, left : left + width] = 255
    assert ink_to_mnist_steps(canvas_ink(canvas), stroke_ratio=None).boxed.shape == expected


# ---------------------------------------------------------------- canvas encodings


@pytest.mark.parametrize("background, ink", [
    ((0, 0, 0, 255), (255, 255, 255, 255)),  # opaque black canvas, white pen
    ((255, 255, 255, 255), (0, 0, 0, 255)),  # opaque white canvas, black pen
    ((0, 0, 0, 0), (200, 30, 30, 255)),  # transparent canvas, red pen: ink is alpha
    ((51, 51, 51, 255), (255, 255, 255, 255)),  # opaque dark grey canvas, white pen
], ids=["opaque black", "opaque white", "transparent red pen", "opaque grey"])
def test_canvas_encodings_give_the_same_result(background, ink):
    transparent = canvas_to_mnist(draw_seven(60, 40, 120))
    other = canvas_to_mnist(draw_seven(60, 40, 120, background=background, ink=ink))
    np.testing.assert_allclose(other, transparent, atol=1e-6)


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_synthetic_drawings_in_both_encodings_match(mnist, index):
    digit = mnist[1][0][index]
    transparent = drawn_canvas(digit, np.random.default_rng(index), "transparent")
    opaque = drawn_canvas(digit, np.random.default_rng(index), "opaque")
    assert transparent[..., 3].min() == 0 and opaque[..., 3].min() == 255
    np.testing.assert_allclose(canvas_to_mnist(opaque), canvas_to_mnist(transparent), atol=1e-6)


def test_canvas_rejects_wrong_arrays():
    with pytest.raises(ValueError, match="RGBA"):
        canvas_to_mnist(np.zeros((280, 280), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        canvas_to_mnist(np.zeros((280, 280, 4), np.float32))


# ---------------------------------------------------------------- blank canvases


def _specks(canvas: np.ndarray, count: int, level: int = 255) -> np.ndarray:
    for index in range(count):
        canvas[10 + 40 * index, 20 + 30 * index, 3] = level
    return canvas


BLANK = {
    "transparent": np.zeros((280, 280, 4), np.uint8),
    "opaque black": np.full((280, 280, 4), (0, 0, 0, 255), np.uint8),
    "opaque white": np.full((280, 280, 4), 255, np.uint8),
    "opaque dark grey": np.full((280, 280, 4), (60, 60, 60, 255), np.uint8),
    "three specks": _specks(np.zeros((280, 280, 4), np.uint8), 3),
    "faint wash": np.full((280, 280, 4), (255, 255, 255, 20), np.uint8),  # alpha 0.08 < threshold
}


@pytest.mark.parametrize("canvas", BLANK.values(), ids=BLANK.keys())
def test_blank_canvas_raises_and_is_blank_agrees(canvas):
    assert is_blank(canvas)
    with pytest.raises(BlankImageError, match="blank") as caught:
        canvas_to_mnist(canvas)
    assert isinstance(caught.value, ValueError)


def test_faint_specks_far_apart_raise_blank_image_error_not_nan():
    canvas = np.zeros((280, 280, 4), np.uint8)
    for row, col in [(0, 0), (0, 279), (279, 0), (279, 279), (140, 140)]:
        canvas[row, col, 3] = 30  # just above the ink threshold, vanishes when shrunk 14x
    with pytest.raises(BlankImageError, match="faint"):
        canvas_to_mnist(canvas)


def test_a_drawing_is_not_blank():
    canvas = draw_seven(100, 100, 30, pen=3)
    assert not is_blank(canvas)
    assert canvas_to_mnist(canvas).sum() > 10


# ---------------------------------------------------------------- photos


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_dark_on_light_photo_gives_the_same_digit_as_light_on_dark(mnist, mode):
    digit = mnist[1][0][0]  # a 7
    light_on_dark = Image.fromarray(photo_of(digit)).convert(mode)
    dark_on_light = Image.fromarray(255 - photo_of(digit)).convert(mode)
    first, second = image_to_mnist(light_on_dark), image_to_mnist(dark_on_light)
    np.testing.assert_allclose(first, second, atol=1e-5)
    assert np.corrcoef(first.ravel(), digit.ravel())[0, 1] > 0.8  # and it is still that 7


def test_photo_on_noisy_paper_matches_the_clean_one(mnist, rng):
    digit = mnist[1][0][1]  # a 2
    clean = 255 - photo_of(digit, 400).astype(np.int16)  # dark ink on white paper
    paper = clean - rng.integers(0, 40, clean.shape)  # grain
    paper[rng.random(clean.shape) < 0.001] = 60  # dark specks
    noisy = np.clip(paper, 0, 255).astype(np.uint8)
    steps = image_to_mnist_steps(noisy)
    assert steps.centred.shape == (28, 28) and max(ink_box(steps.centred)) <= 20
    correlation = np.corrcoef(steps.centred.ravel(), image_to_mnist(clean.astype(np.uint8)).ravel())[0, 1]
    assert correlation > 0.95


@pytest.mark.parametrize("colour", [(255, 255, 255), (0, 0, 0), (20, 40, 200)],
                         ids=["white", "black", "blue"])
def test_png_with_ink_on_transparency_reads_in_any_ink_colour(mnist, colour):
    canvas = drawn_canvas(mnist[1][0][0], np.random.default_rng(0), "transparent", canvas_size=200)
    canvas[canvas[..., 3] > 0, :3] = colour  # e.g. a canvas export: white strokes, transparent page
    upload = load_image_bytes(png_bytes(Image.fromarray(canvas)))
    np.testing.assert_allclose(image_to_mnist(upload), canvas_to_mnist(canvas), atol=0.1)


def test_photo_of_nothing_raises():
    with pytest.raises(BlankImageError):
        image_to_mnist(np.full((200, 300), 230, np.uint8))


def test_photo_array_must_be_uint8():
    with pytest.raises(ImageFileError, match="uint8"):
        image_to_mnist(np.zeros((50, 50), np.float64))


# ---------------------------------------------------------------- uploaded files


def _png_header(width: int, height: int) -> bytes:
    """The first bytes of a PNG that says it is ``width`` x ``height``, 1-bit grey: all Pillow reads
    before refusing an image too large to open."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"")


def _truncated(kind: str) -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    data = png_bytes(Image.fromarray(noise), kind)
    return data[: len(data) // 2]


BAD_UPLOADS = [
    ("empty", b"", "empty"),
    ("random bytes", np.random.default_rng(2).bytes(3000), "not an image"),
    ("text", b"hello, this is not a picture\n" * 20, "not an image"),
    ("truncated PNG", _truncated("PNG"), "damaged or truncated"),
    ("truncated JPEG", _truncated("JPEG"), "damaged or truncated"),
    ("oversized", png_bytes(Image.new("1", (5000, 5000))), "the limit is 24 megapixels"),
    # Pillow refuses this at open with its own "decompression bomb DOS attack": the user reads ours.
    ("past Pillow's limit", _png_header(20_000, 20_000), "over 179 megapixels; the limit is 24 megapixels"),
]


@pytest.mark.parametrize(
    "data, words", [case[1:] for case in BAD_UPLOADS], ids=[case[0] for case in BAD_UPLOADS]
)
def test_bad_uploads_raise_image_file_error(data, words):
    with pytest.raises(ImageFileError, match=words) as caught:
        load_image_bytes(data)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("kind, mode", [("PNG", "RGBA"), ("JPEG", "RGB"), ("PNG", "L")])
def test_good_upload_decodes(kind, mode):
    picture = load_image_bytes(png_bytes(Image.new(mode, (64, 48), "white"), kind))
    assert picture.size == (64, 48)
    picture.load()  # fully decoded, independent of the bytes


def test_uploaded_photo_goes_through_to_mnist(mnist):
    data = png_bytes(Image.fromarray(255 - photo_of(mnist[1][0][2])), "PNG")  # a 1, dark on light
    digit = image_to_mnist(load_image_bytes(data))
    assert digit.shape == (28, 28) and max(ink_box(digit)) <= 20


# ---------------------------------------------------------------- stroke width


@pytest.mark.parametrize("pen", [4, 10, 20, 30])
def test_stroke_width_is_measured_in_pixels(pen):
    ink = np.zeros((280, 280), "float32")
    ink[40:240, 100 : 100 + pen] = 1.0  # a bar as wide as the pen
    assert stroke_width(ink) == pytest.approx(pen, abs=1.0)


def test_strokes_are_redrawn_at_mnist_width_whatever_the_pen():
    """An L drawn with any pen comes out with strokes about STROKE_RATIO of its height, the same
    for every pen (the width estimate is whole pixels of a distance transform: +-1 px)."""
    skeleton = np.zeros((200, 200), bool)
    skeleton[30:170, 60] = True
    skeleton[170, 60:140] = True
    ratios = []
    for pen in (3, 8, 20, 40):
        normalised, measured = normalise_strokes(redraw_with_pen(skeleton, pen))
        assert measured == pytest.approx(pen, abs=1.5)
        ratios.append(stroke_width(normalised) / max(normalised.shape))
    assert max(ratios) - min(ratios) < 0.03, ratios
    assert np.mean(ratios) == pytest.approx(STROKE_RATIO, abs=0.045), ratios


def test_thinning_keeps_a_loop_open():
    """A thick ring thinned to MNIST's width keeps its hole (an erosion never closes a loop)."""
    rows, cols = np.mgrid[0:200, 0:200]
    radius = np.hypot(rows - 100, cols - 100)
    ring = ((radius > 45) & (radius < 85)).astype("float32")  # 40 px strokes on a 170 px "0"
    normalised, _ = normalise_strokes(ring)
    assert stroke_width(normalised) < 30
    labels, count = ndimage.label(np.pad(normalised, 1) < 0.5)
    assert count == 2  # the outside and the hole


# ---------------------------------------------------------------- imports

DRAW_IMPORTS = """
import sys
import mnist_core.charts.drawing, mnist_core.reading.familiarity, mnist_core.reading.photo
import mnist_core.reading.reader
before = sorted(name for name in sys.modules if name.startswith(("scipy.ndimage", "scipy.special")))
from mnist_core.reading.preprocess import import_image_modules
import_image_modules()
print(before, "scipy.ndimage" in sys.modules)
"""


def test_reading_modules_import_scipy_on_first_use():
    """What Draw's first run imports leaves SciPy's image modules out (a blank canvas needs
    none); ``import_image_modules`` brings them in."""
    result = subprocess.run([sys.executable, "-c", DRAW_IMPORTS], capture_output=True, text=True,
                            check=True, timeout=120)
    assert result.stdout.split() == ["[]", "True"]
