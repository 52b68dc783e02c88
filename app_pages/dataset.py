"""Dataset: what MNIST is, array by array, image by image, pixel by pixel."""

from __future__ import annotations

import inspect

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from app_pages.common import Dataset, dataset_or_stop, load_dataset
from mnist_core import flatten_and_scale
from mnist_core.charts import dataset as charts

SPLITS = {"train": "Training set", "test": "Test set"}
DIGIT_CHOICES = ["All", *charts.DIGITS]
GRID_SIZES = (20, 40, 60, 100)
TILE_SCALE = 3  # grid tiles are 84 x 84 screen pixels
GRID_KEY = "dataset_grid"  # session_state: what the sample grid shows (split, digit, indices, labels)
SEED_KEY = "dataset_seed"  # session_state: None = dataset order, an int = that shuffle


def page_link(page: str, label: str, icon: str) -> None:
    """A link to another page, or a plain note while that page is not in the navigation."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        st.caption(f"{label} (that page is not available in this version of the app).")


def split_arrays(dataset: Dataset, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 28, 28), labels uint8 (N,)) of 'train' or 'test'."""
    if split == "train":
        return dataset.x_train, dataset.y_train
    return dataset.x_test, dataset.y_test


@st.cache_resource(show_spinner="Averaging every digit…")
def cached_class_means(split: str) -> np.ndarray:
    """float64 (10, 28, 28) per-digit mean images of a split; computed once per process."""
    images, labels = split_arrays(load_dataset(), split)
    means = charts.class_means(images, labels)
    means.flags.writeable = False
    return means


@st.cache_resource(show_spinner="Counting 47 million pixels…")
def cached_pixel_counts(split: str) -> np.ndarray:
    """int64 (256,) pixel-value counts of a split; computed once per process."""
    counts = charts.pixel_value_counts(split_arrays(load_dataset(), split)[0])
    counts.flags.writeable = False
    return counts


def render_arrays(dataset: Dataset) -> None:
    st.subheader("The four arrays", anchor="arrays")
    st.markdown(
        "`mnist.load_data()` returns two pairs of NumPy arrays: images and their labels, for "
        "**training** (what the network learns from) and **testing** (kept apart, to check it "
        "on digits it has never seen). Each image is a 28 × 28 grid of bytes (`uint8`): "
        "0 is background, 255 is full ink."
    )
    arrays = dict(
        zip(
            charts.LESSON_NAMES,
            (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test),
            strict=True,
        )
    )
    rows = charts.array_summary(arrays)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.dataframe(rows, hide_index=True, width="stretch")
        st.caption(
            f"Loaded from `{dataset.source}`. The test images come from different writers than "
            "the training images, so a good test score means the network learned digits, not people."
        )
    with right:
        st.caption("The lesson's interactive session, run on these arrays:")
        st.code(
            charts.lesson_printout(dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test),
            language="python",
            wrap_lines=True,
        )


@st.cache_resource(show_spinner=False)
def cached_figure(name: str, split: str, option: bool):
    """The page's figures that depend only on the dataset, built once per process and shared
    read-only (building a Plotly figure costs tens of ms of server CPU per session)."""
    dataset = load_dataset()
    if name == "class counts":
        return charts.class_counts_figure(dataset.y_train, dataset.y_test, option)
    if name == "class means":
        return charts.class_means_figure(cached_class_means(split),
                                         charts.class_counts(split_arrays(dataset, split)[1]))
    return charts.pixel_histogram_figure(cached_pixel_counts(split), option)


def render_class_counts(dataset: Dataset) -> None:
    st.subheader("How many of each digit?", anchor="counts")
    train_counts = charts.class_counts(dataset.y_train)
    test_counts = charts.class_counts(dataset.y_test)
    most, least = int(train_counts.argmax()), int(train_counts.argmin())
    chart, notes = st.columns([3, 1], gap="medium")
    with notes:
        as_share = st.toggle("Share of each set (%)", key="dataset_share")
    with chart:
        st.plotly_chart(cached_figure("class counts", "train", as_share), width="stretch")
    with notes:
        st.metric(f"Most common digit: {most}", f"{train_counts[most]:,}", border=True)
        st.metric(f"Rarest digit: {least}", f"{train_counts[least]:,}", border=True)
        st.caption(
            f"The classes are nearly balanced: the rarest has {train_counts[least] / train_counts[most]:.0%} "
            "of the most common. A model that always guessed one digit would be right about "
            f"{test_counts.max() / test_counts.sum():.0%} of the time on the test set, a useful floor "
            "to compare accuracy with."
        )


def _shuffle() -> None:
    st.session_state[SEED_KEY] = int(np.random.default_rng().integers(1_000_000))


def _in_order() -> None:
    st.session_state[SEED_KEY] = None


def render_grid(dataset: Dataset) -> tuple[str, list[int]]:
    """The filterable sample grid; returns the split and the indices shown."""
    st.subheader("Browse the images", anchor="samples")
    which = st.container(horizontal=True, gap="large", vertical_alignment="bottom")
    digit = which.segmented_control("Digit", DIGIT_CHOICES, default="All", required=True, key="dataset_digit")
    split = which.segmented_control(
        "Split", list(SPLITS), format_func=SPLITS.get, default="train", required=True, key="dataset_split"
    )
    how = st.container(horizontal=True, gap="medium", vertical_alignment="bottom")
    count = how.select_slider("How many", GRID_SIZES, value=40, key="dataset_count", width=220)
    how.button("Shuffle", icon=":material/shuffle:", on_click=_shuffle, key="dataset_shuffle")
    how.button(
        "In order", icon=":material/sort:", on_click=_in_order, key="dataset_in_order", type="tertiary"
    )
    seed = st.session_state.get(SEED_KEY)
    images, labels = split_arrays(dataset, split)
    chosen = None if digit == "All" else int(digit)
    indices = charts.sample_indices(labels, chosen, count, seed)
    shown = [int(index) for index in indices]
    st.session_state[GRID_KEY] = {
        "split": split,
        "digit": chosen,
        "seed": seed,
        "indices": shown,
        "labels": [int(labels[index]) for index in shown],
    }
    which = "all digits" if chosen is None else f"digit {chosen}"
    order = "in dataset order" if seed is None else f"shuffle #{seed}"
    st.caption(
        f"{len(shown)} {SPLITS[split].lower()} images of {which}, {order}. Each caption is "
        "the label and the image's index in the array."
    )
    with st.container(border=True):
        st.image(
            charts.digit_tiles(images[indices], TILE_SCALE),
            caption=[f"{labels[index]} · #{index}" for index in shown],
            width=28 * TILE_SCALE,
            alt=[f"a handwritten {labels[index]}" for index in shown],
        )
    return split, shown


def render_one_image(dataset: Dataset, split: str, shown: list[int]) -> tuple[np.ndarray, int, int]:
    """The pixel-level heat-map of one image picked from the grid; returns image, index, label."""
    st.subheader("One image, pixel by pixel", anchor="pixels")
    images, labels = split_arrays(dataset, split)
    pick, values = st.columns([3, 2], vertical_alignment="bottom")
    index = pick.selectbox(
        "Image (from the grid above)",
        shown,
        format_func=lambda i: f"#{i} · labelled {labels[i]}",
        help="Shuffle or filter the grid to get other images.",
        key="dataset_image",
    )
    show_values = values.toggle("Print every value in its cell", value=False, key="dataset_values")
    image = images[index]
    label = int(labels[index])
    chart, notes = st.columns([3, 2], gap="large")
    with chart:
        st.plotly_chart(
            charts.image_heatmap_figure(image, f"{SPLITS[split]} image #{index}: a {label}", show_values),
            width="stretch",
        )
    with notes:
        ink = int((image > 0).sum())
        st.markdown(
            "To a computer an image is just a table of numbers. Hover a pixel to read it: "
            "its row, its column, its value from 0 (no ink) to 255 (full ink), and where it "
            "lands once the image is flattened for the network."
        )
        first, second = st.columns(2)
        first.metric("Label", label, border=True)
        second.metric("Pixels with ink (of 784)", f"{ink}", border=True)
        first.metric("Brightest value", int(image.max()), border=True)
        second.metric("Mean value", f"{image.mean():.1f}", border=True)
        st.caption(
            "Drawn as stored: ink is high (white), the background 0 (black). The lesson's "
            "`plt.imshow(digit, cmap=plt.cm.binary)` draws the same numbers dark on light."
        )
    return image, index, label


def render_class_means(split: str) -> None:
    st.subheader("The average digit", anchor="means")
    st.markdown(
        f"Each picture is the pixel-by-pixel mean of every {SPLITS[split].lower()} image of that "
        "digit. The bright core is where nearly every writer puts ink; the grey halo is how much "
        "they vary. A dense network learns something like a sharper, signed version of these "
        "templates: which pixels speak for or against each digit."
    )
    st.plotly_chart(cached_figure("class means", split, False), width="stretch")


def render_histogram(split: str) -> None:
    st.subheader("Pixel intensities", anchor="intensities")
    counts = cached_pixel_counts(split)
    total = int(counts.sum())
    chart, notes = st.columns([3, 1], gap="medium")
    with notes:
        log_scale = st.toggle("Log scale", value=True, key="dataset_log")
        st.metric("Background (exactly 0)", f"{counts[0] / total:.1%}", border=True)
        st.metric("Full ink (exactly 255)", f"{counts[255] / total:.1%}", border=True)
        st.caption(
            f"Of {total:,} pixels in the {SPLITS[split].lower()}, most are background. The "
            "grey values in between are the anti-aliased edges of the strokes."
        )
    with chart:
        st.plotly_chart(cached_figure("pixel histogram", split, log_scale), width="stretch")


def render_reshape(image: np.ndarray, index: int, label: int) -> None:
    st.subheader("Reshape and scale: what the network receives", anchor="reshape")
    vector = flatten_and_scale(image[np.newaxis])[0]
    st.markdown(
        "A dense layer takes a flat list of numbers, not a grid. So each 28 × 28 image is "
        "**reshaped** into one row of 784 values (row 0, then row 1, …) and **scaled** from "
        "bytes 0–255 to floats 0–1, which keeps the network's arithmetic in a comfortable range. "
        f"Here is image #{index} (a {label}) after `flatten_and_scale`, the function the app "
        "uses for training and prediction:"
    )
    code, table = st.columns([3, 2], gap="medium")
    with code:
        st.code(inspect.getsource(flatten_and_scale), language="python", wrap_lines=True)
    with table:
        st.dataframe(
            [
                {
                    "step": "before",
                    "shape": str(image.shape),
                    "dtype": str(image.dtype),
                    "min": f"{image.min()}",
                    "max": f"{image.max()}",
                },
                {
                    "step": "after",
                    "shape": str(vector.shape),
                    "dtype": str(vector.dtype),
                    "min": f"{vector.min():.3f}",
                    "max": f"{vector.max():.3f}",
                },
            ],
            hide_index=True,
            width="stretch",
        )
        nonzero = np.flatnonzero(vector)[:4]
        st.caption(
            "First inked positions: "
            + ", ".join(f"input {i} = {image.flat[i]}/255 = {vector[i]:.3f}" for i in nonzero)
            + "."
        )
    st.plotly_chart(charts.vector_strip_figure(vector), width="stretch")
    st.caption(
        "The bars come in bursts, one per image row that crosses the digit. The network gets no "
        "hint that input 28 sits just below input 0: whatever it knows about shape, it learns."
    )


st.title("The MNIST dataset")
dataset = dataset_or_stop()
st.markdown(
    "70,000 handwritten digits, scanned from forms filled in by American Census Bureau employees "
    "and high-school students, then size-normalised to a 20 × 20 box and centred in 28 × 28 pixels. "
    "This page looks at them the way the network will: as arrays of numbers."
)
render_arrays(dataset)
st.divider()
render_class_counts(dataset)
st.divider()
grid_split, grid_indices = render_grid(dataset)
st.divider()
picked_image, picked_index, picked_label = render_one_image(dataset, grid_split, grid_indices)
st.divider()
render_reshape(picked_image, picked_index, picked_label)
st.divider()
render_class_means(grid_split)
st.divider()
render_histogram(grid_split)
st.divider()
page_link(
    "app_pages/train.py", label="Next: train a network on these images", icon=":material/model_training:"
)
