"""Training as jobs, seen from the browser: a run trains on in the worker process while its user
draws on another page; the Streamlit server never loads TensorFlow; Enter never starts a run.

Two sessions pressing Start together (one waits in line) is in tests/browser/test_robustness.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness import browser, strokes
from tests.browser import helpers

pytestmark = pytest.mark.browser

# The run's epochs: long enough to train on through a page switch and a drawing under load (it must
# still be training after them), short enough not to keep the test waiting for its completion.
EPOCHS = 2
RUN_STATUS = re.compile(rf"^Run 1 · epoch \d/{EPOCHS} · \d+\s?%$")  # the sidebar's status while training


def process_ids(app_server) -> tuple[int, list[int]]:
    """The server's pid and its training worker's (children started by multiprocessing's spawn)."""
    process = getattr(app_server, "process", None)
    if process is None:
        pytest.fail("This test reads the server's /proc entries: run it without MNIST_LAB_URL.")
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == process.pid and "spawn_main" in command:
            workers.append(int(entry.name))
    return process.pid, workers


def loads_tensorflow(pid: int) -> bool:
    """Whether TensorFlow's shared libraries are mapped into the process."""
    return "tensorflow" in Path(f"/proc/{pid}/maps").read_text()


def sidebar_status(page):
    return page.locator('[data-testid="stSidebar"]').get_by_text(RUN_STATUS)


@pytest.mark.opens("train")
def test_a_run_trains_on_while_its_user_draws_and_only_the_worker_loads_tensorflow(session_page, app_server):
    page, console = session_page
    browser.set_number(page, "train_epochs", EPOCHS)  # the seed preset's other settings, as the form opens
    browser.wait_idle(page)
    page.get_by_role("button", name="Start training").first.click()
    page.get_by_text(re.compile(rf"Epoch \d/{EPOCHS} · batch \d+/422")).first.wait_for(timeout=300_000)

    browser.go_to(page, "Draw")
    sidebar_status(page).wait_for(timeout=10_000)
    canvas = strokes.canvas_of(page, "draw_canvas")
    canvas.wait_for()
    shown, _ = strokes.draw_and_time(page, canvas, 7)
    assert shown == "7", f"drew a 7 while training, the page shows {shown}"
    assert sidebar_status(page).count() == 1, "the run is no longer training after the drawing"
    helpers.screenshot(page, "draw-while-training")

    browser.go_to(page, "Train")
    browser.run_heading(page, "Run 1", "completed").wait_for(timeout=600_000)  # not stopped
    browser.wait_idle(page)
    assert browser.run_heading(page, "Run 1", "stopped").count() == 0
    rows = helpers.runs_table(page)
    expected = [("Run 1", "completed", f"{EPOCHS} / {EPOCHS}")]
    assert [(row["Run"], row["Status"], row["Epochs"]) for row in rows] == expected

    server, workers = process_ids(app_server)
    assert not loads_tensorflow(server), "the Streamlit server process has TensorFlow loaded"
    assert workers and any(loads_tensorflow(worker) for worker in workers), "no worker with TensorFlow"
    helpers.assert_clean(page, console, "Train after a run trained while drawing")


@pytest.mark.opens("train")
@pytest.mark.parametrize("key", ["train_epochs", "train_learning_rate"])
def test_enter_in_a_field_of_the_form_starts_no_run(session_page, key):
    page, console = session_page
    field = page.locator(f".st-key-{key} input")
    field.fill("1" if key == "train_epochs" else "0.002")
    field.press("Enter")
    page.wait_for_timeout(1500)
    browser.wait_idle(page)
    assert page.get_by_text("No runs yet").count() == 1, "Enter started a run"
    assert page.get_by_text(re.compile(r"^Run 1 · ")).count() == 0
    assert field.input_value() == ("1" if key == "train_epochs" else "0.002")  # the value is kept
    helpers.assert_clean(page, console, "Train after Enter")
