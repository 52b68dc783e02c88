"""Dataset: what MNIST is, array by array, image by image, pixel by pixel."""

from __future__ import annotations

import inspect

import numpy as np
import streamlit as st

from mnist_core import flatten_and_scale
from mnist_core.charts import dataset as charts
from mnist_core.charts.gallery import digit_tiles, png_data_url
from mnist_core.config import CLASSES, IMAGE_PIXELS, IMAGE_SIDE
from mnist_core.data import stats
from mnist_core.lesson import printouts
from mnist_core.text import dataset as notes
from mnist_core.text.format import markdown_table
from ui.resources import Dataset, dataset_or_stop, dataset_summary, load_dataset
from ui.widgets import code_block, page_link

SPLITS = notes.SPLITS
DIGIT_CHOICES = ["All", *CLASSES]
GRID_SIZES = (20, 40, 60, 100)
TILE_SCALE = 3  # grid tiles are 84 x 84 screen pixels
GRID_KEY = "dataset_grid"  # session_state: what the sample grid shows (split, digit, indices, labels)
SEED_KEY = "dataset_seed"  # session_state: None = dataset order, an int = that shuffle


@st.cache_resource(show_spinner="Averaging every digit…")
def cached_class_means(split: str) -> np.ndarray:
    """float64 (10, 28, 28) per-digit mean images of a split; computed once per process."""
    means = stats.class_means(*load_dataset().split(split))
    means.flags.writeable = False
    return means


@st.cache_resource(show_spinner="Counting 47 million pixels…")
def cached_pixel_counts(split: str) -> np.ndarray:
    """int64 (256,) pixel-value counts of a split; computed once per process."""
    counts = stats.pixel_value_counts(load_dataset().split(split)[0])
    counts.flags.writeable = False
    return counts


@st.cache_resource(show_spinner=False)
def cached_figure(name: str, split: str, option: bool):
    """The page's figures that depend only on the dataset, built once per process and shared
    read-only (building a Plotly figure costs tens of ms of server CPU per session)."""
    dataset = load_dataset()
    if name == "class counts":
        return charts.class_counts_figure(dataset.y_train, dataset.y_test, option)
    if name == "class means":
        counts = stats.class_counts(dataset.split(split)[1])
        return charts.class_means_figure(cached_class_means(split), counts)
    return charts.pixel_histogram_figure(cached_pixel_counts(split), option)


@st.cache_resource(show_spinner=False, max_entries=32)
def grid_tiles(split: str, shown: tuple[int, ...]) -> list[str]:
    """The grid's tiles, images ``shown`` of ``split`` enlarged TILE_SCALE times, as PNG ``data:``
    URLs: they reach the browser inside the page's message (no media file, no request per tile),
    and every new session opens on the same tiles, so they are encoded once per process."""
    images = load_dataset().split(split)[0]
    return [png_data_url(tile) for tile in digit_tiles(images[list(shown)], TILE_SCALE)]


def render_arrays(dataset: Dataset) -> None:
    st.subheader("The four arrays", anchor="arrays")
    st.markdown(notes.ARRAYS)
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown(markdown_table(dataset_summary()))  # short tables: no data-grid bundle to fetch
        st.caption(notes.WRITERS)
    with right:
        st.caption("The lesson's interactive session, run on these arrays:")
        code_block(printouts.shapes_printout(*arrays))


@st.cache_resource(show_spinner=False, max_entries=64)
def image_figure(name: str, split: str, index: int, show_values: bool, _vector=None):
    """One image's heat-map, by split and index (or, with ``_vector``, its flattened strip, by
    the image's bytes in ``split``), built once per image and process: every new session
    opens the page on the same first images."""
    if name == "vector":
        return charts.vector_strip_figure(_vector)
    images, labels = load_dataset().split(split)
    title = f"{SPLITS[split]} image #{index}: a {int(labels[index])}"
    return charts.image_heatmap_figure(images[index], title, show_values)


def render_class_counts(dataset: Dataset) -> None:
    st.subheader("How many of each digit?", anchor="counts")
    train_counts, test_counts = stats.class_counts(dataset.y_train), stats.class_counts(dataset.y_test)
    most, least = int(train_counts.argmax()), int(train_counts.argmin())
    chart, side = st.columns([3, 1], gap="medium")
    as_share = side.toggle("Share of each set (%)", key="dataset_share")
    chart.plotly_chart(cached_figure("class counts", "train", as_share), width="stretch")
    side.metric(f"Most common digit: {most}", f"{train_counts[most]:,}", border=True)
    side.metric(f"Rarest digit: {least}", f"{train_counts[least]:,}", border=True)
    side.caption(notes.balance_note(train_counts, test_counts))


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
    labels = dataset.split(split)[1]
    chosen = None if digit == "All" else int(digit)
    shown = [int(index) for index in stats.sample_indices(labels, chosen, count, seed)]
    st.session_state[GRID_KEY] = {
        "split": split,
        "digit": chosen,
        "seed": seed,
        "indices": shown,
        "labels": [int(labels[index]) for index in shown],
    }
    st.caption(notes.grid_note(len(shown), split, chosen, seed))
    with st.container(border=True):
        st.image(
            grid_tiles(split, tuple(shown)),
            caption=[f"{labels[index]} · #{index}" for index in shown],
            width=IMAGE_SIDE * TILE_SCALE,
            alt=[f"a handwritten {labels[index]}" for index in shown],
        )
    return split, shown


def render_one_image(dataset: Dataset, split: str, shown: list[int]) -> tuple[np.ndarray, int, int]:
    """The pixel-level heat-map of one image picked from the grid; returns image, index, label."""
    st.subheader("One image, pixel by pixel", anchor="pixels")
    images, labels = dataset.split(split)
    pick, values = st.columns([3, 2], vertical_alignment="bottom")
    index = pick.selectbox(
        "Image (from the grid above)",
        shown,
        format_func=lambda i: f"#{i} · labelled {labels[i]}",
        help="Shuffle or filter the grid to get other images.",
        key="dataset_image",
    )
    show_values = values.toggle("Print the values around the ink", value=False, key="dataset_values")
    image, label = images[index], int(labels[index])
    # Printed values need the page's whole width to be readable; the notes then go above.
    side, chart = (st.container(), st.container()) if show_values else st.columns([2, 3], gap="large")[::-1]
    chart.plotly_chart(image_figure("heatmap", split, index, show_values), width="stretch")
    if show_values:
        chart.caption(notes.VALUES_ZOOM)
    side.markdown(notes.PIXELS)
    tiles = side.columns(4 if show_values else 2)
    tiles[0].metric("Label", label, border=True)
    ink = f"{int((image > 0).sum())}"
    tiles[1].metric("Inked pixels", ink, help=f"of {IMAGE_PIXELS}", border=True)
    tiles[2 % len(tiles)].metric("Brightest value", int(image.max()), border=True)
    tiles[3 % len(tiles)].metric("Mean value", f"{image.mean():.1f}", border=True)
    side.caption(notes.AS_STORED)
    return image, index, label


def render_class_means(split: str) -> None:
    st.subheader("The average digit", anchor="means")
    st.markdown(notes.means_note(split))
    st.plotly_chart(cached_figure("class means", split, False), width="stretch")


def render_histogram(split: str) -> None:
    st.subheader("Pixel intensities", anchor="intensities")
    counts = cached_pixel_counts(split)
    total = int(counts.sum())
    chart, side = st.columns([3, 1], gap="medium")
    log_scale = side.toggle("Log scale", value=True, key="dataset_log")
    side.metric("Background (exactly 0)", f"{counts[0] / total:.1%}", border=True)
    side.metric("Full ink (exactly 255)", f"{counts[255] / total:.1%}", border=True)
    side.caption(notes.histogram_note(total, split))
    chart.plotly_chart(cached_figure("pixel histogram", split, log_scale), width="stretch")


def render_reshape(image: np.ndarray, index: int, label: int) -> None:
    st.subheader("Reshape and scale: what the network receives", anchor="reshape")
    vector = flatten_and_scale(image[np.newaxis])[0]
    st.markdown(notes.reshape_note(index, label))
    code, table = st.columns([1, 1], gap="medium")  # the table at its width, not wrapped
    with code:
        code_block(inspect.getsource(flatten_and_scale))
    table.markdown(markdown_table(notes.reshape_table(image, vector)))
    table.caption(notes.first_inked_note(image, vector))
    st.plotly_chart(image_figure("vector", image.tobytes().hex(), 0, False, vector), width="stretch")
    st.caption(notes.BURSTS)


st.title("The MNIST dataset")
dataset = dataset_or_stop()
st.markdown(notes.INTRO)
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
page_link("app_pages/train.py", "Next: train a network on these images", ":material/model_training:")
