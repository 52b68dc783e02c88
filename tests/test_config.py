"""The one set of constants: the config's validation, the Train form and the theme agree on them."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from mnist_core import ConfigError, DenseNetwork, ModelConfig
from mnist_core import config as constants
from mnist_core.config import REPO_ROOT, display_path
from mnist_core.text.form import whole_number_range
from mnist_core.training.form import BATCH_CHOICES, EPOCHS, TRAIN_SIZES, UNIT_CHOICES, VALIDATION_MAX
from tests.apptest import ROOT, session_runs, start_training, texts


@pytest.mark.parametrize(
    ("field", "accepted", "refused"),
    [
        ("hidden_units", (16,) * constants.MAX_HIDDEN_LAYERS, (16,) * (constants.MAX_HIDDEN_LAYERS + 1)),
        ("hidden_units", (constants.MAX_UNITS,), (constants.MAX_UNITS + 1,)),
        ("epochs", constants.MAX_EPOCHS, constants.MAX_EPOCHS + 1),
        ("train_size", constants.MIN_TRAIN_SIZE, constants.MIN_TRAIN_SIZE - 1),
        ("train_size", constants.MAX_TRAIN_SIZE, constants.MAX_TRAIN_SIZE + 1),
        ("batch_size", constants.MAX_BATCH_SIZE, constants.MAX_BATCH_SIZE + 1),
        ("validation_split", constants.MAX_VALIDATION_SPLIT - 0.05, constants.MAX_VALIDATION_SPLIT),
    ],
)
def test_model_config_accepts_up_to_each_limit_and_refuses_past_it(field, accepted, refused):
    assert getattr(ModelConfig(**{field: accepted}), field) == accepted
    with pytest.raises(ConfigError):
        ModelConfig(**{field: refused})


def test_mnist_shape_constants():
    assert constants.IMAGE_PIXELS == 784 and constants.CLASSES == tuple(range(10))
    assert constants.NUM_CLASSES == 10 and constants.TRAIN_IMAGES == 60_000 == constants.MAX_TRAIN_SIZE


def test_the_light_themes_text_is_the_figures_text_colour_and_no_theme_is_forced():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert "base" not in theme  # the system's light or dark setting is followed
    assert theme["light"]["textColor"] == constants.TEXT_COLOUR
    assert {"primaryColor", "backgroundColor", "textColor"} <= set(theme["dark"])


def test_train_form_offers_only_what_model_config_accepts_and_types_up_to_each_limit(app_test):
    """All seven limits: the sliders and choices stop inside them (units and batch sizes are a
    choice of powers of two, so they need not reach the limit), and the typed fields start a run
    at each limit and explain the first value past it, as ModelConfig's validation words it."""
    at = app_test("app_pages/train.py")
    layers = at.slider(key="train_layers")
    assert (layers.min, layers.max) == (0, constants.MAX_HIDDEN_LAYERS)
    assert max(UNIT_CHOICES) <= constants.MAX_UNITS and max(BATCH_CHOICES) <= constants.MAX_BATCH_SIZE
    assert at.slider(key="train_validation_split").max == VALIDATION_MAX < constants.MAX_VALIDATION_SPLIT
    ModelConfig(hidden_units=(max(UNIT_CHOICES),) * constants.MAX_HIDDEN_LAYERS,
                batch_size=max(BATCH_CHOICES), validation_split=VALIDATION_MAX)  # the far corner is valid

    past = [("train_epochs", constants.MAX_EPOCHS + 1, whole_number_range(*EPOCHS)),
            ("train_size", constants.MIN_TRAIN_SIZE - 1, whole_number_range(*TRAIN_SIZES)),
            ("train_size", constants.MAX_TRAIN_SIZE + 1, whole_number_range(*TRAIN_SIZES))]
    assert EPOCHS == (1, constants.MAX_EPOCHS)
    assert TRAIN_SIZES == (constants.MIN_TRAIN_SIZE, constants.MAX_TRAIN_SIZE)
    for key, value, allowed in past:
        start_training(at, **{key: value})
        assert allowed in texts(at.error) and not session_runs(at), (key, value, texts(at.error))
    start_training(at, train_epochs=constants.MAX_EPOCHS, train_size=constants.MIN_TRAIN_SIZE)
    [run] = session_runs(at)
    assert (run.config.epochs, run.config.train_size) == (constants.MAX_EPOCHS, constants.MIN_TRAIN_SIZE)
    at.button(key="train_live_stop").click().run()


def test_parameter_count_matches_the_lesson_and_the_network_it_describes():
    assert ModelConfig().parameter_count == 407_050  # Dense(512) -> Dense(10), as model.summary() says
    network = DenseNetwork((np.zeros((784, 64), "float32"), np.zeros((64, 10), "float32")),
                           (np.zeros(64, "float32"), np.zeros(10, "float32")), ("relu", "softmax"))
    assert network.parameter_count == ModelConfig(hidden_units=(64,)).parameter_count == 784 * 64 + 64 + 650


def test_display_path_is_relative_to_the_checkout_inside_it():
    assert display_path(REPO_ROOT / "models" / "default.keras") == "models/default.keras"
    assert display_path("/elsewhere/m.keras") == "/elsewhere/m.keras"
