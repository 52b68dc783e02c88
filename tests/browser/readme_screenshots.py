"""Regenerate the README's screenshots (docs/screenshots/*.png) from the real app in Chromium.

Run from the repository root:  python tests/browser/readme_screenshots.py [--only NAME ...]
(``--only network network-map`` drives the same session but writes only those pictures;
``--help`` lists the names and writes nothing.)
Starts `streamlit run app.py` on a free 127.0.0.1 port, drives one session through every
page (a short training on Train, shot while it trains and once it completed; a drawn 7 on
Draw), takes 1280x900 viewport shots and optimises them with Pillow (256-colour palette PNG).
Stops the server afterwards.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from harness import browser, strokes  # noqa: E402
from tests.browser import helpers  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ONLY: set[str] = set()  # names to write; empty: all


def optimise(path: Path) -> int:
    """Rewrite ``path`` as a palette PNG (256 colours, optimised); return its size in bytes."""
    with Image.open(path) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=0)
    palette.save(path, optimize=True)
    return path.stat().st_size


def shoot(page, name: str) -> None:
    if ONLY and name not in ONLY:
        return
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.mouse.move(5, page.viewport_size["height"] - 10)  # no hover effects in the picture
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    print(f"{path.relative_to(ROOT)}: {optimise(path) / 1024:.0f} KiB")


def scroll_to(page, heading: str) -> None:
    """Scroll the heading named ``heading`` to the top of the view."""
    page.get_by_role("heading", name=heading).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def shoot_learn(page) -> None:
    """How it learns after Step x100: the loss and accuracy curves, then one image's forward pass."""
    browser.go_to(page, "How it learns")
    helpers.click_and_wait(page, page.get_by_role("button", name="Step ×100", exact=True))
    page.get_by_text("Step 100 ").first.wait_for(timeout=120_000)
    browser.wait_idle(page)
    page.get_by_text("Step 100 ").first.evaluate(  # the status line just under Streamlit's header
        "e => { e.scrollIntoView({block: 'start'});"
        " document.querySelector('[data-testid=stMain]').scrollBy(0, -80); }")
    page.wait_for_timeout(300)
    shoot(page, "learn")


def your_digits(page) -> None:
    """Your digits with a set of 40 font-style digits imported (a writer unlike MNIST's), scored."""
    import io
    import tempfile

    import numpy as np

    from mnist_core.data.synthetic import font_style_ink
    from mnist_core.digits.collection import DigitSet

    generator = np.random.default_rng(7)
    digits = DigitSet.empty()
    for label in np.tile(np.arange(10), 4):
        canvas = np.zeros((140, 140, 4), np.uint8)
        canvas[..., 3] = np.rint(font_style_ink(int(label), generator) * 255).astype(np.uint8)
        canvas[..., :3] = 255
        digits = digits.add_canvas(canvas, int(label))
    browser.go_to(page, "Your digits")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "my-digits.npz"
        buffer = io.BytesIO()
        np.savez(buffer, x_test=digits.images, y_test=digits.labels, originals=digits.thumbnails)
        path.write_bytes(buffer.getvalue())
        page.locator('.st-key-mine_import input[type="file"]').set_input_files(str(path))
        page.get_by_text("Imported 40 digits").wait_for(timeout=120_000)
    browser.wait_idle(page)
    scroll_to(page, "2 · Score")
    shoot(page, "mine")


def shoot_lab(page, url: str) -> None:
    """Break it with test digit 0 moved 4 px right: the picture, the answers and their bars."""
    if ONLY and "lab" not in ONLY:
        return
    browser.open_app(page, url, "lab?test=0&dx=4")
    page.get_by_role("heading", name="Adversarial pixels").wait_for()
    shoot(page, "lab")


THEME_AND_PHONE = {"predictions-dark", "network-dark", "home-phone", "train-phone"}
# Every picture this script writes (docs/screenshots/NAME.png), in the order it takes them.
NAMES = ("home", "lab", "dataset", "train-live", "train", "predictions", "predictions-mistakes", "draw",
         "network", "network-why", "network-map", "network-templates", "learn", "mine",
         *sorted(THEME_AND_PHONE))


def shoot_theme_and_phone(chrome, url: str) -> None:
    """The dark theme (a system set to dark, 1280x900) and the phone layout (390x844, touch),
    each in its own session: they need no run."""
    if ONLY and not ONLY & THEME_AND_PHONE:
        return
    context = chrome.new_context(viewport=browser.VIEWPORT, color_scheme="dark", device_scale_factor=1)
    page = context.new_page()
    context.set_default_timeout(browser.PAGE_TIMEOUT * 1000)
    browser.open_app(page, url, "predictions")
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    browser.wait_idle(page)
    scroll_to(page, "Where it goes wrong")
    page.wait_for_timeout(1500)
    shoot(page, "predictions-dark")
    browser.open_app(page, url, "network")
    shoot(page, "network-dark")
    context.close()
    page, _ = browser.new_page(chrome, viewport=helpers.PHONE, touch=True)
    browser.open_app(page, url)
    shoot(page, "home-phone")
    browser.open_app(page, url, "train")
    shoot(page, "train-phone")
    page.context.close()


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", default=[],
                        help=f"write only these pictures (default: all): {', '.join(NAMES)}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    ONLY.update(parse_arguments(argv).only)  # before anything starts: --help and a bad name write nothing
    with browser.StreamlitServer(name="readme-screenshots-server") as server, sync_playwright() as playwright:
        chrome = browser.launch_chromium(playwright)
        page, _ = browser.new_page(chrome)
        browser.open_app(page, server.url)
        if ONLY == {"mine"}:  # the one page that needs no run before it
            your_digits(page)
            chrome.close()
            return 0
        if ONLY == {"lab"}:  # Break it needs no run either
            shoot_lab(page, server.url)
            chrome.close()
            return 0
        shoot_theme_and_phone(chrome, server.url)
        if ONLY and ONLY <= THEME_AND_PHONE:
            chrome.close()
            return 0
        shoot(page, "home")
        shoot_lab(page, server.url)
        browser.open_app(page, server.url)
        browser.go_to(page, "Dataset")
        shoot(page, "dataset")

        browser.go_to(page, "Train")
        for key, value in (("train_size", 60000), ("train_epochs", 3)):  # long enough to shoot it live
            field = page.locator(f".st-key-{key} input")
            field.fill(str(value))
            field.press("Tab")
        page.locator(".st-key-train_start button").click()
        # the live view once its charts have an epoch behind them: second or third epoch of three
        page.get_by_text(re.compile(r"^Epoch [23]/3 · batch")).first.wait_for(timeout=300_000)
        scroll_to(page, "Run 1 · training")
        page.wait_for_timeout(1500)  # the next poll draws the charts' latest points
        shoot(page, "train-live")
        page.get_by_role("heading", name="Run 1 · completed").wait_for(timeout=300_000)
        browser.wait_idle(page)
        scroll_to(page, "Train a network")
        shoot(page, "train")

        browser.go_to(page, "Predictions")
        shoot(page, "predictions")
        helpers.click_and_wait(page, page.locator(".st-key-predictions_mistakes_only label"))
        scroll_to(page, "Browse the test images")
        shoot(page, "predictions-mistakes")

        browser.go_to(page, "Draw")
        canvas = strokes.clear_canvas(
            page, page.locator(".st-key-draw_clear button"), "draw_canvas",
            gone=browser.metric_value(page, "Prediction"),
        )  # fmt: skip
        strokes.draw_and_time(page, canvas, 7)
        browser.wait_idle(page)
        shoot(page, "draw")

        # Inside the network, for the drawn 7 and the active model (Run 1: its map is computed once)
        page.get_by_role("link", name="Look inside the network").click()
        browser.wait_idle(page)
        page.get_by_role("heading", name="Watch the templates form").wait_for(timeout=120_000)
        browser.wait_idle(page)
        scroll_to(page, "Inside the network")
        shoot(page, "network")
        scroll_to(page, "Why a 7? Each class score, pixel by pixel")
        shoot(page, "network-why")
        scroll_to(page, "Where it sits among the 10,000 test digits")
        shoot(page, "network-map")
        helpers.click_and_wait(page, page.locator(".st-key-network_template_change label"))
        scroll_to(page, "Watch the templates form")
        shoot(page, "network-templates")
        shoot_learn(page)
        your_digits(page)
        chrome.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
