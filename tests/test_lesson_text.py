"""The lesson's words and printouts (mnist_core.text.lesson), from real arrays, histories and configs."""

import numpy as np
import pytest

from mnist_core import ModelConfig, TrainingHistory, preset
from mnist_core.text import lesson as lesson_text


def test_steps_are_eight_numbered_in_order_and_the_fit_step_uses_the_config():
    steps = lesson_text.steps(preset("seed").replace(epochs=3, batch_size=64))
    assert [step.number for step in steps] == list(range(1, 9))
    assert "batches of 64" in steps[5].explanation and "the lesson does 3" in steps[5].explanation
    assert lesson_text.contents_line(steps).startswith("[1 Load](#step-1) · [2 Shapes](#step-2)")


def test_epoch_table_has_one_row_per_epoch_with_fits_figures():
    history = TrainingHistory(
        epoch=[1, 2], loss=[0.3, 0.2], accuracy=[0.9, 0.95], val_loss=[0.25, 0.22], val_accuracy=[0.92, 0.93]
    )
    assert lesson_text.epoch_table(history) == [
        {"epoch": 1, "loss": 0.3, "accuracy": 0.9, "val_loss": 0.25, "val_accuracy": 0.92},
        {"epoch": 2, "loss": 0.2, "accuracy": 0.95, "val_loss": 0.22, "val_accuracy": 0.93},
    ]


LAYERS = [
    {
        "layer": "pixels",
        "type": "InputLayer",
        "output shape": "(None, 784)",
        "activation": "—",
        "parameters": 0,
    },
    {
        "layer": "hidden_1",
        "type": "Dense",
        "output shape": "(None, 512)",
        "activation": "relu",
        "parameters": 401920,
    },
    {
        "layer": "digit",
        "type": "Dense",
        "output shape": "(None, 10)",
        "activation": "softmax",
        "parameters": 5130,
    },
]


def test_hidden_layer_note_adds_up_the_parameters():
    note = lesson_text.hidden_layer_note(LAYERS[1])
    assert "401,920 = 784 × 512 weights + 512 biases" in note


def test_first_predictions_table_marks_right_and_wrong():
    probabilities = np.eye(10)[[3, 1]] * 0.8 + 0.02
    rows = lesson_text.first_predictions_table(probabilities, np.array([3, 2]))
    assert [(row["predicted"], row["true label"], row["right"]) for row in rows] == [(3, 3, "✓"), (1, 2, "✗")]
    assert rows[0]["probability"] == pytest.approx(0.82)


@pytest.mark.parametrize(
    ("train", "test", "config", "words"),
    [
        (0.995, 0.980, ModelConfig(), "1.50 points above test accuracy"),
        (0.985, 0.990, preset("best"), "trains with dropout and augmentation"),
        (0.985, 0.990, ModelConfig(), "measured while the weights were still improving"),
    ],
)
def test_overfitting_note_explains_the_gap_for_this_model(train, test, config, words):
    assert words in lesson_text.overfitting_note(train, test, config)


def test_book_note_only_for_the_lessons_network():
    assert "97.8%" in lesson_text.book_note(preset("seed").replace(seed=3))
    assert lesson_text.book_note(preset("best")) is None and lesson_text.book_note(None) is None


def test_loss_table_is_minus_log_p():
    assert lesson_text.loss_table((0.5, 0.1)) == [
        {"probability on the right digit": 0.5, "loss = −log(p)": 0.693},
        {"probability on the right digit": 0.1, "loss = −log(p)": 2.303},
    ]


@pytest.mark.parametrize(
    "source, words",
    [("lesson", "you trained above"), ("active", "the active model"), ("default", "shipped default model")],
)
def test_model_note_says_which_model_answered(source, words):
    assert words in lesson_text.model_note("Run 1", source)


def test_the_lessons_code_fits_its_column():
    assert max(len(line) for code in lesson_text.CODE.values() for line in code.splitlines()) <= 54


def test_the_fit_step_says_why_54000_images_train_in_422_batches():
    from mnist_core.config import preset
    from mnist_core.text.lesson import fit_button_label, steps

    fit = next(step for step in steps(preset("seed")) if step.name == "Fit").explanation
    assert "10% of the 60,000 training images (`validation_split`)" in fit
    assert "54,000 images train: 422 batches an epoch, not the 469 that 60,000 would make" in fit
    assert [fit_button_label(status) for status in (None, "queued", "running", "completed")] == [
        "Train the lesson's network", "Waiting in line…", "Training…", "Train it again"]
