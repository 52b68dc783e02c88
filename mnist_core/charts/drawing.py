"""What the Draw page shows of a reading (mnist_core.reading.reader), without Streamlit.

- ``step_tiles``: the preprocessing steps as square uint8 images, upscaled with nearest
  neighbour so the pixels the network sees stay visible.
- ``probability_bars``: the Plotly bar chart of the 10 probabilities.
"""

from __future__ import annotations

import copy
import functools

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from mnist_core.config import ACCENT_COLOUR, MUTED_COLOUR
from mnist_core.reading.preprocess import PreprocessSteps

TOP_COLOUR = ACCENT_COLOUR  # the predicted digit
OTHER_COLOUR = MUTED_COLOUR  # every other digit


def probability_bars(probabilities: np.ndarray, height: int = 260) -> go.Figure:
    """A bar per digit 0-9 of ``probabilities`` (float (10,), summing to about 1).

    The most likely digit is highlighted and every bar is labelled with its percentage;
    the y axis is fixed to 0-100 % so bars of successive drawings compare at a glance.
    The layout is validated by Plotly once per process and the figure is then assembled
    without validation: about 0.5 ms instead of 5-30 ms, as it is rebuilt on every stroke.
    Raises ``ValueError`` when ``probabilities`` is not 10 finite values.
    """
    values = np.asarray(probabilities, dtype="float64").reshape(-1)
    if values.shape != (10,) or not np.all(np.isfinite(values)):
        raise ValueError(f"Expected 10 finite class probabilities, got shape {np.shape(probabilities)}.")
    top = int(np.argmax(values))
    bars = {
        "type": "bar",
        "x": list(range(10)),
        "y": (values * 100.0).tolist(),
        "marker": {"color": [TOP_COLOUR if digit == top else OTHER_COLOUR for digit in range(10)]},
        "text": [f"{value:.0%}" if value >= 0.005 else "" for value in values],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "digit %{x}: %{y:.2f} %<extra></extra>",
    }
    layout = copy.deepcopy(_validated_layout())
    layout["height"] = height
    return go.Figure(data=[bars], layout=layout, _validate=False)


@functools.cache
def _validated_layout() -> dict:
    """The bar chart's layout as a plain dict, checked by Plotly once (never mutate it)."""
    layout = go.Layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        title={"text": "Probability per digit", "font": {"size": 14}},
        showlegend=False,
        bargap=0.25,
        xaxis={"tickmode": "array", "tickvals": list(range(10)), "fixedrange": True},
        yaxis={"range": [0, 110], "ticksuffix": " %", "tickvals": [0, 25, 50, 75, 100], "fixedrange": True},
    )
    return layout.to_plotly_json()


TILE_SIZE = 140  # display side of each step image: 28 x 5, 20 x 7, 280 / 2
STEP_CAPTIONS = (
    "1 · your drawing",
    "2 · cropped to the ink",
    "3 · strokes at MNIST's width",
    "4 · scaled into the 20×20 box",
    "5 · centred by mass: the input",
)


def step_tiles(steps: PreprocessSteps, size: int = TILE_SIZE) -> list[np.ndarray]:
    """The five steps (``STEP_CAPTIONS``) as (size, size) uint8 images, white ink on black.

    The crops are padded to a square, the boxed digit to its 20x20 box; images smaller than
    ``size`` are enlarged with nearest neighbour (each network pixel a visible square),
    larger ones shrunk by area averaging.
    """
    boxed = _pad_to(steps.boxed, max(20, *steps.boxed.shape))
    cropped = _pad_to(steps.cropped, max(steps.cropped.shape))
    normalised = _pad_to(steps.normalised, max(steps.normalised.shape))
    return [_tile(image, size) for image in (steps.ink, cropped, normalised, boxed, steps.centred)]


def _pad_to(image: np.ndarray, side: int) -> np.ndarray:
    """Centre a (h, w) image on a (side, side) black square of the same dtype."""
    height, width = image.shape
    square = np.zeros((side, side), dtype=image.dtype)
    top, left = (side - height) // 2, (side - width) // 2
    square[top : top + height, left : left + width] = image
    return square


def _tile(image: np.ndarray, size: int) -> np.ndarray:
    """(h, w) float in [0, 1] -> (size, size) uint8, nearest-neighbour up or area down."""
    picture = Image.fromarray(np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8))
    height, width = image.shape
    resample = Image.Resampling.NEAREST if max(height, width) <= size else Image.Resampling.BOX
    scale = size / max(height, width)
    resized = picture.resize((max(1, round(width * scale)), max(1, round(height * scale))), resample)
    return _pad_to(np.asarray(resized), size)
