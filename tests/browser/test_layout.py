"""Every label and number readable at the project's 1280x900 viewport (issue 10): nothing cut.

Pages are scrolled section by section so every chart is laid out; ``helpers.cut_text`` lists
what does not fit. Add a page here once its labels fit.
"""

from __future__ import annotations

import pytest

from harness import browser
from tests.browser import helpers

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("title", ["Home", "Dataset"])
def test_no_label_or_number_is_cut(session_page, title):
    page, console = session_page
    browser.go_to(page, title)
    assert page.viewport_size == browser.VIEWPORT
    for heading in page.locator("h2, h3").all():
        heading.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(200)
    if title == "Dataset":  # the printed pixel values
        helpers.click_and_wait(page, page.locator(".st-key-dataset_values label"))
    assert helpers.cut_text(page) == []
    helpers.screenshot(page, f"layout-{title.lower()}", full_page=True)
    helpers.assert_clean(page, console, title)
