"""The Train page's settings form as plain values: widget key <-> ``ModelConfig``. No Streamlit.

Sliders and choices offer only what ``mnist_core.config`` accepts. The four typed fields
(``TYPED_FIELDS``: epochs, learning rate, training images, seed) are text: the user's text is
kept as typed, and ``config_from`` reads it on Start, naming every field it cannot use with its
allowed range (``FormError``) instead of clamping or zeroing it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnist_core.config import (
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    MAX_TRAIN_SIZE,
    MAX_UNITS,
    MAX_VALIDATION_SPLIT,
    MIN_TRAIN_SIZE,
    ModelConfig,
)
from mnist_core.errors import ConfigError

UNIT_CHOICES = tuple(units for units in (16, 32, 64, 128, 256, 512, 1024, 2048) if units <= MAX_UNITS)
BATCH_CHOICES = tuple(size for size in (16, 32, 64, 128, 256, 512, 1024, 2048) if size <= MAX_BATCH_SIZE)
LAYERS = (0, MAX_HIDDEN_LAYERS)
EPOCHS = (1, MAX_EPOCHS)
TRAIN_SIZES = (MIN_TRAIN_SIZE, MAX_TRAIN_SIZE)
DROPOUT_MAX = 0.8  # the slider stops here: more leaves too little signal to learn from
VALIDATION_MAX = round(MAX_VALIDATION_SPLIT - 0.05, 2)
LEARNING_RATE_MAX = 100.0
SEED_MAX = 2**31 - 1
TYPED_FIELDS = ("train_learning_rate", "train_epochs", "train_size", "train_seed")  # text inputs


@dataclass(frozen=True)
class FieldProblem:
    """A typed field Start cannot use: its widget key, what was typed, why (``kind``: "unreadable",
    "not_whole" or "out_of_range") and the range it accepts (``whole``: whole numbers from ``low``
    to ``high``; else a number above 0 and at most ``high``). ``mnist_core.text.form`` words it."""

    key: str
    typed: str
    kind: str
    low: float
    high: float
    whole: bool


class FormError(ConfigError):
    """The form holds values no run can use; ``problems`` has one ``FieldProblem`` per field."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__("unusable form fields: " + ", ".join(problem.key for problem in problems))
        self.problems = problems


def _number(text) -> float | None:
    """The number typed (digit-group commas, underscores and spaces allowed), or None if unreadable."""
    cleaned = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _whole(values, key: str, low: int, high: int, problems: list[FieldProblem]) -> int | None:
    text = str(values[key])
    value = _number(text)
    kind = ("unreadable" if value is None else "not_whole" if value != int(value)
            else "out_of_range" if not low <= value <= high else None)
    if kind is None:
        return int(value)
    problems.append(FieldProblem(key, text, kind, low, high, whole=True))
    return None


def _learning_rate(values, problems: list[FieldProblem]) -> float | None:
    text = str(values["train_learning_rate"])
    value = _number(text)
    kind = "unreadable" if value is None else "out_of_range" if not 0 < value <= LEARNING_RATE_MAX else None
    if kind is None:
        return value
    problems.append(FieldProblem("train_learning_rate", text, kind, 0, LEARNING_RATE_MAX, whole=False))
    return None


def settings_of(config: ModelConfig) -> dict:
    """The form's widget values (by widget key) for a config."""
    return {
        "train_layers": len(config.hidden_units),
        "train_units": config.hidden_units[0] if config.hidden_units else 512,
        "train_activation": config.activation,
        "train_dropout": config.dropout,
        "train_optimizer": config.optimizer,
        "train_learning_rate": f"{config.learning_rate:g}",
        "train_schedule": config.schedule,
        "train_epochs": str(config.epochs),
        "train_batch_size": config.batch_size,
        "train_size": str(config.train_size or MAX_TRAIN_SIZE),
        "train_validation_split": config.validation_split,
        "train_augment": config.augment,
        "train_seed": str(config.seed),
    }


def config_from(values) -> ModelConfig:
    """A validated config from the form's values (any mapping by widget key; the typed fields are
    text or numbers). Raises ``FormError`` naming every typed field it cannot use, with its range,
    and ``ConfigError`` for a combination ``ModelConfig`` refuses."""
    problems: list[FieldProblem] = []
    learning_rate = _learning_rate(values, problems)
    epochs = _whole(values, "train_epochs", *EPOCHS, problems)
    size = _whole(values, "train_size", *TRAIN_SIZES, problems)
    seed = _whole(values, "train_seed", 0, SEED_MAX, problems)
    if problems:
        raise FormError(problems)
    return ModelConfig(
        hidden_units=(int(values["train_units"]),) * int(values["train_layers"]),
        activation=values["train_activation"],
        dropout=float(values["train_dropout"]),
        optimizer=values["train_optimizer"],
        learning_rate=learning_rate,
        schedule=values["train_schedule"],
        epochs=epochs,
        batch_size=int(values["train_batch_size"]),
        validation_split=float(values["train_validation_split"]),
        train_size=None if size >= MAX_TRAIN_SIZE else size,
        augment=bool(values["train_augment"]),
        seed=seed,
    )
