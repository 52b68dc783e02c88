"""What the Dataset page says about MNIST, as plain text: fixed paragraphs and sentences
computed from the data they describe. No Streamlit here; the page lays them out."""

from __future__ import annotations

import numpy as np

from mnist_core.config import IMAGE_PIXELS, IMAGE_SIDE

SPLITS = {"train": "Training set", "test": "Test set"}

INTRO = (
    "70,000 handwritten digits, scanned from forms filled in by American Census Bureau employees "
    "and high-school students, then size-normalised to a 20 × 20 box and centred in 28 × 28 pixels. "
    "This page looks at them the way the network will: as arrays of numbers."
)
ARRAYS = (
    "`mnist.load_data()` returns two pairs of NumPy arrays: images and their labels, for "
    "**training** (what the network learns from) and **testing** (kept apart, to check it "
    "on digits it has never seen). Each image is a 28 × 28 grid of bytes (`uint8`): "
    "0 is background, 255 is full ink."
)
WRITERS = (
    "The test images come from different writers than the training images, so a good test "
    "score means the network learned digits, not people."
)
PIXELS = (
    "To a computer an image is just a table of numbers. Hover a pixel to read it: "
    "its row, its column, its value from 0 (no ink) to 255 (full ink), and where it "
    "lands once the image is flattened for the network."
)
AS_STORED = (
    "Drawn as stored: ink is high (white), the background 0 (black). The lesson's "
    "`plt.imshow(digit, cmap=plt.cm.binary)` draws the same numbers dark on light."
)
VALUES_ZOOM = (
    "Zoomed to the pixels around the ink, to print their values; the axes keep the image's "
    "rows and columns."
)
BURSTS = (
    "The bars come in bursts, one per image row that crosses the digit. The network gets no "
    "hint that input 28 sits just below input 0: whatever it knows about shape, it learns."
)


def balance_note(train_counts: np.ndarray, test_counts: np.ndarray) -> str:
    """How balanced the classes are, from the per-digit counts (10,) of both splits."""
    share = train_counts.min() / train_counts.max()
    floor = test_counts.max() / test_counts.sum()
    return (
        f"The classes are nearly balanced: the rarest has {share:.0%} of the most common. A model "
        f"that always guessed one digit would be right about {floor:.0%} of the time on the test "
        "set, a useful floor to compare accuracy with."
    )


def grid_note(count: int, split: str, digit: int | None, seed: int | None) -> str:
    """What the sample grid shows: how many images of which split and digit, in what order."""
    which = "all digits" if digit is None else f"digit {digit}"
    order = "in dataset order" if seed is None else "in a random order (Shuffle again for another)"
    return (
        f"{count} {SPLITS[split].lower()} images of {which}, {order}. Each caption is "
        "the label and the image's index in the array."
    )


def means_note(split: str) -> str:
    return (
        f"Each picture is the pixel-by-pixel mean of every {SPLITS[split].lower()} image of that "
        "digit. The bright core is where nearly every writer puts ink; the grey halo is how much "
        "they vary. A dense network learns something like a sharper, signed version of these "
        "templates: which pixels speak for or against each digit."
    )


def histogram_note(total: int, split: str) -> str:
    return (
        f"Of {total:,} pixels in the {SPLITS[split].lower()}, most are background. The "
        "grey values in between are the anti-aliased edges of the strokes."
    )


def reshape_note(index: int, label: int) -> str:
    side = IMAGE_SIDE
    return (
        f"A dense layer takes a flat list of numbers, not a grid. So each {side} × {side} image is "
        f"**reshaped** into one row of {IMAGE_PIXELS} values (row 0, then row 1, …) and **scaled** from "
        "bytes 0–255 to floats 0–1, which keeps the network's arithmetic in a comfortable range. "
        f"Here is image #{index} (a {label}) after `flatten_and_scale`, the function the app "
        "uses for training and prediction:"
    )


def reshape_table(image: np.ndarray, vector: np.ndarray) -> list[dict]:
    """Shape, dtype and range of one uint8 image (28, 28) and its flattened, scaled vector (784,)."""
    return [
        {"step": "before", "shape": str(image.shape), "dtype": str(image.dtype),
         "min": f"{image.min()}", "max": f"{image.max()}"},
        {"step": "after", "shape": str(vector.shape), "dtype": str(vector.dtype),
         "min": f"{vector.min():.3f}", "max": f"{vector.max():.3f}"},
    ]  # fmt: skip


def first_inked_note(image: np.ndarray, vector: np.ndarray, count: int = 4) -> str:
    """The first ``count`` inked inputs of the vector (784,) and the pixel (28, 28) each came from."""
    inked = np.flatnonzero(vector)[:count]
    if not len(inked):
        return "This image has no ink."
    return (
        "First inked positions: "
        + ", ".join(f"input {i} = {image.flat[i]}/255 = {vector[i]:.3f}" for i in inked)
        + "."
    )


NO_DATA_HELP = (
    "**What to do** (on the server): put MNIST on it and start the app with `MNIST_PATH` pointing at "
    "it, e.g. `MNIST_PATH=/data/mnist.npz streamlit run app.py` (a Keras-layout `mnist.npz` or a folder "
    "with LeCun's four IDX files), or give it an internet connection. Then press **Retry**. The "
    "reason is in the server's log. Draw works without MNIST."
)


def no_data_message(source: str) -> str:
    """Why a page that needs MNIST shows nothing, from where MNIST was to come from ("keras" or
    the MNIST_PATH given); a file is named by its name only, never by its server path."""
    if source == "keras":
        return ("**MNIST could not be loaded.** This server has no copy of it and could not download "
                "it (no internet connection?).")
    name = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return (f"**MNIST could not be loaded.** The server's `MNIST_PATH` names `{name}`, which is missing "
            "or not an MNIST file.")


def data_source_caption(source: str, failed: bool) -> str:
    """The sidebar's line about the data, agreeing with the page when loading failed."""
    if failed:
        return "Data: MNIST could not be loaded (see the page)"
    if source == "keras":
        return "Data: MNIST from Keras' download"
    name = source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return f"Data: MNIST from `{name}` (set by MNIST_PATH)"
