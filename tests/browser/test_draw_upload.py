"""Upload in a real browser: one outcome at a time while files are switched, even when
Streamlit's uploader refuses a file over its size limit (server.maxUploadSize)."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from harness import browser
from mnist_core.data.synthetic_photos import digit_photo
from tests.browser import helpers

pytestmark = pytest.mark.browser

# In the page, every 20 ms until stopped: which outcomes of the Upload tab are visible.
WATCH_JS = """() => {
  const seen = [];
  const visible = (selector, text) => [...document.querySelectorAll(selector)].some(
    (element) => element.checkVisibility() && (!text || element.innerText.includes(text)));
  const look = () => seen.push({
    prediction: visible('.st-key-draw_upload_outcome [data-testid="stMetric"]'),
    error: visible('.st-key-draw_upload_outcome [data-testid="stAlert"]', 'cannot be classified'),
    refused: visible('.st-key-draw_upload_refused .mnist-refused'),
  });
  const timer = setInterval(look, 20);
  window.__uploadWatch = {stop: () => { clearInterval(timer); look(); return seen; }};
}"""


def png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def choose(page, name: str, mime: str, content: bytes) -> None:
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )


@pytest.mark.opens("draw")
def test_switching_files_shows_one_outcome_at_a_time(session_page, mnist):
    page, console = session_page
    page.get_by_role("tab", name="Upload").click()
    (_, _), (x_test, _) = mnist
    seven = png(digit_photo(x_test[0], "clean", np.random.default_rng(0)))  # test digit 0 is a 7
    two = png(digit_photo(x_test[1], "shadow", np.random.default_rng(1)))  # test digit 1 is a 2
    prediction = page.locator('.st-key-draw_upload_outcome [data-testid="stMetricValue"]')

    choose(page, "seven.png", "image/png", seven)
    prediction.wait_for()
    assert prediction.inner_text().strip() == "7"
    page.evaluate(WATCH_JS)
    choose(page, "notes.txt", "text/plain", b"not a picture\n" * 10)
    page.get_by_text("notes.txt cannot be classified").wait_for()
    browser.wait_idle(page)
    too_big = 11 * 1024 * 1024  # over the 10 MB of .streamlit/config.toml
    choose(page, "huge.png", "image/png", os.urandom(too_big))
    refused = page.locator(".st-key-draw_upload_refused .mnist-refused")
    refused.wait_for(state="visible")
    page.wait_for_timeout(1500)
    assert not page.get_by_text("notes.txt cannot be classified").is_visible()
    choose(page, "two.png", "image/png", two)
    prediction.wait_for(state="visible")
    browser.wait_idle(page)
    assert prediction.inner_text().strip() == "2"
    seen = page.evaluate("window.__uploadWatch.stop()")
    together = [sample for sample in seen if sum(sample.values()) > 1]
    assert len(seen) > 50 and not together, f"{len(together)} of {len(seen)} samples showed two outcomes"
    assert any(sample["refused"] and not sample["prediction"] and not sample["error"] for sample in seen)
    assert not refused.is_visible()  # the newest file was accepted: the refusal note is gone
    helpers.screenshot(page, "draw-upload-after-switching")
    console.errors = [error for error in console.errors if "413" not in error]  # the refused upload
    helpers.assert_clean(page, console, "Draw, Upload")
