"""Robustness: what a user sees when the shipped files, the data or the network are missing.

Each case runs every page of the real app (AppTest) and checks for a clear message
instead of an exception, and that the rest of the app stays usable. The real
``models/default.keras`` is never touched: a damaged copy is written under pytest's
tmp_path and ``mnist_core.serving.model_files.DEFAULT_MODEL_PATH`` points at it for the test, with
``st.cache_resource`` empty for the test (but for what MNIST alone gives, ``fresh_model_caches``) and its
entries cleared after it, so
no other test sees the broken model.
The cases that need a real browser and server (rapid reruns, two users training at once)
are in tests/browser/test_robustness.py.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

import mnist_core.serving.model_files
from mnist_core.text.runs import NO_MODEL_HELP, outcome_text
from tests.apptest import PAGES, ROOT, all_finished, poll_until

WORKING_MNIST = os.environ.get("MNIST_PATH")  # tests/conftest.py has set it
NEEDS_MODEL = {"app_pages/home.py", "app_pages/predictions.py", "app_pages/network.py",
               "app_pages/draw.py", "app_pages/lab.py"}  # they classify with it
NEEDS_DATA = {"app_pages/home.py", "app_pages/dataset.py", "app_pages/train.py", "app_pages/predictions.py",
              "app_pages/network.py", "app_pages/lab.py", "app_pages/learn.py"}
MODEL_ERROR = "The default model could not be loaded."
DATA_ERROR = "MNIST could not be loaded."


def texts(elements) -> list[str]:
    return [element.value for element in elements]


def train_and_wait(at, timeout: float = 120):
    """Press Start, then rerun the page (as its polling fragment does) until the run ended."""
    at.button(key="train_start").click()
    at.run()
    return poll_until(at, all_finished, timeout)


def plain(markdown: str) -> str:
    """Markdown without the bold markers, for matching sentences."""
    return markdown.replace("**", "")


# --- a corrupt models/default.keras --------------------------------------------------------


def truncated_copy(target: Path) -> None:
    """The real default model cut in half: the zip's central directory is gone."""
    real = mnist_core.serving.model_files.MODELS_DIR / "default.keras"
    target.write_bytes(real.read_bytes()[: real.stat().st_size // 2])


def garbage(target: Path) -> None:
    target.write_bytes(b"this is not a Keras model\n" * 100)


def wrong_network(target: Path) -> None:
    """A valid .keras file, but of a network that does not map 784 pixels to 10 classes."""
    import keras

    model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(3, activation="softmax")])
    model.save(target)


CORRUPTIONS = {"truncated": truncated_copy, "garbage": garbage, "wrong-network": wrong_network}


def corrupt(kind: str, folder: Path, monkeypatch) -> Path:
    """DEFAULT_MODEL_PATH -> a damaged copy of ``kind`` (with the real sidecar beside it)."""
    target = folder / "default.keras"
    CORRUPTIONS[kind](target)
    real_sidecar = mnist_core.serving.model_files.MODELS_DIR / "default.json"
    (folder / "default.json").write_text(real_sidecar.read_text())
    monkeypatch.setattr(mnist_core.serving.model_files, "DEFAULT_MODEL_PATH", target)
    return target


@pytest.fixture(params=[  # building the wrong network imports Keras: not in the fast loop
    "truncated", pytest.param("wrong-network", marks=pytest.mark.slow),
])
def corrupt_default_model(request, tmp_path, monkeypatch, fresh_model_caches, instant_training):
    """A default model that is no .keras file, then one of the wrong network. Every page gets the
    same ModelFileError whatever is wrong with the bytes: that each damage (cut, not a zip, empty)
    gives it, naming the file and why, is tests/test_network_file.py's
    test_a_damaged_model_file_says_which_file_and_why. The pages that warm up the training worker
    (Home, Train) warm the fake trainer's (``instant_training``) in the slow case too: nothing here
    trains, and a Keras worker started and stopped for each of them cost seconds."""
    return corrupt(request.param, tmp_path, monkeypatch)


def explained_where_needed(at, page: str, needed_by: set[str], message: str) -> list[str]:
    """``page`` raised nothing and shows ``message`` exactly when it needs what is missing;
    returns those error texts (markdown bold removed)."""
    assert not at.exception, f"{page} raised: {[e.value for e in at.exception]}"
    found = [plain(text) for text in texts(at.error) if message in plain(text)]
    if page in needed_by:
        assert found, f"{page} does not say {message!r}: {texts(at.error)}"
    else:
        assert not found, f"{page} says {message!r} although it does not need it"
    return found


@pytest.mark.parametrize("page", PAGES)
def test_corrupt_default_model_gives_a_clear_error_on_every_page(app_test, corrupt_default_model, page):
    at = app_test(page)
    model_errors = explained_where_needed(at, page, NEEDS_MODEL, MODEL_ERROR)
    if model_errors:
        assert "default.keras" in model_errors[0]
        assert "cannot be read as a model (" in model_errors[0]  # why, in the parentheses
        assert NO_MODEL_HELP in texts(at.info)  # ... and what to do
    else:
        assert not at.error, f"{page} shows errors although it needs no model: {texts(at.error)}"


def test_corrupt_default_model_leaves_training_usable(
    app_test, instant_training, tmp_path, monkeypatch, fresh_model_caches
):
    """With the shipped model broken, a model trained on Train makes Draw usable again.

    How the file is damaged does not matter here (each kind is refused above), so one kind."""
    corrupt("garbage", tmp_path, monkeypatch)
    at = app_test("app_pages/train.py")
    at.text_input(key="train_size").input("1000")
    at.text_input(key="train_epochs").input("1")
    train_and_wait(at)
    assert not at.exception
    [run] = at.session_state["runs"].values()
    assert any(outcome_text(run) in text for text in texts(at.success)), texts(at.success)
    assert any("now the active model" in toast.value for toast in at.toast)  # the default was unusable
    at.switch_page("app_pages/draw.py")
    at.run()
    assert not at.exception
    assert not [text for text in texts(at.error) if MODEL_ERROR in plain(text)]
    assert any("Run 1 (this session)" in text for text in texts(at.caption))


# --- no dataset and no network -------------------------------------------------------------


@pytest.fixture
def missing_dataset(tmp_path, monkeypatch, fresh_caches):
    """MNIST_PATH points at a file that does not exist."""
    missing = tmp_path / "nowhere" / "mnist.npz"
    monkeypatch.setenv("MNIST_PATH", str(missing))
    return missing


@pytest.fixture
def no_network(monkeypatch, tmp_path, fresh_caches):
    """No MNIST_PATH, nothing in Keras' cache, and the child process that runs Keras' download
    fails as it does offline (tests/test_data.py runs the real child against a refused URL)."""
    import subprocess

    from mnist_core.data import mnist as data

    calls = []

    def offline_download(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, stdout="", stderr=(
            "Traceback (most recent call last):\n  ...\nException: URL fetch failure on "
            "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz: None -- "
            "[Errno -3] Temporary failure in name resolution\n"))

    monkeypatch.delenv("MNIST_PATH", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    cached = tmp_path / "keras" / "datasets" / "mnist.npz"
    monkeypatch.setattr(data, "keras_cache_candidates", lambda: [cached])
    monkeypatch.setattr(data.subprocess, "run", offline_download)
    return calls


@pytest.mark.parametrize("page", PAGES)
def test_missing_dataset_gives_a_clear_error_on_every_page(app_test, missing_dataset, page):
    at = app_test(page)
    data_errors = explained_where_needed(at, page, NEEDS_DATA, DATA_ERROR)
    if data_errors:
        assert "`mnist.npz`" in plain(texts(at.error)[0]) or "mnist.npz" in data_errors[0]  # by name...
        assert str(missing_dataset.parent) not in " ".join(texts(at.error))  # ...never by server path
        assert "MNIST_PATH" in data_errors[0]
        assert any("MNIST_PATH=" in text for text in texts(at.info))  # says how to fix it
        assert at.button(key="dataset_retry").label == "Retry"


def test_draw_page_works_without_the_dataset(app_test, missing_dataset):
    """Draw needs only a model: it still shows the canvas instructions and no error."""
    at = app_test("app_pages/draw.py")
    assert not at.exception and not at.error
    assert any(text.startswith("Draw one digit") for text in texts(at.info))
    assert any("Default model" in text for text in texts(at.caption))


@pytest.mark.parametrize("page", sorted(NEEDS_DATA))
def test_no_network_gives_a_clear_error(app_test, no_network, page):
    at = app_test(page)
    assert not at.exception, f"{page} raised: {[e.value for e in at.exception]}"
    assert no_network, "the page did not try Keras' download"
    data_errors = [plain(text) for text in texts(at.error) if DATA_ERROR in plain(text)]
    assert data_errors, texts(at.error)
    assert "could not download it (no internet connection?)" in data_errors[0]
    assert "URL fetch failure" not in " ".join(texts(at.error) + texts(at.info))  # no raw exception
    assert any("MNIST_PATH=" in text for text in texts(at.info))
    assert "Data: MNIST could not be loaded" in " ".join(caption.value for caption in at.sidebar.caption)


def test_a_failed_load_is_remembered_for_every_page_until_retry(app_test, no_network):
    at = app_test("app_pages/dataset.py")
    assert len(no_network) == 1
    at.switch_page("app_pages/predictions.py").run()
    at.switch_page("app_pages/train.py").run()
    assert len(no_network) == 1, "every page tried the download again"
    assert DATA_ERROR in plain(texts(at.error)[0])
    at.button(key="dataset_retry").click().run()
    assert len(no_network) == 2  # Retry tries at once


def test_fixing_the_path_and_pressing_retry_recovers(app_test, missing_dataset, monkeypatch, mnist):
    """After the user fixes MNIST_PATH, Retry loads the data: the failure is remembered (no page
    waits for it again) but never stored as the dataset."""
    at = app_test("app_pages/dataset.py")
    assert any(DATA_ERROR in plain(text) for text in texts(at.error))
    monkeypatch.setenv("MNIST_PATH", WORKING_MNIST)
    at.button(key="dataset_retry").click().run()
    assert not at.exception
    assert not [text for text in texts(at.error) if DATA_ERROR in plain(text)]


# --- a diverging run -----------------------------------------------------------------------


def test_nan_diverging_run_is_reported_and_not_made_active(app_test, instant_training, fresh_caches):
    """Learning rate 100: the fake's loss becomes NaN at the 3rd batch (as Keras' does when the
    weights overflow; tests/test_training.py pins the Keras callback's NaN check). The page says
    what to change and never shows 'nan'."""
    at = app_test("app_pages/train.py")
    at.text_input(key="train_size").input("1000")
    at.text_input(key="train_epochs").input("2")
    at.text_input(key="train_learning_rate").input("100.0")
    train_and_wait(at)
    assert not at.exception
    [run] = at.session_state["runs"].values()
    assert run.status == "diverged" and math.isnan(run.history.batch_loss[-1])
    assert len(run.history.batch_step) == 3 and not run.history.epoch
    diverged = [text for text in texts(at.error) if "diverged" in text]
    assert diverged, texts(at.error)
    assert outcome_text(run) in diverged[0]
    table = at.dataframe[0].value
    assert "nan" not in " ".join(map(str, table.iloc[0])).lower()
    assert not [button for button in at.button if button.key == "train_activate_latest"]
    assert at.session_state.get("active_run") is None
    at.switch_page("app_pages/draw.py")
    at.run()
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
