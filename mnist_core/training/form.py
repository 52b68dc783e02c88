"""The Train page's settings form as plain values: widget key <-> ``ModelConfig``. No Streamlit.

The form's limits are ``mnist_core.config``'s, so the form never offers what validation refuses
(except a learning rate of 0, which the form allows so the validation message can explain it).
"""

from __future__ import annotations

from mnist_core.config import (
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    MAX_TRAIN_SIZE,
    MAX_UNITS,
    MAX_VALIDATION_SPLIT,
    MIN_TRAIN_SIZE,
    PRESETS,
    ModelConfig,
)
from mnist_core.text.runs import preset_label

UNIT_CHOICES = tuple(units for units in (16, 32, 64, 128, 256, 512, 1024, 2048) if units <= MAX_UNITS)
BATCH_CHOICES = tuple(size for size in (16, 32, 64, 128, 256, 512, 1024, 2048) if size <= MAX_BATCH_SIZE)
LAYERS = (0, MAX_HIDDEN_LAYERS)
EPOCHS = (1, MAX_EPOCHS)
TRAIN_SIZES = (MIN_TRAIN_SIZE, MAX_TRAIN_SIZE)
DROPOUT_MAX = 0.8  # the slider stops here: more leaves too little signal to learn from
VALIDATION_MAX = round(MAX_VALIDATION_SPLIT - 0.05, 2)
LEARNING_RATE_MAX = 100.0
SEED_MAX = 2**31 - 1

def settings_of(config: ModelConfig) -> dict:
    """The form's widget values (by widget key) for a config."""
    return {
        "train_layers": len(config.hidden_units),
        "train_units": config.hidden_units[0] if config.hidden_units else 512,
        "train_activation": config.activation,
        "train_dropout": config.dropout,
        "train_optimizer": config.optimizer,
        "train_learning_rate": config.learning_rate,
        "train_schedule": config.schedule,
        "train_epochs": config.epochs,
        "train_batch_size": config.batch_size,
        "train_size": config.train_size or MAX_TRAIN_SIZE,
        "train_validation_split": config.validation_split,
        "train_augment": config.augment,
        "train_seed": config.seed,
    }


def config_from(values) -> ModelConfig:
    """A validated config from the form's values (any mapping by widget key; raises ConfigError)."""
    size = int(values["train_size"])
    return ModelConfig(
        hidden_units=(int(values["train_units"]),) * int(values["train_layers"]),
        activation=values["train_activation"],
        dropout=float(values["train_dropout"]),
        optimizer=values["train_optimizer"],
        learning_rate=float(values["train_learning_rate"]),
        schedule=values["train_schedule"],
        epochs=int(values["train_epochs"]),
        batch_size=int(values["train_batch_size"]),
        validation_split=float(values["train_validation_split"]),
        train_size=None if size >= MAX_TRAIN_SIZE else size,
        augment=bool(values["train_augment"]),
        seed=int(values["train_seed"]),
    )


def preset_labels() -> dict[str, str]:
    """Every preset's label, derived from its config."""
    return {name: preset_label(name, config) for name, config in PRESETS.items()}
