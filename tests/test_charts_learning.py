"""The figures "How it learns" redraws on every step: assembled as the plain dicts Plotly would make of
them, without Plotly's objects (for speed), so each must pass Plotly's validation here, equal what
Plotly makes of it, and show what it says."""

from __future__ import annotations

import base64
import math

import numpy as np
import plotly.graph_objects as go
import pytest

from mnist_core.charts.gallery import data_uri
from mnist_core.charts.learning import (
    LOSS_AXIS,
    diverging_picture,
    grey_picture,
    history_figure,
    output_bars,
    w2_gradient_figure,
)
from mnist_core.config import ACCENT_COLOUR, MUTED_COLOUR


def validated(figure: go.Figure) -> go.Figure:
    """The figure rebuilt with Plotly's full validation (raises on any unknown or bad property); its
    dict must be the one sent, as Plotly itself would make it."""
    rebuilt = go.Figure(figure.to_dict())
    assert rebuilt.to_dict() == figure.to_dict()
    return rebuilt


@pytest.mark.parametrize("steps", [1, 10, 469, 1000])
def test_the_history_passes_plotly_validation_and_marks_an_epoch_once_reached(steps):
    losses = list(np.linspace(2.3, 0.3, steps))
    accuracies = list(np.linspace(0.1, 0.9, steps + 1))
    figure = validated(history_figure(losses, accuracies, 469))
    loss, accuracy = figure.data
    assert loss.y[-1] == pytest.approx(losses[-1]) and accuracy.y[-1] == pytest.approx(0.9)
    assert loss.x[-1] == steps - 1 and accuracy.x[-1] == steps
    assert accuracy.yaxis == "y2" and figure.layout.yaxis.type == "log"
    lines = [shape for shape in figure.layout.shapes if shape.type == "line"]
    assert [(line.x0, line.x1) for line in lines] == ([(469, 469)] if steps >= 469 else [])


def test_the_history_leaves_a_gap_for_a_loss_that_is_not_a_number():
    figure = validated(history_figure([2.0, math.nan, math.inf, 1.0], [0.1, 0.2, math.nan, 0.3, 0.4], 469))
    assert list(figure.data[0].y) == [2.0, None, None, 1.0]
    assert list(figure.data[1].y) == [0.1, 0.2, None, 0.3, 0.4]


def test_the_output_bars_pass_plotly_validation_and_colour_the_label():
    logits = np.arange(10, dtype="float32") - 4.5
    probabilities = np.exp(logits) / np.exp(logits).sum()
    figure = validated(output_bars(logits, probabilities, label=7))
    bars_logits, bars_probabilities = figure.data
    np.testing.assert_allclose(bars_logits.y, logits)
    np.testing.assert_allclose(bars_probabilities.y, probabilities, rtol=1e-6)
    assert bars_probabilities.xaxis == "x2" and bars_probabilities.yaxis == "y2"
    colours = list(bars_logits.marker.color)
    assert colours[7] == ACCENT_COLOUR and colours.count(MUTED_COLOUR) == 9


def test_the_w2_gradient_is_one_heat_map_centred_on_zero():
    gradient = np.zeros((512, 10), "float32")
    gradient[3, 1], gradient[500, 9] = 0.25, -0.5
    figure = w2_gradient_figure(gradient)
    (heat,) = validated(figure).data
    assert heat.type == "heatmap" and (heat.zmin, heat.zmax) == (-0.5, 0.5)
    z = figure.to_dict()["data"][0]["z"]  # Plotly's typed array, as its own to_dict sends NumPy arrays
    assert z["dtype"] == "f4" and z["shape"] == "10, 512"
    z = np.frombuffer(base64.b64decode(z["bdata"]), "float32").reshape(10, 512)
    assert z[1, 3] == 0.25 and z[9, 500] == -0.5


def test_figures_share_no_state_between_calls_but_the_read_only_template():
    first = history_figure([1.0] * 500, [0.5] * 501, 469).to_dict()
    first["layout"]["yaxis"]["tickvals"].append(3)
    first["layout"]["shapes"][0]["x0"] = 3
    second = history_figure([1.0] * 500, [0.5] * 501, 469).to_dict()
    assert second["layout"]["yaxis"]["tickvals"] == list(LOSS_AXIS["tickvals"])
    assert second["layout"]["shapes"][0]["x0"] == 469


def test_figures_carry_plotlys_default_template_as_plotly_would(monkeypatch):
    import plotly.io as pio

    monkeypatch.setattr(pio.templates, "default", "plotly_dark")
    spec = output_bars(np.zeros(10), np.full(10, 0.1), 1).to_dict()
    assert spec["layout"]["template"] == pio.templates["plotly_dark"].to_plotly_json()
    monkeypatch.setattr(pio.templates, "default", None)
    assert "template" not in output_bars(np.zeros(10), np.full(10, 0.1), 1).to_dict()["layout"]


def test_pictures_have_one_pixel_per_value_and_travel_as_data_uris():
    import io

    from PIL import Image

    values = np.zeros(16 * 32, "float32")
    values[0], values[1], values[2] = 1.0, -2.0, np.nan
    picture = Image.open(io.BytesIO(diverging_picture(values, (16, 32))))
    assert picture.size == (32, 16) and picture.mode == "RGB"
    pixels = np.asarray(picture)
    assert tuple(pixels[0, 2]) == tuple(pixels[0, 3])  # NaN is drawn as 0 (the scale's white)
    assert pixels[0, 0, 0] > pixels[0, 0, 2] and pixels[0, 1, 2] > pixels[0, 1, 0]  # red above 0, blue below
    grey = np.asarray(Image.open(io.BytesIO(grey_picture(np.linspace(0, 1, 784), (28, 28)))))
    assert grey.shape == (28, 28) and grey[0, 0] == 255 and grey[-1, -1] == 0  # the highest black
    uri = data_uri(b"\x89PNG")
    assert uri.startswith("data:image/png;base64,") and base64.b64decode(uri.split(",")[1]) == b"\x89PNG"
