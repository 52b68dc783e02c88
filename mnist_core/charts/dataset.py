"""Plotly figures of MNIST's arrays for the Dataset page and the Home lesson. No Streamlit here.

Every builder is a plain function of NumPy arrays (the statistics come from
``mnist_core.data.stats``) returning a figure whose axes say what they measure. Images are
drawn as they are stored, like on the other pages: ink high (255, white) on 0 (black).
"""

from __future__ import annotations

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import ndimage

from mnist_core.config import ACCENT_COLOUR, CLASSES, CONTRAST_COLOUR, GRID_COLOUR, IMAGE_SIDE
from mnist_core.data.stats import class_counts

DIGITS = CLASSES
SIDE = IMAGE_SIDE
INK_COLORSCALE = "gray"  # 0 black, 255 white: the digit as stored
TRAIN_COLOR = ACCENT_COLOUR
TEST_COLOR = CONTRAST_COLOUR
FONT = {"family": "sans-serif", "size": 13}
_WHERE_HOVER = "<br>(row %{customdata[0]}, column %{customdata[1]})<extra></extra>"


def _base_layout(figure: go.Figure, height: int, **changes) -> go.Figure:
    figure.update_layout(
        **{"height": height, "margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "font": FONT, **changes}
    )  # fmt: skip
    return figure


def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.shape != (SIDE, SIDE):
        raise ValueError(f"Expected one image of shape (28, 28), got {image.shape}.")
    return image


# --- class counts -------------------------------------------------------------------------


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


def ink_window(image: np.ndarray, margin: int = 1) -> tuple[slice, slice]:
    """(rows, columns) slices of a (28, 28) image around its ink (values > 0), ``margin``
    pixels wider on each side within the image; the whole image when there is no ink."""
    found = ndimage.find_objects((_check_image(image) > 0).astype(np.int8))
    if not found:
        return slice(0, SIDE), slice(0, SIDE)
    rows, columns = found[0]
    return (
        slice(max(0, rows.start - margin), min(SIDE, rows.stop + margin)),
        slice(max(0, columns.start - margin), min(SIDE, columns.stop + margin)),
    )


# A grey at or above this value (uint8) has black text, below it white: each keeps WCAG's 4.5:1 on
# every grey of the "gray" scale (the two ratios are equal, 4.58:1, at relative luminance 0.179).
VALUE_TEXT_SWITCH = 118


def value_text_colours(values: np.ndarray) -> np.ndarray:
    """uint8 grey values (...) -> the colour of the text printed on each: str array (...)."""
    return np.where(np.asarray(values) >= VALUE_TEXT_SWITCH, "black", "white")


def image_heatmap_figure(image: np.ndarray, title: str = "", show_values: bool = False) -> go.Figure:
    """One uint8 image (28, 28) as a heat-map; hovering a pixel shows its row, column and value.

    The hover also gives the pixel's position in the flattened 784-long vector
    (row x 28 + column), which is where the network sees it. ``show_values`` zooms to the
    ink (``ink_window``) and prints each value in its cell, large enough to read; the axes
    keep the image's own row and column numbers and span exactly the pixels shown.
    """
    image = _check_image(image)
    rows, columns = ink_window(image) if show_values else (slice(0, SIDE), slice(0, SIDE))
    positions = np.arange(SIDE * SIDE).reshape(SIDE, SIDE)
    heatmap = go.Heatmap(
        z=image[rows, columns],
        x=list(range(SIDE))[columns],
        y=list(range(SIDE))[rows],
        customdata=positions[rows, columns],
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
    figure = go.Figure(heatmap)
    if show_values:  # the printed values say it all: no colour bar, the width goes to the cells
        figure.update_traces(showscale=False)
        shown = image[rows, columns]
        row_grid, column_grid = np.meshgrid(heatmap.y, heatmap.x, indexing="ij")
        figure.add_trace(go.Scatter(
            x=column_grid.ravel(), y=row_grid.ravel(), text=shown.ravel().astype(str), mode="text",
            textfont={"size": 12, "color": value_text_colours(shown).ravel()}, hoverinfo="skip",
            showlegend=False,
        ))  # fmt: skip
    step = 1 if show_values else 4
    figure.update_xaxes(
        title_text="column (x)", side="top", constrain="domain", dtick=step,
        range=[columns.start - 0.5, columns.stop - 0.5],
    )  # fmt: skip
    figure.update_yaxes(
        title_text="row (y)", scaleanchor="x", constrain="domain", dtick=step,
        range=[rows.stop - 0.5, rows.start - 0.5],  # row 0 at the top, like the image
    )  # fmt: skip
    cell = 34  # pixels per printed cell: room for "255" at 12 px
    height = 110 + cell * (rows.stop - rows.start) if show_values else 520
    return _base_layout(figure, height, title={"text": title, "x": 0, "y": 0.99} if title else None)


# --- class means ------------------------------------------------------------------------


def class_means_figure(means: np.ndarray, counts: np.ndarray | None = None) -> go.Figure:
    """Ten small heat-maps, 2 rows x 5, of the per-digit mean images (10, 28, 28) float.

    ``counts`` (10,), when given, are printed in the titles ("7 · 6,265 images").
    """
    means = np.asarray(means, dtype=np.float64)
    if means.shape != (len(DIGITS), SIDE, SIDE):
        raise ValueError(f"Expected means of shape (10, 28, 28), got {means.shape}.")
    figure = px.imshow(
        means,
        facet_col=0,
        facet_col_wrap=5,
        facet_row_spacing=0.09,
        facet_col_spacing=0.02,
        color_continuous_scale=INK_COLORSCALE,
        zmin=0,
        zmax=255,
        labels={"color": "mean value", "x": "column", "y": "row"},
    )
    titles = {
        str(digit): f"<b>{digit}</b>" + (f" · {int(counts[digit]):,} images" if counts is not None else "")
        for digit in DIGITS
    }
    figure.for_each_annotation(  # px titles each facet "0=<digit>"
        lambda note: note.update(text=titles[note.text.split("=")[-1]], font={"size": 12})
    )
    figure.update_traces(hovertemplate="row %{y}, column %{x}<br>mean value %{z:.1f}<extra></extra>")
    figure.update_xaxes(showticklabels=False, ticks="", title_text="")
    figure.update_yaxes(showticklabels=False, ticks="", title_text="")
    figure.update_coloraxes(colorbar={"thickness": 12})
    title = {"text": "The average image of each digit", "x": 0}
    return _base_layout(figure, 460, title=title, margin={"l": 10, "r": 10, "t": 70, "b": 10})


# --- pixel intensities ----------------------------------------------------------------------


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


def vector_strip_figure(
    vector: np.ndarray, title: str | None = "The same image as the network sees it: 784 numbers in a row"
) -> go.Figure:
    """The flattened input (784,) floats in [0, 1] as the network receives it, under ``title``.

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
    row_lines = [  # one layout update, not an add_vline per line (each updates the whole layout again)
        {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": start - 0.5,
            "x1": start - 0.5,
            "y0": 0,
            "y1": 1,
            "line": {"color": GRID_COLOUR, "width": 1},
            "layer": "below",
        }
        for start in range(0, SIDE * SIDE + 1, SIDE)
    ]
    figure.update_layout(shapes=row_lines)
    ticks = list(range(0, SIDE * SIDE, SIDE * 4))
    figure.update_xaxes(tickvals=ticks, showgrid=False, range=[-0.5, SIDE * SIDE - 0.5])
    figure.update_xaxes(title_text="input position (row × 28 + column)", row=2, col=1)
    figure.update_yaxes(showticklabels=False, title_text="strip", row=1, col=1)
    figure.update_yaxes(
        title_text="value (pixel / 255)", range=[0, 1.05], gridcolor=GRID_COLOUR, row=2, col=1
    )
    return _base_layout(
        figure,
        330,
        bargap=0,
        showlegend=False,
        title={"text": title, "x": 0} if title else None,
    )
