"""Every label and number readable at the project's 1280x900 viewport (issue 10): nothing cut.

Pages are scrolled section by section so every chart is laid out; ``helpers.cut_text`` lists
what does not fit. Add a page here once its labels fit.
"""

from __future__ import annotations

import pytest

from harness import browser
from tests.browser import helpers

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("title", [  # each page opened directly
    pytest.param("Home", marks=pytest.mark.opens("")),
    pytest.param("Dataset", marks=pytest.mark.opens("dataset")),
])
def test_no_label_or_number_is_cut(session_page, title):
    page, console = session_page
    assert page.viewport_size == browser.VIEWPORT
    for heading in page.locator("h2, h3").all():
        heading.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)
    if title == "Dataset":  # the printed pixel values
        helpers.click_and_wait(page, page.locator(".st-key-dataset_values label"))
    assert helpers.cut_text(page) == []
    helpers.screenshot(page, f"layout-{title.lower()}", full_page=True)
    helpers.assert_clean(page, console, title)


# Markdown tables (plain HTML: they neither shrink nor scroll) that reach past their column's
# right edge into the next column or off the page: [text of the first cell, overshoot in px].
TABLE_SPILL_JS = """
() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"] table')].flatMap(table => {
  const column = table.closest('[data-testid="stColumn"]') || table.closest('[data-testid="stMain"]');
  const over = table.getBoundingClientRect().right - column.getBoundingClientRect().right;
  return over > 1 ? [[table.querySelector('td, th').innerText, Math.round(over)]] : [];
})
"""


@pytest.mark.parametrize("path", [  # each page opened directly
    pytest.param("dataset", marks=pytest.mark.opens("dataset")),
    pytest.param("network", marks=pytest.mark.opens("network")),
])
def test_no_table_spills_out_of_its_column(session_page, path):
    page, console = session_page
    page.locator('[data-testid="stMarkdownContainer"] table').first.wait_for()
    assert page.evaluate(TABLE_SPILL_JS) == []
    helpers.assert_clean(page, console, path)


# The button's label, and whether it is cut ("S.." at 1280 px was issue 24's) or outside the button.
LABEL_CUT_JS = """
button => {
  const label = button.querySelector('[data-testid="stMarkdownContainer"] p') || button;
  const inside = label.getBoundingClientRect(), outside = button.getBoundingClientRect();
  const cut = label.scrollWidth > label.clientWidth + 1 || inside.right > outside.right + 1;
  return {text: label.innerText.trim(), cut};
}
"""


def test_homes_stop_is_whole_and_on_screen_while_the_lessons_run_trains(session_page):
    """At 1280x900, the lesson's Stop shows its whole label, on the screen the user pressed
    "Train the lesson's network" on: no scrolling to reach it."""
    page, console = session_page
    page.locator(".st-key-home_fit button").click()  # scrolled into view as a user would
    stop = page.locator(".st-key-home_live_stop button").filter(visible=True)
    stop.wait_for()
    browser.wait_idle(page)
    box = stop.bounding_box()
    height = browser.VIEWPORT["height"]
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height, (
        f"Stop at {box}, outside the {browser.VIEWPORT} screen the run was started on"
    )
    assert stop.evaluate(LABEL_CUT_JS) == {"text": "Stop", "cut": False}
    helpers.screenshot(page, "home-stop-1280")
    stop.click()
    page.get_by_text("Run 1 stopped early.").wait_for()
    helpers.assert_clean(page, console, "Home after Stop")
