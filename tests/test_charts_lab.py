"""The Break-it page's figures: the robustness curves as a chart and as a Markdown table."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from mnist_core.charts.lab import curve_markdown, curves_figure
from mnist_core.lab.curves import AXES, Curves
from mnist_core.text.lab import CURVE_TITLES


def made_up_curves(offset: float) -> Curves:
    return Curves("made-up", 100, {axis: np.linspace(0.9, 0.1, len(settings)) - offset
                                   for axis, settings in AXES.items()})


def test_the_curves_figure_has_a_line_per_model_and_passes_plotly_validation():
    """Assembled unvalidated for speed: Plotly must accept it as valid."""
    curves = {"Dense": made_up_curves(0.0), "Convnet | small": made_up_curves(0.05)}
    figure = curves_figure(curves, "rotation", current=10)
    validated = go.Figure(figure.to_dict())
    assert [trace.name for trace in validated.data] == list(curves)
    np.testing.assert_allclose(validated.data[1].y, curves["Convnet | small"].accuracy["rotation"])
    np.testing.assert_allclose(validated.data[0].x, AXES["rotation"])
    assert validated.layout.xaxis.title.text == CURVE_TITLES["rotation"]
    assert validated.layout.shapes[0].x0 == 10


def test_the_curves_table_has_a_row_per_setting_and_a_column_per_model():
    curves = {"Dense": made_up_curves(0.0), "Convnet | small": made_up_curves(0.05)}
    lines = curve_markdown(curves, "shift_x").splitlines()
    assert lines[0] == f"| {CURVE_TITLES['shift_x']} | Dense | Convnet \\| small |"
    assert len(lines) == 2 + len(AXES["shift_x"])
    assert lines[2] == "| -8 | 90.0% | 85.0% |"
