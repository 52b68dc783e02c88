"""Robustness in a real browser: rapid reruns, two users training at once, a deep link first.

What a user sees on bad input without a browser (a corrupt model, no data, no network, a
diverging run) is in tests/test_robustness.py; docs/robustness.md lists every case.
"""

from __future__ import annotations

import re
import time

import pytest

from harness import browser, strokes
from mnist_core.text.format import plural
from mnist_core.text.runs import preset_labels
from tests.apptest import PAGE_TITLES
from tests.browser import helpers

pytestmark = pytest.mark.browser

SEED_PRESET, BEST_PRESET = preset_labels()["seed"], preset_labels()["best"]
RUN_OUTCOME = re.compile(r"^Run (\d+) · (completed|stopped|diverged|failed)$")


def open_session(chromium, server, path: str):
    """A new browser session opened at page ``path`` ("draw", "train") directly: no Home run first."""
    page, console = browser.new_page(chromium)
    helpers.open_directly(page, console, server.url, path)
    return page, console


def fill_number(page, label: str, value) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(str(value))
    field.press("Tab")
    page.wait_for_timeout(300)


def run_outcome(page, timeout_s: float = 600):
    """(run number, status) of the Train page's outcome heading, once it shows."""
    heading = page.get_by_text(RUN_OUTCOME).first
    heading.wait_for(timeout=timeout_s * 1000)
    number, status = RUN_OUTCOME.match(heading.inner_text().strip()).groups()
    return int(number), status


COUNT_RUNS_JS = """
() => {
  window.__scriptRuns = 0;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__scriptRuns += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}
"""


# Records, until read, each time the page shows the heading "Run 1 · waiting in line" together
# with what only a started run shows (a progress bar, or the "Preparing the data" box): a
# heading left behind by the poll that saw the run start.
STALE_HEADING_JS = """
() => {
  window.__staleHeading = [];
  const look = () => {
    const texts = (selector) => [...document.querySelectorAll(selector)].map((e) => e.innerText.trim());
    const waiting = texts('h4').includes('Run 1 · waiting in line');
    const started = document.querySelector('[data-testid="stProgress"]')
      || texts('[data-testid="stAlert"]').some((text) => text.includes('Preparing the data'));
    if (waiting && started) window.__staleHeading.push(Math.round(performance.now()));
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def press_rerun(page, times: int, pause_ms: int) -> int:
    """Press Streamlit's rerun shortcut R ``times`` times, ``pause_ms`` apart; returns the runs started.

    Streamlit ignores R while a run is in progress, so fewer runs than presses start.
    """
    page.evaluate(COUNT_RUNS_JS)
    page.locator("h1").first.click()  # focus the page, not an input
    for _ in range(times):
        page.keyboard.press("r")
        page.wait_for_timeout(pause_ms)
    return page.evaluate("() => window.__scriptRuns")


def test_rapid_reruns_on_draw_keep_the_prediction(chromium, app_server):
    page, console = open_session(chromium, app_server, "draw")
    canvas = page.locator(strokes.CANVAS).first
    canvas.wait_for()
    shown, _ = strokes.draw_and_time(page, canvas, 7)
    browser.wait_idle(page)
    started = press_rerun(page, times=20, pause_ms=150)
    browser.wait_idle(page, timeout=180)
    assert started >= 2, f"only {started} reruns started"
    assert not browser.exceptions(page)
    assert browser.metric_value(page, "Prediction").inner_text().strip() == shown == "7"
    assert not console.take()
    page.context.close()


def test_rapid_reruns_during_training_leave_it_training(chromium, app_server):
    """Quick clicks on the preset while a run trains rerun the page many times: the run trains
    on in the worker and completes (the page used to interrupt and stop it); Start works again."""
    page, console = open_session(chromium, app_server, "train")
    # Long enough to be seen training on a quiet machine too (10,000 images for 2 epochs ended
    # within the page's first 2-second poll there, so no progress line ever showed), and to outlast
    # the six clicks below under load (each a whole rerun of the page), yet short enough that the
    # test does not wait minutes for it to complete: 3 epochs of all 60,000 images.
    fill_number(page, "Training images", 60000)
    fill_number(page, "Epochs", 3)
    page.get_by_role("button", name=re.compile("Start training")).click()
    page.get_by_text(re.compile(r"Epoch \d+/\d+ · batch")).first.wait_for(timeout=300_000)
    # While a run trains the settings fold away; open them to reach the presets.
    page.get_by_text("Settings for the next run", exact=True).click()
    for label in [BEST_PRESET, SEED_PRESET] * 3:  # each click is a rerun
        page.get_by_text(label, exact=True).click(timeout=10_000)
        page.wait_for_timeout(150)
    assert browser.run_heading(page, "Run 1", "training").count() == 1, "the clicks came after the run"
    assert run_outcome(page) == (1, "completed")
    assert not browser.exceptions(page)
    fill_number(page, "Training images", 2000)
    fill_number(page, "Epochs", 1)
    page.get_by_role("button", name=re.compile("Start training")).click()
    page.get_by_text(re.compile(r"^Run 2 · ")).first.wait_for(timeout=30_000)
    assert run_outcome(page) == (2, "completed")
    assert not browser.exceptions(page)
    assert not console.take()
    page.context.close()


def test_two_users_press_start_together_one_waits_in_line_then_both_finish(chromium, app_server):
    """With one job at a time (MNIST_LAB_TRAINING_JOBS=1 on the test server): one run trains while
    the other shows its place in line, then trains; both complete with their own settings.

    That neither session sees the other's runs is tests/browser/test_concurrency.py's test.
    """
    users = []
    # All 60,000 images: each run trains long enough for several 2-second polls, so the one that
    # waits is seen in line while the other trains, then seen training itself. Different epochs
    # show each run kept its own settings; two and one are enough for that (the first to press
    # Start, usually the first to train, has the longer run: more time to see the other in line).
    for epochs in (2, 1):
        page, console = open_session(chromium, app_server, "train")
        fill_number(page, "Epochs", epochs)
        users.append((page, console, epochs))
    for page, _, _ in users:
        page.get_by_role("button", name=re.compile("Start training")).click()
    for page, _, _ in users:  # both Starts queued a run
        browser.run_heading(page, "Run 1", "(waiting in line|training)").wait_for(timeout=60_000)
        page.evaluate(STALE_HEADING_JS)
    waiting, training = re.compile(r"1st in line"), re.compile(r"Epoch \d+/\d+ · batch")
    start = time.monotonic()
    trail = []  # (seconds, [what each page shows]) at each change, for the failure message
    while True:  # one trains while the other shows its place in line
        seen = [page.get_by_text(waiting).count() + 2 * page.get_by_text(training).count()
                for page, _, _ in users]
        if sorted(seen) == [1, 2]:
            break
        if not trail or trail[-1][1] != seen:
            trail.append((round(time.monotonic() - start, 1), seen))
        if time.monotonic() - start > 300:
            for number, (page, _, _) in enumerate(users):
                helpers.screenshot(page, f"FAILED-two-users-{number}", full_page=True)
            raise AssertionError(f"never saw one run training (2) and one 1st in line (1): {trail}")
        users[0][0].wait_for_timeout(200)
    waiter = users[seen.index(1)][0]
    helpers.screenshot(waiter, "train-waiting-in-line")
    assert browser.run_heading(waiter, "Run 1", "waiting in line").count() == 1
    # Once it trains, its page says so (the whole page reruns) and shows progress.
    browser.run_heading(waiter, "Run 1", "training").wait_for(timeout=300_000)
    waiter.get_by_text(training).wait_for(timeout=300_000)  # after it prepares the data
    # ... and the poll that sees it start reruns the page before it shows the progress.
    assert waiter.evaluate("window.__staleHeading") == [], "'waiting in line' above a started run"
    for page, console, epochs in users:
        assert run_outcome(page) == (1, "completed")
        browser.wait_idle(page, timeout=300)
        assert not browser.exceptions(page)
        assert page.get_by_text(f"Trained {plural(epochs, 'epoch')}.", exact=False).count() == 1
        assert not console.take()
    for page, _, _ in users:
        page.context.close()


def test_first_request_after_a_start_can_be_a_deep_link(chromium):
    """A bookmark to /draw as a fresh server's very first request gets the whole app.

    With the page scripts in a folder named pages/, Streamlit ran that first request in its
    legacy mode: raw file names in the sidebar, no app.py (no model panel, title "draw").
    """
    with browser.StreamlitServer(name="robustness-deep-link-server") as server:
        page, console = browser.new_page(chromium)
        browser.open_app(page, server.url, "draw")
        assert browser.nav_titles(page) == list(PAGE_TITLES)
        assert page.title() == "MNIST Lab"
        assert "Active model" in page.locator('[data-testid="stSidebarUserContent"]').inner_text()
        assert page.locator(strokes.CANVAS).count() == 1
        assert not browser.exceptions(page)
        page.context.close()
