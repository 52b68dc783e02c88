"""Which model the pages use, switched the way a user switches it, and the run a user downloads.

Each fake run has weights of its own (tests/fake_trainer.py: the shipped model with its output
units rotated by the run's number), so the digits Predictions shows for the first ten test images
tell which model it used. The references are computed here from the .keras bytes each run holds.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from mnist_core import DEFAULT_MODEL_PATH, DenseNetwork, flatten_and_scale
from tests.apptest import (
    first_ten_predicted,
    poll_until,
    session_runs,
    sidebar_text,
    start_training,
    texts,
)
from tests.fake_trainer import HOLD_AT, HOLD_SEED

TRAIN, PREDICTIONS, HOME = "app_pages/train.py", "app_pages/predictions.py", "app_pages/home.py"


@pytest.fixture(scope="module")
def first_ten(mnist):
    """The first ten test images, float32 (10, 784) in [0, 1]."""
    return flatten_and_scale(mnist[1][0][:10])


def predicted_by(keras_bytes: bytes, images: np.ndarray) -> list[int]:
    return DenseNetwork.from_keras_bytes(keras_bytes).probabilities(images).argmax(axis=1).tolist()


def predictions_page_shows(at: AppTest) -> list[int]:
    """Switch to Predictions and read its first-ten digits; then back to where a user clicks."""
    at.switch_page(PREDICTIONS).run()
    assert not at.exception, [exception.message for exception in at.exception]
    return first_ten_predicted(at)


def back_to(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [exception.message for exception in at.exception]
    return at


def train_two_runs(at: AppTest) -> tuple:
    start_training(at)
    poll_until(at, lambda at: session_runs(at)[-1].finished)
    start_training(at, train_seed=1)
    poll_until(at, lambda at: len(session_runs(at)) == 2 and session_runs(at)[-1].finished)
    return tuple(session_runs(at))


def test_train_pages_buttons_switch_the_model_predictions_uses(app_test, instant_training, first_ten):
    default = predicted_by(DEFAULT_MODEL_PATH.read_bytes(), first_ten)
    at = app_test(TRAIN)
    assert predictions_page_shows(at) == default
    back_to(at, TRAIN)
    first, second = train_two_runs(at)
    mine = {run.name: predicted_by(run.keras_bytes, first_ten) for run in (first, second)}
    assert len({tuple(digits) for digits in (default, *mine.values())}) == 3  # three different models

    assert predictions_page_shows(at) == mine[first.name]  # the first run took over from the default
    back_to(at, TRAIN)

    assert at.selectbox(key="train_pick").value == second.id
    at.button(key="train_make_active").click().run()
    assert at.button(key="train_make_active").disabled  # it is the active one now
    assert second.name in sidebar_text(at)
    assert predictions_page_shows(at) == mine[second.name]
    back_to(at, TRAIN)

    at.button(key="train_use_default").click().run()
    assert "Default model" in sidebar_text(at) and at.button(key="train_use_default").disabled
    assert predictions_page_shows(at) == default
    back_to(at, TRAIN)

    use_latest = at.button(key="train_activate_latest")  # under the latest run's outcome
    assert use_latest.label == f"Use {second.name} for Predictions and Draw"
    use_latest.click().run()
    assert not [button for button in at.button if button.key == "train_activate_latest"]
    assert f"{second.name} is the active model" in texts(at.caption)
    assert predictions_page_shows(at) == mine[second.name]

    back_to(at, TRAIN)
    at.selectbox(key="train_pick").set_value(first.id).run()
    at.button(key="train_make_active").click().run()
    assert predictions_page_shows(at) == mine[first.name]


def test_homes_button_makes_the_lesson_run_the_model_predictions_uses(app_test, instant_training, first_ten):
    """A stopped lesson run does not take over by itself; Home's button makes it active."""
    at = app_test(HOME)
    at.button(key="home_fit").click().run()
    [run] = session_runs(at)
    poll_until(at, lambda at: len(run.history.batch_step) >= 1)
    at.button(key="home_live_stop").click().run()
    poll_until(at, lambda at: run.finished)
    assert run.usable and at.session_state.get("active_run") is None
    default = predicted_by(DEFAULT_MODEL_PATH.read_bytes(), first_ten)
    assert predictions_page_shows(at) == default
    back_to(at, HOME)

    activate = at.button(key="home_activate")
    assert activate.label == "Use this run on Predictions and Draw" and not activate.disabled
    activate.click().run()
    assert at.button(key="home_activate").label == "This run is the active model"
    assert at.button(key="home_activate").disabled
    assert predictions_page_shows(at) == predicted_by(run.keras_bytes, first_ten)
    assert predictions_page_shows(at) != default


@pytest.fixture
def media_files(monkeypatch) -> list[dict]:
    """What the pages hand Streamlit to serve as files (a download's bytes, name and type), in order."""
    stored = []
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        stored.append({"data": path_or_data, "mimetype": mimetype, "kind": kind, "filename": filename})
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return stored


def test_the_download_is_the_picked_runs_own_network_under_its_name(
    app_test, instant_training, first_ten, media_files
):
    at = app_test(TRAIN)
    first, second = train_two_runs(at)
    for run in (second, first):
        at.selectbox(key="train_pick").set_value(run.id).run()
        media_files.clear()
        at.run()
        [download] = [file for file in media_files if file["kind"] == MediaFileKind.DOWNLOADABLE]
        assert download["filename"] == f"mnist-{run.name.lower().replace(' ', '-')}.keras"
        data = download["data"]
        assert zipfile.is_zipfile(io.BytesIO(data))
        assert {"config.json", "model.weights.h5"} <= set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        assert predicted_by(data, first_ten) == predicted_by(run.keras_bytes, first_ten)
    assert predicted_by(first.keras_bytes, first_ten) != predicted_by(second.keras_bytes, first_ten)


def test_a_run_stopped_from_the_page_downloads_its_partial_model(app_test, instant_training, media_files):
    """A stopped run keeps its partial model: its download is offered, not disabled."""
    at = app_test(TRAIN)
    start_training(at, train_epochs=40, train_seed=HOLD_SEED)
    [run] = session_runs(at)
    poll_until(at, lambda at: len(run.history.batch_step) >= HOLD_AT)
    at.button(key="train_live_stop").click().run()
    poll_until(at, lambda at: run.finished)
    media_files.clear()
    at.run()
    [download] = [file for file in media_files if file["kind"] == MediaFileKind.DOWNLOADABLE]
    assert download["data"] == run.keras_bytes and download["filename"] == "mnist-run-1.keras"
