"""Figures and small array helpers for the Dataset page and the Home lesson. No Streamlit here.

Every figure builder is a plain function of NumPy arrays returning a ``go.Figure`` whose
axes say what they measure. Images are drawn as they are stored, like on the other pages:
ink high (255, white) on a background of 0 (black).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import ACCENT_COLOUR, CONTRAST_COLOUR, GRID_COLOUR, MUTED_COLOUR

DIGITS = tuple(range(10))
SIDE = 28  # MNIST images are 28 x 28 pixels
INK_COLORSCALE = "gray"  # 0 black, 255 white: the digit as stored
TRAIN_COLOR = ACCENT_COLOUR
TEST_COLOR = CONTRAST_COLOUR
FONT = {"family": "sans-serif", "size": 13}
_WHERE_HOVER = "<br>(row %{customdata[0]}, column %{customdata[1]})<extra></extra>"
_COUNT_CHUNK = 1 << 20  # pixels per np.bincount call in pixel_value_counts


def _base_layout(figure: go.Figure, height: int, **changes) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font=FONT,
        plot_bgcolor="white",
        **changes,
    )
    return figure


def _check_images(images: np.ndarray, name: str = "images") -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"Expected {name} of shape (N, 28, 28), got {images.shape}.")
    return images


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.shape != (SIDE, SIDE):
        raise ValueError(f"Expected one image of shape (28, 28), got {image.shape}.")
    return image


# --- class counts -------------------------------------------------------------------------


def class_counts(labels: np.ndarray) -> np.ndarray:
    """int64 (10,): how many labels (N,) of each digit 0-9."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"Expected labels of shape (N,), got {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError("Labels must be digits 0-9.")
    return np.bincount(labels.astype(np.int64), minlength=10)


def class_counts_figure(
    train_labels: np.ndarray, test_labels: np.ndarray, as_share: bool = False
) -> go.Figure:
    """Grouped bars: images per digit in the training (N,) and test (M,) labels.

    ``as_share`` plots each digit's percentage of its own set instead of counts, which puts
    the 60,000 training and 10,000 test images on one scale.
    """
    figure = go.Figure()
    for name, labels, color in (
        ("training set", train_labels, TRAIN_COLOR),
        ("test set", test_labels, TEST_COLOR),
    ):
        counts = class_counts(labels)
        share = counts / max(1, counts.sum())
        heights = share * 100 if as_share else counts
        figure.add_bar(
            x=list(DIGITS),
            y=heights,
            name=name,
            marker_color=color,
            customdata=np.stack([counts, share], axis=1),
            text=[f"{value:.1f}" for value in heights] if as_share else counts,
            textposition="outside",
            textfont={"size": 10},
            hovertemplate="digit %{x}: %{customdata[0]:,} images (%{customdata[1]:.1%} of the "
            + name
            + ")<extra></extra>",
        )
    figure.update_xaxes(title_text="digit (label)", tickmode="array", tickvals=list(DIGITS))
    figure.update_yaxes(
        title_text="share of its set (%)" if as_share else "number of images",
        gridcolor=GRID_COLOUR,
        rangemode="tozero",
    )
    return _base_layout(
        figure,
        360,
        barmode="group",
        title={"text": "Share of each digit" if as_share else "Images per digit", "x": 0},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
    )


# --- one image ------------------------------------------------------------------------------


def image_heatmap_figure(image: np.ndarray, title: str = "", show_values: bool = False) -> go.Figure:
    """One uint8 image (28, 28) as a heat-map; hovering a pixel shows its row, column and value.

    The hover also gives the pixel's position in the flattened 784-long vector
    (row x 28 + column), which is where the network sees it. ``show_values`` prints
    every value in its cell.
    """
    image = _check_image(image)
    positions = np.arange(SIDE * SIDE).reshape(SIDE, SIDE)
    heatmap = go.Heatmap(
        z=image,
        x=list(range(SIDE)),
        y=list(range(SIDE)),
        customdata=positions,
        colorscale=INK_COLORSCALE,
        zmin=0,
        zmax=255,
        xgap=1 if show_values else 0,
        ygap=1 if show_values else 0,
        colorbar={"title": {"text": "value"}, "thickness": 12, "tickvals": [0, 64, 128, 192, 255]},
        hovertemplate=(
            "row %{y}, column %{x}<br>value <b>%{z}</b> of 255"
            "<br>position %{customdata} of the 784-long vector<extra></extra>"
        ),
    )
    if show_values:
        heatmap.update(texttemplate="%{z}", textfont={"size": 8})
    figure = go.Figure(heatmap)
    figure.update_xaxes(title_text="column (x)", side="top", constrain="domain", dtick=4)
    figure.update_yaxes(title_text="row (y)", autorange="reversed", scaleanchor="x", dtick=4)
    height = 700 if show_values else 520  # room for 784 printed numbers
    return _base_layout(figure, height, title={"text": title, "x": 0, "y": 0.99} if title else None)


# --- class means ------------------------------------------------------------------------


def class_means(images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """float64 (10, 28, 28): the pixel-wise mean of each digit's uint8 images (N, 28, 28).

    A digit with no image gets an all-zero mean.
    """
    images = _check_images(images)
    labels = np.asarray(labels).astype(np.int64)
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels.")
    sums = np.zeros((10, SIDE * SIDE), dtype=np.float64)
    for digit in DIGITS:
        sums[digit] = images[labels == digit].reshape(-1, SIDE * SIDE).sum(axis=0, dtype=np.float64)
    counts = np.maximum(class_counts(labels), 1)
    return (sums / counts[:, np.newaxis]).reshape(10, SIDE, SIDE)


def class_means_figure(means: np.ndarray, counts: np.ndarray | None = None) -> go.Figure:
    """Ten small heat-maps, 2 rows x 5, of the per-digit mean images (10, 28, 28).

    ``counts`` (10,), when given, are printed in the titles ("7 · 6,265 images").
    """
    means = np.asarray(means, dtype=np.float64)
    if means.shape != (10, SIDE, SIDE):
        raise ValueError(f"Expected means of shape (10, 28, 28), got {means.shape}.")
    titles = [
        f"<b>{digit}</b>" + (f" · {int(counts[digit]):,} images" if counts is not None else "")
        for digit in DIGITS
    ]
    figure = make_subplots(
        rows=2, cols=5, subplot_titles=titles, horizontal_spacing=0.02, vertical_spacing=0.09
    )
    for digit in DIGITS:
        figure.add_trace(
            go.Heatmap(
                z=means[digit],
                colorscale=INK_COLORSCALE,
                zmin=0,
                zmax=255,
                showscale=digit == 0,
                colorbar={"title": {"text": "mean value"}, "thickness": 12},
                name=f"mean {digit}",
                hovertemplate=f"mean {digit}<br>row %{{y}}, column %{{x}}"
                "<br>mean value %{z:.1f}<extra></extra>",
            ),
            row=digit // 5 + 1,
            col=digit % 5 + 1,
        )
    figure.update_xaxes(showticklabels=False, constrain="domain", showgrid=False, zeroline=False)
    figure.update_yaxes(
        showticklabels=False, autorange="reversed", scaleanchor="x", showgrid=False, zeroline=False
    )
    for digit in DIGITS:  # each subplot keeps square pixels against its own x axis
        suffix = "" if digit == 0 else str(digit + 1)
        figure.layout[f"yaxis{suffix}"].scaleanchor = f"x{suffix}"
    figure.update_xaxes(title_text="column", row=2)
    figure.update_yaxes(title_text="row", col=1)
    figure.update_annotations(font={"size": 12})
    return _base_layout(figure, 440, title={"text": "The average image of each digit", "x": 0})


# --- pixel intensities ----------------------------------------------------------------------


def pixel_value_counts(images: np.ndarray) -> np.ndarray:
    """int64 (256,): how many pixels of the uint8 images (N, 28, 28) have each value 0-255."""
    images = _check_images(images)
    if images.dtype != np.uint8:
        raise ValueError(f"Expected uint8 images, got {images.dtype}.")
    flat = images.reshape(-1)
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, flat.size, _COUNT_CHUNK):  # chunks avoid one 8-bytes-per-pixel copy
        counts += np.bincount(flat[start : start + _COUNT_CHUNK], minlength=256)
    return counts


def pixel_histogram_figure(counts: np.ndarray, log_scale: bool = True) -> go.Figure:
    """Bars of pixel counts (256,) per value 0-255; a log y axis by default, as 0 dominates."""
    counts = np.asarray(counts)
    if counts.shape != (256,):
        raise ValueError(f"Expected 256 counts (one per pixel value), got {counts.shape}.")
    share = counts / max(1, counts.sum())
    figure = go.Figure(
        go.Bar(
            x=np.arange(256),
            y=counts,
            customdata=share,
            marker={"color": TRAIN_COLOR, "line": {"width": 0}},
            name="pixels",
            hovertemplate="value %{x}: %{y:,} pixels (%{customdata:.2%})<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="pixel value (0 = background, 255 = full ink)", range=[-3, 258])
    figure.update_yaxes(
        title_text="number of pixels" + (" (log scale)" if log_scale else ""),
        type="log" if log_scale else "linear",
        gridcolor=GRID_COLOUR,
    )
    return _base_layout(figure, 340, bargap=0, title={"text": "Pixel intensities", "x": 0})


# --- reshape and scale ----------------------------------------------------------------------


def vector_strip_figure(vector: np.ndarray) -> go.Figure:
    """The flattened input (784,) floats in [0, 1] as the network receives it.

    Top: a one-pixel-high strip of all 784 values. Bottom: the same values as bars. Faint
    lines mark where each of the 28 image rows starts.
    """
    vector = np.asarray(vector, dtype=np.float64)
    if vector.shape != (SIDE * SIDE,):
        raise ValueError(f"Expected a vector of shape (784,), got {vector.shape}.")
    positions = np.arange(SIDE * SIDE)
    rows, columns = np.divmod(positions, SIDE)
    where = np.stack([rows, columns], axis=1)
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.3, 0.7], vertical_spacing=0.06)
    figure.add_trace(
        go.Heatmap(
            z=vector[np.newaxis, :],
            x=positions,
            customdata=where[np.newaxis, :, :],
            colorscale=INK_COLORSCALE,
            zmin=0.0,
            zmax=1.0,
            showscale=False,
            name="784 inputs",
            hovertemplate="input %{x} = %{z:.3f}" + _WHERE_HOVER,
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=positions,
            y=vector,
            customdata=where,
            marker={"color": TRAIN_COLOR, "line": {"width": 0}},
            name="value",
            hovertemplate="input %{x} = %{y:.3f}" + _WHERE_HOVER,
        ),
        row=2,
        col=1,
    )
    row_lines = [  # one layout update: add_vline per line costs ~35 ms each
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": start - 0.5,
            "x1": start - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": MUTED_COLOUR, "width": 1},
            "layer": "below",
        }
        for start in range(0, SIDE * SIDE + 1, SIDE)
    ]
    figure.update_layout(shapes=row_lines)
    ticks = list(range(0, SIDE * SIDE, SIDE * 4))
    figure.update_xaxes(tickvals=ticks, showgrid=False, range=[-0.5, SIDE * SIDE - 0.5])
    figure.update_xaxes(title_text="position in the 784-long input vector (row × 28 + column)", row=2, col=1)
    figure.update_yaxes(showticklabels=False, title_text="strip", row=1, col=1)
    figure.update_yaxes(
        title_text="value (pixel / 255)", range=[0, 1.05], gridcolor=GRID_COLOUR, row=2, col=1
    )
    return _base_layout(
        figure,
        330,
        bargap=0,
        showlegend=False,
        title={"text": "The same image as the network sees it: 784 numbers in a row", "x": 0},
    )


# --- sample grid --------------------------------------------------------------------------


def sample_indices(labels: np.ndarray, digit: int | None, count: int, seed: int | None = None) -> np.ndarray:
    """int64 indices of up to ``count`` images with label ``digit`` (any digit when None).

    ``seed`` None keeps dataset order (the first matching images); an int draws a
    seeded random sample, so a new seed is a shuffle.
    """
    labels = np.asarray(labels)
    if count < 0:
        raise ValueError(f"count must be 0 or more, got {count}.")
    if digit is not None and digit not in DIGITS:
        raise ValueError(f"digit must be 0-9 or None, got {digit!r}.")
    matching = np.arange(len(labels)) if digit is None else np.flatnonzero(labels == digit)
    if seed is None:
        return matching[:count].astype(np.int64)
    picked = np.random.default_rng(seed).choice(len(matching), size=min(count, len(matching)), replace=False)
    return matching[np.sort(picked)].astype(np.int64)


def digit_tiles(images: np.ndarray, scale: int = 3) -> list[np.ndarray]:
    """uint8 images (N, 28, 28) -> N uint8 (28*scale, 28*scale) tiles, as stored.

    Upscaled by repeating pixels, so they stay sharp instead of being blurred by a browser.
    """
    images = _check_images(images)
    if scale < 1:
        raise ValueError(f"scale must be 1 or more, got {scale}.")
    return [tile.repeat(scale, axis=0).repeat(scale, axis=1) for tile in images.astype(np.uint8)]


def tile_strip(images: np.ndarray, columns: int = 10, scale: int = 2, gap: int = 3) -> np.ndarray:
    """One uint8 (H, W) picture of the images (N, 28, 28), ``columns`` per row, white gaps.

    Each digit is upscaled ``scale`` times by repeating pixels; rows are filled left to
    right. N == 0 gives an empty (0, 0) array.
    """
    images = _check_images(images)
    if columns < 1 or scale < 1 or gap < 0:
        raise ValueError("columns and scale must be 1 or more and gap 0 or more.")
    if len(images) == 0:
        return np.zeros((0, 0), dtype=np.uint8)
    side = SIDE * scale
    rows = -(-len(images) // columns)
    used_columns = min(columns, len(images))
    picture = np.full((rows * (side + gap) - gap, used_columns * (side + gap) - gap), 255, dtype=np.uint8)
    for position, tile in enumerate(digit_tiles(images, scale)):
        top, left = (position // columns) * (side + gap), (position % columns) * (side + gap)
        picture[top : top + side, left : left + side] = tile
    return picture


# --- the lesson's printout ------------------------------------------------------------------

LESSON_NAMES = (  # the lesson's variable names, in order, for x_train, y_train, x_test, y_test
    "train_images",
    "train_labels",
    "test_images",
    "test_labels",
)


def array_summary(arrays: dict[str, np.ndarray]) -> list[dict]:
    """One row per named array: name, shape, dtype, min, max (for a table)."""
    return [
        {
            "array": name,
            "shape": str(tuple(array.shape)),
            "dtype": str(array.dtype),
            "min": int(array.min()) if array.size else None,
            "max": int(array.max()) if array.size else None,
        }
        for name, array in arrays.items()
    ]


def lesson_printout(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    every_array: bool = True,
) -> str:
    """What the lesson's interactive session prints about the four arrays, computed from them.

    ``every_array`` adds each array's dtype and the labels' shapes to the book's own lines
    (images' shape, number of labels, the labels).
    """
    lines = []
    for name, array in zip(LESSON_NAMES, (x_train, y_train, x_test, y_test), strict=True):
        is_labels = name.endswith("labels")
        if not is_labels or every_array:
            lines += [f">>> {name}.shape", repr(tuple(array.shape))]
        if every_array and not is_labels:
            lines += [f">>> {name}.dtype", repr(array.dtype)]
        if is_labels:
            lines += [f">>> len({name})", str(len(array)), f">>> {name}", repr(array)]
    return "\n".join(lines)
