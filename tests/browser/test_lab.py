"""Break it in Chromium: move the shift slider with the keyboard and watch the lesson's dense
network change its answer while the convnet's holds; the URL follows the slider."""

from __future__ import annotations

import pytest

from harness import browser
from mnist_core.text.lab import MODEL_NAMES

pytestmark = pytest.mark.browser
SHIFTED_DIGIT = 0  # a 7 the lesson's network misreads 6 px to the right and the convnet reads at 0-6 px


def answer(page, model: str) -> str:
    """The first answer line of ``model`` on the page, e.g. "Small convnet: 7 (over 99.9% confident) ✓"."""
    return page.locator("[data-testid=stMarkdownContainer]").filter(has_text=f"{model}: ").first.inner_text()


@pytest.mark.opens(f"lab?test={SHIFTED_DIGIT}")
def test_moving_the_shift_slider_breaks_the_dense_network_not_the_convnet(session_page):
    page, _ = session_page
    seed, convnet = MODEL_NAMES["seed"], MODEL_NAMES["convnet"]
    before = answer(page, seed), answer(page, convnet)
    assert before[0].endswith("✓") and before[1].endswith("✓"), before
    thumb = page.locator("[data-testid=stSlider]").filter(has_text="Shift right / left").get_by_role("slider")
    thumb.focus()
    for _ in range(6):
        thumb.press("ArrowRight")
        browser.wait_idle(page, settle=0.1)
    page.wait_for_function("() => location.search.includes('dx=6')", timeout=30_000)
    browser.wait_idle(page)
    after = answer(page, seed), answer(page, convnet)
    assert "✗" in after[0], (before, after)
    assert after[1].endswith("✓") and after[1].split(" (")[0] == before[1].split(" (")[0], (before, after)
    # a deep link's first load asks /lab/_stcore/... (404, Streamlit's own): only exceptions count here
    assert not page.locator("[data-testid=stException]").count()
