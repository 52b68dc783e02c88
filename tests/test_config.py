"""The one set of constants: the config's validation, the Train form and the theme agree on them."""

from __future__ import annotations

import tomllib

import pytest

from mnist_core import ConfigError, ModelConfig
from mnist_core import config as constants
from mnist_core.training.form import EPOCHS, TRAIN_SIZES
from tests.apptest import ROOT


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


def test_accent_colour_is_the_light_themes_primary_colour_and_no_theme_is_forced():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert "base" not in theme  # the system's light or dark setting is followed
    assert theme["light"]["primaryColor"] == constants.ACCENT_COLOUR
    assert theme["light"]["textColor"] == constants.TEXT_COLOUR
    assert {"primaryColor", "backgroundColor", "textColor"} <= set(theme["dark"])


def test_train_form_offers_exactly_the_range_model_config_accepts(app_test):
    at = app_test("app_pages/train.py")
    layers = at.slider(key="train_layers")
    assert (layers.min, layers.max) == (0, constants.MAX_HIDDEN_LAYERS)
    # the typed fields' ranges, named with them on Start
    assert EPOCHS == (1, constants.MAX_EPOCHS)
    assert TRAIN_SIZES == (constants.MIN_TRAIN_SIZE, constants.MAX_TRAIN_SIZE)
