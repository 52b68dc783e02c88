"""The Break-it page in AppTest: every section, the URL state (good and bad links), a missing
drawing, a slider move, the shipped curves' figures as the page states them, a session model."""

from __future__ import annotations

from concurrent.futures import Future

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_core.config import MODELS_DIR, ModelConfig
from mnist_core.serving.model_files import load_network
from mnist_core.text import lab as text
from mnist_core.training.record import JobStatus, TrainingHistory
from tests.apptest import link_opener, url_params
from ui.session import ACTIVE_KEY, DRAWN_INPUT_KEY, RUNS_KEY, Run

PAGE = "app_pages/lab.py"
SHIFTED_DIGIT = 0  # a 7 the lesson's network misreads 6 px to the right and the convnet reads at 0-6 px


@pytest.fixture
def open_page(app_test):
    return link_opener(app_test, PAGE)


def answer(at: AppTest, model: str) -> str:
    """The first 'model: **digit**' line of the page (the answers to the changed digit)."""
    return next(line.value for line in at.markdown if line.value.startswith(f"{model}: **"))


def test_the_page_shows_every_model_and_section(open_page):
    at = open_page({"test": "0"})
    assert at.title[0].value == text.TITLE
    for name in text.MODEL_NAMES.values():
        assert answer(at, name).startswith(f"{name}: **7**")  # test digit 0 is a 7
    headers = [header.value for header in at.subheader]
    assert headers == ["Adversarial pixels", "Robustness over all 10,000 test digits"]
    assert not at.warning
    assert url_params(at) == {"test": "0"}


def test_the_4_pixel_figure_on_the_page_is_the_seed_models_measured_accuracy(open_page, mnist):
    """Computed here without mnist_core.lab: pad on the left, cut on the right, one forward pass."""
    (_, _), (x_test, y_test) = mnist
    network = load_network(MODELS_DIR / "seed.keras")[0]
    moved = np.pad(x_test, ((0, 0), (0, 0), (4, 0)))[:, :, :28].reshape(len(x_test), 784) / 255.0
    scores = np.maximum(moved @ network.kernels[0] + network.biases[0], 0) @ network.kernels[1]
    accuracy = ((scores + network.biases[1]).argmax(1) == y_test).mean()
    at = open_page({"test": "0"})
    shown = " ".join(line.value for line in at.markdown)
    assert f"{text.MODEL_NAMES['seed']} {accuracy:.1%}" in shown


def test_bad_url_values_get_a_message_and_the_default(open_page):
    at = open_page({"test": "12345", "dx": "nine", "rot": "400", "erase": "circle", "eps": "-1"})
    notes = " ".join(warning.value for warning in at.warning)
    for name in ("test", "dx", "rot", "erase", "eps"):
        assert f"`{name}=" in notes, notes
    assert url_params(at) == {"test": "0"}


def test_a_link_to_a_drawing_in_a_session_without_one(open_page):
    at = open_page({"input": "drawing"})
    assert any(text.NO_DRAWING in warning.value for warning in at.warning)
    assert url_params(at) == {"test": "0"}


def test_the_latest_drawing_is_the_input(open_page, mnist):
    (_, _), (x_test, _) = mnist
    drawn = x_test[3] / np.float32(255)  # a 0
    at = open_page({"input": "drawing"}, {DRAWN_INPUT_KEY: drawn})
    assert not at.warning
    assert answer(at, text.MODEL_NAMES["convnet"]).startswith(f"{text.MODEL_NAMES['convnet']}: **0**")
    assert "✗" not in answer(at, text.MODEL_NAMES["convnet"])  # no truth for a drawing
    assert url_params(at) == {"input": "drawing"}


def test_moving_the_shift_slider_changes_the_dense_answer_but_not_the_convnets(open_page):
    at = open_page({"test": str(SHIFTED_DIGIT)})
    seed, convnet = text.MODEL_NAMES["seed"], text.MODEL_NAMES["convnet"]
    before = answer(at, seed), answer(at, convnet)
    at.slider(key="lab_dx").set_value(6).run()
    assert not at.exception
    assert "✓" in before[0] and "✗" in answer(at, seed)
    assert "✓" in answer(at, convnet) and answer(at, convnet).split("(")[0] == before[1].split("(")[0]
    assert url_params(at) == {"test": str(SHIFTED_DIGIT), "dx": "6"}


def test_a_random_mistake_is_a_digit_the_active_model_gets_wrong(open_page):
    at = open_page()
    at.button(key="lab_mistake").click().run()
    assert not at.exception
    index = int(url_params(at)["test"])
    seen = answer(at, text.MODEL_NAMES["default"])
    assert "✗" in seen, (index, seen)


class PendingCurves:
    """A curve cache whose computation never ends: the page must say it is measuring."""

    def submit(self, network, images, labels) -> Future:
        return Future()

    def progress(self, network) -> float:
        return 0.25


def test_a_session_model_is_on_the_page_and_its_curves_are_measured_in_the_background(open_page, monkeypatch):
    monkeypatch.setattr("ui.lab_views.curve_cache", PendingCurves)
    network = load_network(MODELS_DIR / "seed.keras")[0]
    history = TrainingHistory(batch_step=[1], epoch=[1])  # trained: a usable run
    run = Run(id="run-lab", name="Run 1", config=ModelConfig(), history=history, status=JobStatus.COMPLETED,
              network=network)
    at = open_page({"test": "0"}, {RUNS_KEY: {run.id: run}, ACTIVE_KEY: run.id})
    assert answer(at, "Run 1 (this session)")
    expected = text.CURVES_PENDING.format(name="Run 1 (this session)", share=0.25)
    assert expected in [info.value for info in at.info]
