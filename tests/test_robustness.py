"""Robustness: what a user sees when the shipped files, the data or the network are missing.

Each case runs every page of the real app (AppTest) and checks for a clear message
instead of an exception, and that the rest of the app stays usable. The real
``models/default.keras`` is never touched: a damaged copy is written under pytest's
tmp_path and ``mnist_core.storage.DEFAULT_MODEL_PATH`` points at it for the test, with
``st.cache_resource`` cleared before and after so no other test sees the broken model.
The cases that need a real browser and server (rapid reruns, two users training at once)
are at the end of this file, marked ``browser``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import keras
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import mnist_core.storage
from mnist_core.jobs import JOBS_ENV
from mnist_core.train_form import preset_labels

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"  # run pytest from the repo root so .streamlit/config.toml is read
PAGES = [
    "app_pages/home.py",
    "app_pages/dataset.py",
    "app_pages/train.py",
    "app_pages/predictions.py",
    "app_pages/draw.py",
]
NEEDS_MODEL = {"app_pages/home.py", "app_pages/predictions.py", "app_pages/draw.py"}  # they classify with it
NEEDS_DATA = {"app_pages/home.py", "app_pages/dataset.py", "app_pages/train.py", "app_pages/predictions.py"}
MODEL_ERROR = "The default model could not be loaded."
DATA_ERROR = "MNIST could not be loaded."


@pytest.fixture
def clean_caches():
    """Empty st.cache_resource before and after: the broken model or data must not leak."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def run_page(page: str) -> AppTest:
    """A fresh session opened on ``page``, run once."""
    at = AppTest.from_file(str(APP), default_timeout=180)
    at.switch_page(page)
    return at.run(timeout=180)


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def train_and_wait(at: AppTest, timeout: float = 300) -> AppTest:
    """Press Start, then rerun the page (as its polling fragment does) until the run ended."""
    at.button(key="train_start").click()
    at.run(timeout=180)
    deadline = time.monotonic() + timeout
    while any(not run.finished for run in at.session_state["runs"].values()):
        assert time.monotonic() < deadline, "the run did not finish in time"
        time.sleep(0.5)
        at.run(timeout=180)
    return at


def plain(markdown: str) -> str:
    """Markdown without the bold markers, for matching sentences."""
    return markdown.replace("**", "")


# --- a corrupt models/default.keras --------------------------------------------------------


def truncated_copy(target: Path) -> None:
    """The real default model cut in half: the zip's central directory is gone."""
    real = mnist_core.storage.MODELS_DIR / "default.keras"
    target.write_bytes(real.read_bytes()[: real.stat().st_size // 2])


def garbage(target: Path) -> None:
    target.write_bytes(b"this is not a Keras model\n" * 100)


def wrong_network(target: Path) -> None:
    """A valid .keras file, but of a network that does not map 784 pixels to 10 classes."""
    model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(3, activation="softmax")])
    model.save(target)


CORRUPTIONS = {"truncated": truncated_copy, "garbage": garbage, "wrong-network": wrong_network}


@pytest.fixture(params=sorted(CORRUPTIONS))
def corrupt_default_model(request, tmp_path, monkeypatch, clean_caches):
    """DEFAULT_MODEL_PATH -> a damaged copy (with the real sidecar beside it)."""
    target = tmp_path / "default.keras"
    CORRUPTIONS[request.param](target)
    real_sidecar = mnist_core.storage.MODELS_DIR / "default.json"
    (tmp_path / "default.json").write_text(real_sidecar.read_text())
    monkeypatch.setattr(mnist_core.storage, "DEFAULT_MODEL_PATH", target)
    return target


@pytest.mark.parametrize("page", PAGES)
def test_corrupt_default_model_gives_a_clear_error_on_every_page(corrupt_default_model, page):
    at = run_page(page)
    assert not at.exception, f"{page} raised: {[e.value for e in at.exception]}"
    model_errors = [plain(text) for text in texts(at.error) if MODEL_ERROR in plain(text)]
    if page in NEEDS_MODEL:
        assert model_errors, f"{page} does not say the default model is unusable: {texts(at.error)}"
        assert "default.keras" in model_errors[0]
        assert "restore it" in model_errors[0] or "maps" in model_errors[0]  # says what to do / why
    else:
        assert not at.error, f"{page} shows errors although it needs no model: {texts(at.error)}"


def test_corrupt_default_model_leaves_training_usable(corrupt_default_model):
    """With the shipped model broken, a model trained on Train makes Draw usable again."""
    at = run_page("app_pages/train.py")
    at.number_input(key="train_size").set_value(1000)
    at.number_input(key="train_epochs").set_value(1)
    train_and_wait(at)
    assert not at.exception
    assert any("Trained 1 epoch." in text for text in texts(at.success)), texts(at.success)
    assert any("now the active model" in toast.value for toast in at.toast)  # the default was unusable
    at.switch_page("app_pages/draw.py")
    at.run(timeout=180)
    assert not at.exception
    assert not [text for text in texts(at.error) if MODEL_ERROR in plain(text)]
    assert any("Run 1 (this session)" in text for text in texts(at.caption))


# --- no dataset and no network -------------------------------------------------------------


@pytest.fixture
def missing_dataset(tmp_path, monkeypatch, clean_caches):
    """MNIST_PATH points at a file that does not exist."""
    missing = tmp_path / "nowhere" / "mnist.npz"
    monkeypatch.setenv("MNIST_PATH", str(missing))
    return missing


@pytest.fixture
def no_network(monkeypatch, clean_caches):
    """No MNIST_PATH, and Keras' download fails as it does offline (a bare Exception)."""
    calls = []

    def offline_download():
        calls.append(1)
        raise Exception(  # noqa: TRY002 - what keras.utils.get_file raises offline
            "URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
            "mnist.npz: None -- [Errno -3] Temporary failure in name resolution"
        )

    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline_download)
    return calls


@pytest.mark.parametrize("page", PAGES)
def test_missing_dataset_gives_a_clear_error_on_every_page(missing_dataset, page):
    at = run_page(page)
    assert not at.exception, f"{page} raised: {[e.value for e in at.exception]}"
    data_errors = [plain(text) for text in texts(at.error) if DATA_ERROR in plain(text)]
    if page in NEEDS_DATA:
        assert data_errors, f"{page} does not say MNIST is missing: {texts(at.error)}"
        assert str(missing_dataset) in data_errors[0]
        assert "MNIST_PATH" in data_errors[0]  # says how to fix it
    else:
        assert not data_errors


def test_draw_page_works_without_the_dataset(missing_dataset):
    """Draw needs only a model: it still shows the canvas instructions and no error."""
    at = run_page("app_pages/draw.py")
    assert not at.exception and not at.error
    assert any(text.startswith("Draw one digit") for text in texts(at.info))
    assert any("Default model" in text for text in texts(at.caption))


@pytest.mark.parametrize("page", sorted(NEEDS_DATA))
def test_no_network_gives_a_clear_error(no_network, page):
    at = run_page(page)
    assert not at.exception, f"{page} raised: {[e.value for e in at.exception]}"
    assert no_network, "the page did not try Keras' download"
    data_errors = [plain(text) for text in texts(at.error) if DATA_ERROR in plain(text)]
    assert data_errors, texts(at.error)
    assert "Keras could not download it" in data_errors[0]
    assert "MNIST_PATH" in data_errors[0]


def test_dataset_error_is_not_cached_so_fixing_the_path_recovers(missing_dataset, monkeypatch, mnist):
    """After the user fixes MNIST_PATH, the next rerun loads the data: the failure was not cached."""
    at = run_page("app_pages/dataset.py")
    assert any(DATA_ERROR in plain(text) for text in texts(at.error))
    monkeypatch.setenv("MNIST_PATH", str(ROOT.parent / "shared" / "data" / "mnist.npz"))
    at.run(timeout=180)
    assert not at.exception
    assert not [text for text in texts(at.error) if DATA_ERROR in plain(text)]


# --- a diverging run -----------------------------------------------------------------------


def test_nan_diverging_run_is_reported_and_not_made_active(clean_caches):
    """RMSprop at learning rate 100: the loss becomes NaN; the page says what to change."""
    at = run_page("app_pages/train.py")
    at.number_input(key="train_size").set_value(1000)
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_learning_rate").set_value(100.0)
    train_and_wait(at)
    assert not at.exception
    diverged = [text for text in texts(at.error) if "diverged" in text]
    assert diverged, texts(at.error)
    assert "Lower the learning rate" in diverged[0]
    assert not [button for button in at.button if button.key == "train_activate_latest"]
    at.switch_page("app_pages/draw.py")
    at.run(timeout=180)
    assert not at.exception
    assert any("Default model" in text for text in texts(at.caption))  # Draw still works


# --- memory: what a full-MNIST training adds on top of the loaded data -------------------

MEMORY_PROBE = """
import json
from mnist_core import load_mnist, preset, train

def status_mb(field):  # VmRSS now, VmHWM peak (not ru_maxrss: Linux keeps that across exec,
    with open("/proc/self/status") as status:  # so a child would start at pytest's own peak)
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024

(x_train, y_train), _ = load_mnist()
train(preset("seed").replace(epochs=1, train_size=1000), x_train, y_train)  # warms TensorFlow up
loaded = status_mb("VmRSS")
result = train(preset("seed").replace(epochs=2), x_train, y_train)
print(json.dumps({"loaded": loaded, "peak": status_mb("VmHWM"), "status": result.status}))
"""


@pytest.mark.slow
def test_full_mnist_training_keeps_no_float_copy_of_the_training_set():
    """A seed run on all 60,000 images must not hold float32 copies of them (188 MB each).

    Fed as floats, Keras' fit held the float array plus its own tensor copy: the peak rose
    510 MB above the loaded data and the served app peaked at 1.4 GB, over the 1.2 GB
    Community Cloud budget. Fed as uint8 (scaled per batch) it rises 83 MB.
    """
    import json
    import os
    import subprocess
    import sys

    output = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
        env={  # a clean environment: earlier tests' Streamlit and TensorFlow imports add variables
            "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
            "MNIST_PATH": os.environ["MNIST_PATH"], "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
        },
    )
    assert output.returncode == 0, output.stderr[-2000:]
    figures = json.loads(output.stdout.strip().splitlines()[-1])
    assert figures["status"] == "completed"
    growth = figures["peak"] - figures["loaded"]
    assert growth < 250, f"training rose {growth:.0f} MB above the loaded data (float copies?): {figures}"


# --- in a real browser: rapid reruns, two users training at once ----------------------------

SEED_PRESET, BEST_PRESET = preset_labels()["seed"], preset_labels()["best"]
RUN_OUTCOME = re.compile(r"^Run (\d+) · (completed|stopped|diverged|failed)$")


@pytest.fixture(scope="module")
def robustness_server():
    """`streamlit run app.py` on a free 127.0.0.1 port, for this module's browser tests."""
    from tests.browser import helpers

    server = helpers.StreamlitServer(name="robustness-server", extra_env={JOBS_ENV: "1"})
    try:
        server.start()
    except helpers.BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()


def open_session(chromium, server, title: str):
    """A new browser session at the app's root (not a deep link), then ``title`` via the sidebar."""
    from tests.browser import helpers

    page, console = helpers.new_page(chromium)
    helpers.open_app(page, server.url)
    helpers.go_to(page, title)
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


@pytest.mark.browser
def test_rapid_reruns_on_draw_keep_the_prediction(chromium, robustness_server):
    from tests.browser import helpers

    page, console = open_session(chromium, robustness_server, "Draw")
    canvas = page.locator(helpers.CANVAS).first
    canvas.wait_for()
    shown, _ = helpers.draw_and_time(page, canvas, 7)
    helpers.wait_idle(page)
    started = press_rerun(page, times=20, pause_ms=150)
    helpers.wait_idle(page, timeout=180)
    assert started >= 2, f"only {started} reruns started"
    assert not helpers.exceptions(page)
    assert helpers.metric_value(page, "Prediction").inner_text().strip() == shown == "7"
    assert not console.take()
    page.context.close()


@pytest.mark.browser
def test_rapid_reruns_during_training_leave_it_training(chromium, robustness_server):
    """Quick clicks on the preset while a run trains rerun the page many times: the run trains
    on in the worker and completes (it used to be interrupted and stopped); Start works again."""
    from tests.browser import helpers

    page, console = open_session(chromium, robustness_server, "Train")
    fill_number(page, "Training images", 10000)
    fill_number(page, "Epochs", 2)
    page.get_by_role("button", name=re.compile("Start training")).click()
    page.get_by_text(re.compile(r"Epoch \d+/\d+ · batch")).first.wait_for(timeout=300_000)
    for label in [BEST_PRESET, SEED_PRESET] * 3:  # each click is a rerun
        page.get_by_text(label, exact=True).click()
        page.wait_for_timeout(150)
    assert run_outcome(page) == (1, "completed")
    assert not helpers.exceptions(page)
    fill_number(page, "Training images", 2000)
    fill_number(page, "Epochs", 1)
    page.get_by_role("button", name=re.compile("Start training")).click()
    page.get_by_text(re.compile(r"^Run 2 · ")).first.wait_for(timeout=30_000)
    assert run_outcome(page) == (2, "completed")
    assert not helpers.exceptions(page)
    assert not console.take()
    page.context.close()


@pytest.mark.browser
def test_two_users_press_start_together_one_waits_in_line_both_finish_and_see_only_their_run(
    chromium, robustness_server
):
    """The server runs with MNIST_LAB_TRAINING_JOBS=1: one run trains, the other shows its place."""
    from tests.browser import helpers

    users = []
    for epochs in (2, 3):
        page, console = open_session(chromium, robustness_server, "Train")
        fill_number(page, "Training images", 10000)
        fill_number(page, "Epochs", epochs)
        users.append((page, console, epochs))
    for page, _, _ in users:
        page.get_by_role("button", name=re.compile("Start training")).click()
    waiting = re.compile(r"1st in line")
    training = re.compile(r"Epoch \d+/\d+ · batch")
    (first, _, _), (second, _, _) = users
    deadline = time.monotonic() + 300
    while True:  # one trains while the other shows its place in line
        lines = [page.get_by_text(waiting).count() + 2 * page.get_by_text(training).count()
                 for page in (first, second)]
        if sorted(lines) == [1, 2]:
            break
        assert time.monotonic() < deadline, f"never saw one training and one in line: {lines}"
        first.wait_for_timeout(200)
    helpers.screenshot(second if lines[1] == 1 else first, "train-waiting-in-line")
    for page, console, epochs in users:
        assert run_outcome(page) == (1, "completed")
        helpers.wait_idle(page, timeout=300)
        assert not helpers.exceptions(page)
        assert page.get_by_text(f"Trained {epochs} epochs.", exact=False).count() == 1
        other = 5 - epochs
        others = page.get_by_text(f"{other} epochs x 128", exact=False)
        assert others.count() == 0, "sees the other user's run"
        assert page.get_by_text(re.compile(r"^Run 2\b")).count() == 0
        assert not console.take()
    for page, _, _ in users:
        page.context.close()


@pytest.mark.browser
def test_first_request_after_a_start_can_be_a_deep_link(chromium):
    """A bookmark to /draw as a fresh server's very first request gets the whole app.

    With the page scripts in a folder named pages/, Streamlit ran that first request in its
    legacy mode: raw file names in the sidebar, no app.py (no model panel, title "draw").
    """
    from tests.browser import helpers

    with helpers.StreamlitServer(name="robustness-deep-link-server") as server:
        page, console = helpers.new_page(chromium)
        helpers.open_app(page, server.url, "draw")
        assert helpers.nav_titles(page) == ["Home", "Dataset", "Train", "Predictions", "Draw"]
        assert page.title() == "MNIST Lab"
        assert "Active model" in page.locator('[data-testid="stSidebarUserContent"]').inner_text()
        assert page.locator(helpers.CANVAS).count() == 1
        assert not helpers.exceptions(page)
        page.context.close()
