"""Regenerate the Draw page's screenshots (docs/screenshots/draw*.png, upload*.png) in Chromium.

Run from the repository root:  python tests/browser/draw_screenshots.py [http://127.0.0.1:PORT]
(``--help`` says this and writes nothing.) Without a URL it starts `streamlit run app.py` on a free
127.0.0.1 port and stops it afterwards.
At 1280x900 and on a 390x844 touch screen: a 4 drawn on the canvas (prediction, hints, the
five preprocessing steps) and a photo of a 7 on lined paper with a shadow on the Upload tab.
"""

from __future__ import annotations

import argparse
import io
import sys
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from harness import browser, strokes  # noqa: E402
from mnist_core import load_mnist  # noqa: E402
from mnist_core.data.synthetic_photos import digit_photo  # noqa: E402
from tests.browser import helpers  # noqa: E402
from tests.browser.readme_screenshots import optimise  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
FOUR = [[(0.55, 0.2), (0.35, 0.55), (0.7, 0.55)], [(0.58, 0.35), (0.58, 0.85)]]  # a 4, two strokes
MAIN = '[data-testid="stMain"]'


def shoot(page, name: str) -> None:
    path = OUT / f"{name}.png"
    page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    print(f"{path.relative_to(ROOT)}: {optimise(path) / 1024:.0f} KiB")


def photo_bytes() -> bytes:
    (_, _), (x_test, _) = load_mnist()
    photo = digit_photo(x_test[0], "all at once", np.random.default_rng([0, 11, 0]))  # a 7
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def session(chrome, url: str, phone: bool):
    page, _ = browser.new_page(chrome, helpers.PHONE if phone else None, touch=phone)
    browser.open_app(page, url, "draw")
    canvas = strokes.canvas_of(page, "draw_canvas")
    canvas.wait_for()
    strokes.wait_settled(page, "draw_canvas")
    return page, canvas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", help="a running app to shoot (default: start one)")
    given = parser.parse_args(argv).url  # before anything is written: --help writes nothing
    OUT.mkdir(parents=True, exist_ok=True)
    server = nullcontext(SimpleNamespace(url=given)) if given else browser.StreamlitServer(name="draw-shots")
    photo = photo_bytes()
    with server as running, sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        for phone in (False, True):
            suffix = "-phone" if phone else ""
            page, canvas = session(chrome, running.url, phone)
            (helpers.touch_strokes if phone else strokes.draw_strokes)(page, canvas, FOUR)
            browser.metric_value(page, "Prediction").wait_for()
            browser.wait_idle(page)
            shoot(page, f"draw{suffix}")
            if not phone:  # the steps, below the prediction
                page.locator(MAIN).evaluate("main => main.scrollTo(0, 330)")
                shoot(page, "draw-steps")
            page.locator(MAIN).evaluate("main => main.scrollTo(0, 0)")
            page.get_by_role("tab", name="Upload").click()
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                files=[{"name": "seven-on-lined-paper.jpg", "mimeType": "image/jpeg", "buffer": photo}]
            )
            page.locator('.st-key-draw_upload_outcome [data-testid="stMetric"]').wait_for()
            browser.wait_idle(page)
            if phone:  # the photo's name in the uploader, and its prediction under it
                page.locator(MAIN).evaluate("main => main.scrollTo(0, 230)")
            shoot(page, f"upload{suffix}")
            page.context.close()
        chrome.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
