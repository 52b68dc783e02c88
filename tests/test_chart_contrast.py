"""WCAG 2.2 contrast of every chart colour, in the light and the dark theme (no browser).

Figures are built once for both themes and Streamlit's Plotly theme paints each chart's paper and
plot area in the theme's ``backgroundColor`` (.streamlit/config.toml, read here; the browser test
tests/browser/test_chart_theme.py checks that is what Chromium renders). So:

- every mark a reader must see (a line, a bar, a marker, a frame) keeps 3:1 (1.4.11 non-text
  contrast) on both backgrounds; heat-maps keep 3:1 between their extreme and their zero;
- text drawn inside a chart keeps 4.5:1 (1.4.3) on what it is drawn on;
- colours that tell things apart (one per digit or run, right and wrong, highlighted and not)
  stay apart: at least ``DISTINCT`` CIE76 colour difference.
"""

from __future__ import annotations

import itertools
import re
import tomllib

import numpy as np
import plotly.colors
import pytest

from mnist_core import config as palette
from mnist_core.charts import dataset, drawing, lab, learning, network, predictions, training
from tests.apptest import ROOT
from ui.accessibility import STREAMLIT_CHART_TEXT

MARK = 3.0  # WCAG 1.4.11
TEXT = 4.5  # WCAG 1.4.3
DISTINCT = 20.0  # CIE76 delta E: distinct at a glance, also between similar hues
THEMES = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
BACKGROUNDS = {name: THEMES[name]["backgroundColor"] for name in ("light", "dark")}
WHITE = "#FFFFFF"  # the plot area of the charts that set plot_bgcolor="white" in both themes


def linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def rgb(colour: str) -> tuple[float, float, float]:
    """'#6366F1', 'rgb(99, 102, 241)', 'white' or 'black' -> channels in [0, 1]."""
    colour = {"white": "#FFFFFF", "black": "#000000"}.get(colour, colour)
    as_rgb = plotly.colors.convert_colors_to_same_type(colour, "rgb")[0][0]
    red, green, blue = plotly.colors.unlabel_rgb(as_rgb)
    return red / 255, green / 255, blue / 255


def luminance(colour: str) -> float:
    red, green, blue = (linear(channel) for channel in rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def lab_colour(colour: str) -> tuple[float, float, float]:
    red, green, blue = (linear(channel) for channel in rgb(colour))
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883
    f = [value ** (1 / 3) if value > 0.008856 else 7.787 * value + 16 / 116 for value in (x, y, z)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def difference(first: str, second: str) -> float:
    return sum((a - b) ** 2 for a, b in zip(lab_colour(first), lab_colour(second), strict=True)) ** 0.5


# Marks on the theme's background: every colour a figure draws data with.
MARKS = {
    "ACCENT_COLOUR": palette.ACCENT_COLOUR,
    "ACCENT_LIGHT_COLOUR": palette.ACCENT_LIGHT_COLOUR,
    "CONTRAST_COLOUR": palette.CONTRAST_COLOUR,
    "RIGHT_COLOUR": palette.RIGHT_COLOUR,
    "WRONG_COLOUR": palette.WRONG_COLOUR,
    "MUTED_COLOUR": palette.MUTED_COLOUR,
    "EDGE_COLOUR": palette.EDGE_COLOUR,
    "AXIS_COLOUR": palette.AXIS_COLOUR,
    **{f"CATEGORY_COLOURS[{index}]": colour for index, colour in enumerate(palette.CATEGORY_COLOURS)},
    **{f"dataset {name}": getattr(dataset, name) for name in ("TRAIN_COLOR", "TEST_COLOR")},
    **{f"drawing {name}": getattr(drawing, name) for name in ("TOP_COLOUR", "OTHER_COLOUR")},
    **{f"predictions {name}": getattr(predictions, name) for name in ("TRUE_COLOUR", "OTHER_COLOUR")},
    **{f"training {name}": getattr(training, name)
       for name in ("BATCH_COLOR", "TRAIN_COLOR", "VALIDATION_COLOR")},
    **{f"training RUN_COLORS[{index}]": colour for index, colour in enumerate(training.RUN_COLORS)},
    **{f"lab MODEL_COLOURS[{index}]": colour for index, colour in enumerate(lab.MODEL_COLOURS)},
    **{f"learning RACE_COLOURS[{name}]": colour for name, colour in learning.RACE_COLOURS.items()},
    **{f"network DIGIT_COLOURS[{index}]": colour for index, colour in enumerate(network.DIGIT_COLOURS)},
}


@pytest.mark.parametrize("theme", sorted(BACKGROUNDS))
@pytest.mark.parametrize("name", sorted(MARKS))
def test_every_mark_keeps_3_to_1_on_both_themes_backgrounds(name, theme):
    ratio = contrast(MARKS[name], BACKGROUNDS[theme])
    assert ratio >= MARK, f"{name} {MARKS[name]} on the {theme} background {BACKGROUNDS[theme]}: {ratio:.2f}"


def scale_colours(scale, steps: int = 21) -> list[str]:
    """A Plotly colour scale (name or [[position, colour], ...]) sampled at ``steps`` even positions."""
    scale = plotly.colors.get_colorscale(scale) if isinstance(scale, str) else scale
    return plotly.colors.sample_colorscale(scale, [step / (steps - 1) for step in range(steps)])


@pytest.mark.parametrize("scale", ["right", "wrong"])
def test_confusion_matrix_counts_keep_4_5_to_1_on_every_cell_colour_and_its_ends_3_to_1_on_white(scale):
    colours = scale_colours(predictions.RIGHT_SCALE if scale == "right" else predictions.WRONG_SCALE)
    text = predictions._heatmap(np.eye(10), "", predictions.RIGHT_SCALE, 0, 1).textfont.color
    assert text == palette.TEXT_COLOUR
    worst = min(colours, key=lambda colour: contrast(text, colour))
    assert contrast(text, worst) >= TEXT, f"counts {text} on {worst}: {contrast(text, worst):.2f}:1"
    assert contrast(colours[-1], WHITE) >= MARK, f"the {scale} scale's end {colours[-1]} on white"


@pytest.mark.parametrize(
    ("name", "scale"),
    [("activations (Blues)", "Blues"), ("weights and gradients", network.DIVERGING),
     ("ink", dataset.INK_COLORSCALE)],
)
def test_heat_map_extremes_keep_3_to_1_against_their_zero(name, scale):
    colours = scale_colours(scale)
    zero = colours[len(colours) // 2] if scale == network.DIVERGING else colours[0]
    for end in (colours[0], colours[-1]):
        if end != zero:
            assert contrast(end, zero) >= MARK, f"{name}: {end} against its zero {zero}"


def test_axis_text_keeps_4_5_to_1_in_both_themes():
    """Axis labels, titles, bar labels and colour bars: Streamlit's Plotly theme draws them in its
    gray70 in the light theme, too light for 4.5:1, so the app's CSS redraws that text in
    CHART_TEXT_COLOUR; the dark theme's gray30 passes as it is (tests/browser/test_chart_theme.py
    checks Chromium paints these colours)."""
    assert contrast(STREAMLIT_CHART_TEXT["light"], BACKGROUNDS["light"]) < TEXT  # why the CSS rule exists
    assert contrast(palette.CHART_TEXT_COLOUR, BACKGROUNDS["light"]) >= TEXT
    assert contrast(STREAMLIT_CHART_TEXT["dark"], BACKGROUNDS["dark"]) >= TEXT


def test_pixel_values_printed_on_the_digit_keep_4_5_to_1_on_every_grey():
    image = (np.arange(784) % 256).astype(np.uint8).reshape(28, 28)  # every value 0-255
    values = dataset.image_heatmap_figure(image, show_values=True).data[1]
    for value, colour in zip(values.text, values.textfont.color, strict=True):
        grey = "#{0:02X}{0:02X}{0:02X}".format(int(value))  # the "gray" scale from 0 black to 255 white
        assert contrast(colour, grey) >= TEXT, f"{colour} text on the grey of {value}"


def test_picture_frames_captions_and_outlines_keep_their_contrast():
    """Drawn on fixed colours, whatever the theme: the gallery's captions on their strips, outlines
    of selected cells on the white plot areas and the map's white legend, and the diagram's text."""
    assert contrast(palette.TEXT_COLOUR, palette.RIGHT_PALE_COLOUR) >= TEXT
    assert contrast(palette.WRONG_TEXT_COLOUR, palette.WRONG_PALE_COLOUR) >= TEXT
    assert contrast("#000000", palette.ACCENT_PALE_COLOUR) >= TEXT  # Graphviz's default black text
    assert contrast(network.SELECTED_COLOUR, WHITE) >= MARK
    assert contrast(predictions.HIGHLIGHT_COLOUR, WHITE) >= MARK


@pytest.mark.parametrize(
    "group",
    [
        ("one per digit or run", palette.CATEGORY_COLOURS),
        ("right and wrong", (palette.RIGHT_COLOUR, palette.WRONG_COLOUR)),
        ("highlighted and not", (palette.ACCENT_COLOUR, palette.MUTED_COLOUR, palette.CONTRAST_COLOUR)),
        ("probability bars", (predictions.TRUE_COLOUR, predictions.OTHER_COLOUR, palette.RIGHT_COLOUR,
                              palette.WRONG_COLOUR)),
        ("training curves", (training.BATCH_COLOR, training.TRAIN_COLOR, training.VALIDATION_COLOR)),
        ("models", lab.MODEL_COLOURS),
        ("optimisers", tuple(learning.RACE_COLOURS.values())),
    ],
    ids=lambda group: group[0],
)
def test_colours_of_meaning_stay_distinguishable(group):
    name, colours = group
    for first, second in itertools.combinations(colours, 2):
        assert difference(first, second) >= DISTINCT, f"{name}: {first} and {second} look alike"


def test_the_contrast_maths_matches_wcags_own_examples():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#4F46E5", "#0F172A") == pytest.approx(2.84, abs=0.01)  # the old accent on dark: too low
    assert contrast("#F59E0B", "#FFFFFF") == pytest.approx(2.15, abs=0.01)  # the old amber on white: too low


def test_figures_take_every_colour_from_the_palette():
    """One home for colours (mnist_core/config.py), so the checks above see every one a figure uses;
    white plot areas and fully transparent click layers are all a figure module names itself."""
    for module in sorted((ROOT / "mnist_core" / "charts").glob("*.py")):
        text = module.read_text()
        hex_colours = set(re.findall(r"#[0-9A-Fa-f]{6}\b", text)) - {"#FFFFFF"}
        rgb_colours = set(re.findall(r"rgba?\(\s*\d[^)]*\)", text)) - {"rgba(0,0,0,0)"}
        assert not hex_colours and not rgb_colours, f"{module.name}: {hex_colours} {rgb_colours}"
