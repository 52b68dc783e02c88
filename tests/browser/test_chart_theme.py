"""What Chromium renders for the charts in each theme is what tests/test_chart_contrast.py checks.

The contrast test reads each theme's background from .streamlit/config.toml and takes the chart
text colours from ui/accessibility.py; here the Dataset page's charts (bars with count labels, a
heat-map, image facets, a strip) are painted, in the light and the dark theme, on exactly that
background, with their axis text, titles and count labels in exactly those colours.
"""

from __future__ import annotations

import tomllib

import pytest

from mnist_core.config import CHART_TEXT_COLOUR
from tests.apptest import ROOT
from tests.browser import helpers
from ui.accessibility import STREAMLIT_CHART_TEXT

THEMES = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
# text Streamlit's Plotly theme colours (axis ticks and titles, bar labels, colour bars)
THEMED_TEXT = "[class*='tick'] text, .g-xtitle text, .g-ytitle text, .g-y2title text, .bartext, .cbtitle text"
RENDERED = """(selector) => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot')]
  .map((plot) => ({
    paper: plot.querySelector('svg.main-svg').style.background,
    plotArea: [...plot.querySelectorAll('rect.bg')].map((rect) => getComputedStyle(rect))
      .filter((style) => style.fillOpacity !== '0').map((style) => style.fill),
    text: [...new Set([...plot.querySelectorAll(selector)].map((text) => getComputedStyle(text).fill))],
  }))"""


def css_rgb(colour: str) -> str:
    """'#4B5563' -> 'rgb(75, 85, 99)', as getComputedStyle writes it."""
    if colour.startswith("rgb"):
        return colour
    return "rgb({}, {}, {})".format(*(int(colour[index : index + 2], 16) for index in (1, 3, 5)))


@pytest.mark.browser
@pytest.mark.opens("dataset")
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_charts_are_painted_on_the_themes_background_with_the_checked_text_colours(session_page, theme):
    page, console = session_page
    page.emulate_media(color_scheme=theme)
    background = css_rgb(THEMES[theme]["backgroundColor"])
    text = css_rgb(CHART_TEXT_COLOUR if theme == "light" else STREAMLIT_CHART_TEXT["dark"])
    page.wait_for_function(  # the charts repaint in the theme the system's setting chose
        "(colour) => { const plots = [...document.querySelectorAll('.js-plotly-plot')];"
        " return plots.length >= 4 && plots.every((plot) =>"
        " plot.querySelector('svg.main-svg').style.background === colour); }",
        arg=background, timeout=30_000,
    )
    page.wait_for_timeout(500)  # the CSS rule's repaint of the text
    charts = page.evaluate(RENDERED, THEMED_TEXT)
    assert len(charts) >= 4
    for index, chart in enumerate(charts):
        assert chart["paper"] == background, f"chart {index} in the {theme} theme: {chart}"
        assert set(chart["plotArea"]) <= {background}, f"chart {index} in the {theme} theme: {chart}"
        assert chart["text"] == [text], f"chart {index} in the {theme} theme: {chart}"
    helpers.assert_clean(page, console, f"Dataset, {theme} theme")
