"""What the page AppTests share: the app, its pages and one timeout.

Fixtures built on these are in tests/conftest.py (``app_test``, ``instant_training``); the
helpers below read a page's elements and drive its widgets as a user would.
"""

from __future__ import annotations

import base64
import io
import re
import time
from pathlib import Path

import numpy as np
from PIL import Image

from mnist_core.training.queue import UnknownJobError

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# The page scripts, in the order app.py's st.navigation lists them: a new page is tested at once.
PAGES = tuple(re.findall(r'st\.Page\(\s*"(app_pages/[a-z_]+\.py)"', APP.read_text()))
# Their titles in the sidebar, in the same order.
PAGE_TITLES = tuple(re.findall(r'st\.Page\(\s*"app_pages/[a-z_]+\.py",\s*title="([^"]+)"', APP.read_text()))
# Seconds for one script run of a page in an AppTest. The first run in the process imports
# TensorFlow (for the tests' own references) and loads MNIST on 2 shared cores.
APP_TEST_TIMEOUT = 180


# --- reading and driving a page -------------------------------------------------------------


def texts(elements) -> str:
    """The values of ``elements`` (e.g. ``at.error``), joined by spaces."""
    return " ".join(element.value for element in elements)


def url_params(at) -> dict:
    """The page's URL parameters as a plain dict of strings (a repeated one: its first value)."""
    values = {name: at.query_params[name] for name in at.query_params}
    return {name: value[0] if isinstance(value, list) else value for name, value in values.items()}


def link_opener(app_test, page: str):
    """``open_with(params, state)``: ``page`` opened through the ``app_test`` fixture as a link with
    URL ``params`` (and session ``state``), checked to show no error."""

    def open_with(params: dict | None = None, state: dict | None = None):
        at = app_test(page, query_params=params, session_state=state)
        assert not at.error, [error.value for error in at.error]
        return at

    return open_with


def image_urls(at, caption: str | None = None) -> list[str]:
    """The URLs of every picture of the page's st.image elements (or of those whose captions
    include ``caption``), in page order."""
    return [image.url for element in at.get("image") for image in element.proto.imgs
            if caption is None or caption in [picture.caption for picture in element.proto.imgs]]


def data_url_pixels(url: str) -> np.ndarray:
    """The pixels of a ``data:image/png;base64,…`` URL as uint8 (H, W) or (H, W, 3); fails on any
    other URL (a media file the browser would fetch)."""
    assert url.startswith("data:image/png;base64,"), url[:40]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def markdown_table_rows(at, first_column: str) -> list[dict]:
    """The rows of the page's first Markdown table whose first column is ``first_column``, as
    dicts of strings (header: cell)."""
    for block in at.markdown:
        lines = block.value.splitlines()
        if lines and lines[0].startswith(f"| {first_column} |"):
            header, *rows = [[cell.strip() for cell in line.strip("|").split(" | ")]
                             for line in lines if not line.startswith("|--")]
            return [dict(zip(header, row, strict=True)) for row in rows]
    raise AssertionError(f"no Markdown table whose first column is {first_column!r}")


def sidebar_text(at) -> str:
    return " ".join(element.value for element in [*at.sidebar.markdown, *at.sidebar.caption])


def session_runs(at) -> list:
    """The session's runs (``ui.session.Run``), oldest first."""
    return list(at.session_state["runs"].values()) if "runs" in at.session_state else []


# The fake-trainer queue (``instant_training`` in tests/conftest.py) while a test uses it, else None.
TRAINING_QUEUE = None


def _until_a_run_ends(at, seconds: float) -> None:
    """Sleep ``seconds``, or less: until a run the page last showed unfinished has ended in the
    fake-trainer queue (what the page's next rerun shows), when the test uses that queue."""
    queue, deadline = TRAINING_QUEUE, time.monotonic() + seconds
    jobs = [run.job_id for run in session_runs(at) if run.job_id and not run.finished] if queue else []
    while (remaining := deadline - time.monotonic()) > 0:
        time.sleep(min(0.02, remaining) if jobs else remaining)
        if any(_ended(queue, job) for job in jobs):
            return


def _ended(queue, job_id: str) -> bool:
    try:
        return queue.snapshot(job_id).finished
    except UnknownJobError:  # gone from the queue: the page says so on its next rerun
        return True


def poll_until(at, condition, timeout: float = 60, interval: float = 0.2):
    """Rerun the page (as its polling fragment does) until ``condition(at)`` holds; fails after
    ``timeout`` seconds. Reruns every ``interval`` seconds, or as soon as a run ended; checks
    every rerun for exceptions."""
    deadline = time.monotonic() + timeout
    while not condition(at):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        _until_a_run_ends(at, interval)
        at.run()
        assert not at.exception, [exception.message for exception in at.exception]
    return at


def all_finished(at) -> bool:
    return all(run.finished for run in session_runs(at))


def start_training(at, **settings):
    """Type into the Train form's fields (text inputs by key; 1,000 images and 1 epoch unless
    given) and press Start."""
    values = {"train_size": 1000, "train_epochs": 1, **settings}
    for key, value in values.items():
        at.text_input(key=key).input(str(value))
    at.button(key="train_start").click()
    return at.run()


def first_ten_predicted(at) -> list[int]:
    """The digits the Predictions page shows for the first ten test images (its "#i · true L" metrics)."""
    found = {int(metric.label[1:].split(" ")[0]): int(metric.value)
             for metric in at.main.metric if metric.label.startswith("#") and " · true " in metric.label}
    assert sorted(found) == list(range(10)), found
    return [found[index] for index in range(10)]
