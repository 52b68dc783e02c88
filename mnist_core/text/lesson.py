"""The lesson's words and printouts: what the Home page says at each step, as plain values.

The "hello world of deep learning" (Chollet, Deep Learning with Python, ch. 2) in eight
steps. Everything here is text or rows for a table, built from arrays, histories and configs;
the Home page only lays it out. No Streamlit and no Keras here. (What the lesson shows of
MNIST Lab's own code, sources and layer facts, is in ``mnist_core.lesson.source``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mnist_core.config import (
    IMAGE_PIXELS,
    ModelConfig,
    preset,
)
from mnist_core.training.record import TrainingHistory, steps_per_epoch

BOOK_ACCURACY = 0.978  # Chollet's test accuracy for the lesson's network
FIRST = 10  # step 7 predicts the first ten test images, as the lesson does
INTRO = (
    "Teach a computer to read handwritten digits, in eight steps and about twenty lines of "
    "Keras. Each step shows **the code** (the lesson's, and in a second tab the "
    "source MNIST Lab runs) and **what it just produced**: side by side on a wide screen, one "
    "under the other on a phone. No training happens "
    "until you press the button in step 6."
)

CODE = {  # the lesson's own code, step by step (Keras 3 spelling), in lines of at most 54 characters
    "load": """from tensorflow.keras.datasets import mnist

((train_images, train_labels),
 (test_images, test_labels)) = mnist.load_data()""",
    "shapes": """train_images.shape
len(train_labels)
train_labels
test_images.shape
len(test_labels)
test_labels""",
    "build": """from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(512, activation="relu"),
    layers.Dense(10, activation="softmax"),
])""",
    "compile": """model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)""",
    "prepare": """train_images = train_images.reshape((60000, 28 * 28))
train_images = train_images.astype("float32") / 255
test_images = test_images.reshape((10000, 28 * 28))
test_images = test_images.astype("float32") / 255""",
    "fit": """model.fit(train_images, train_labels,
          epochs=5, batch_size=128)""",
    "predict": """test_digits = test_images[0:10]
predictions = model.predict(test_digits)
predictions[0]           # ten probabilities, 0 to 9
predictions[0].argmax()  # the most likely digit
test_labels[0]           # the right answer""",
    "evaluate": """test_loss, test_acc = model.evaluate(
    test_images, test_labels)
print(f"test_acc: {test_acc}")""",
}


@dataclass(frozen=True)
class Step:
    """One step of the lesson: its number, its short name (for the contents line), its title
    and what it does in plain words (markdown)."""

    number: int
    name: str
    title: str
    explanation: str


def fit_button_label(status) -> str:
    """Home's Fit button: what pressing it does, or why it cannot be pressed now (``status``: the
    lesson run's ``JobStatus``, None before the first)."""
    if status is None:
        return "Train the lesson's network"
    if status == "queued":
        return "Waiting in line…"
    if status == "running":
        return "Training…"
    return "Train it again"


def fit_images(config: ModelConfig) -> int:
    """Images ``fit`` trains on per epoch: the subset less its validation share."""
    count = config.train_size or 60_000
    return count - int(count * config.validation_split)


def fit_batches(config: ModelConfig) -> int:
    """Batches ``fit`` runs per epoch (the last one may be smaller)."""
    return steps_per_epoch(config.train_size or 60_000, config.validation_split, config.batch_size)


def steps(config: ModelConfig | None = None) -> tuple[Step, ...]:
    """The eight steps, with the Fit step's figures taken from ``config`` (the lesson's preset)."""
    config = config or preset("seed")
    return (
        Step(1, "Load", "Load MNIST",
             "MNIST is 70,000 small pictures of handwritten digits, each labelled with the digit it "
             "shows. The task: look at a picture, say which digit it is. One line of Keras gets it."),
        Step(2, "Shapes", "Look at the shapes",
             "Before training anything, check what you have. The images are a stack of 28 × 28 "
             "grids of bytes; the labels are one digit per image. 60,000 are for training and "
             "10,000 are kept aside to test the network on digits it never saw."),
        Step(3, "Build", "Build the network: two dense layers",
             "A *dense* layer connects every input to every unit. The first layer has 512 units, "
             "each computing a weighted sum of all 784 pixels followed by `relu` (negatives become "
             "0). The second has 10 units, one per digit; `softmax` turns their scores into ten "
             "probabilities that add up to 1. Training will tune every weight."),
        Step(4, "Compile", "Compile: choose how it learns",
             "Three choices. The **loss** measures how wrong a prediction is; training lowers it. "
             "The **optimizer** decides how to nudge each weight to lower the loss (RMSprop adapts "
             "the step size per weight). The **metric** is what we humans watch: the share of "
             "images classified right."),
        Step(5, "Prepare", "Prepare the data: reshape to 784, scale to [0, 1]",
             "A dense layer wants each image as one flat row of numbers, so each 28 × 28 grid "
             "becomes 784 values, row after row. Bytes 0–255 are divided by 255 to become floats "
             "between 0 and 1, a range in which training behaves well."),
        Step(6, "Fit", "Fit: train the network",
             f"Training shows the network its training images in batches of {config.batch_size}. After "
             "each batch, it compares its answers with the labels (the loss) and nudges all weights "
             f"to do a little better. One pass over the data is an *epoch*; the lesson does "
             f"{config.epochs}. MNIST Lab holds back the last {config.validation_split:.0%} of the 60,000 "
             "training images (`validation_split`) to report *validation* accuracy on images the "
             f"network is not trained on, so {fit_images(config):,} images train: {fit_batches(config)} "
             f"batches an epoch, not the {math.ceil(60_000 / config.batch_size)} that 60,000 would make."),
        Step(7, "Predict", "Predict: what does it say about new images?",
             "The trained network outputs ten probabilities for each image; the largest is its "
             "answer. Here are the first ten **test** images, which it never saw while training, "
             "with its answer and the true label."),
        Step(8, "Evaluate", "Evaluate on the whole test set",
             "Ten images prove little. The real score is accuracy on all 10,000 test images. It is "
             "usually a little lower than on the training images: the network partly memorised its "
             "training set (*overfitting*), and the gap measures by how much."),
    )  # fmt: skip


def contents_line(all_steps: tuple[Step, ...]) -> str:
    """Markdown links to every step's anchor (``#step-N``), separated by dots."""
    return " · ".join(f"[{step.number} {step.name}](#step-{step.number})" for step in all_steps)


# --- printouts: what the lesson's interactive session prints ---------------------------------


# --- tables ------------------------------------------------------------------------------------


EPOCH_COLUMNS = {  # the epoch table's figures, as Keras' fit names them, and what each is
    "loss": "training loss",
    "accuracy": "training accuracy",
    "val_loss": "validation loss",
    "val_accuracy": "validation accuracy",
}
UINT8_NOTE = (
    "`uint8` means whole numbers from 0 to 255: one byte per pixel, 0 for background, "
    "255 for full ink. Labels are the digits 0 to 9."
)
LOSS_NOTE = (
    "*Sparse categorical cross-entropy* is −log(probability given to the right digit), "
    "so confident right answers cost almost nothing and confident wrong ones cost a lot:"
)


def epoch_table(history: TrainingHistory) -> list[dict]:
    """One row per finished epoch, with the figures Keras' ``fit`` prints."""
    return [
        {
            "epoch": epoch,
            "loss": history.loss[position],
            "accuracy": history.accuracy[position],
            "val_loss": history.val_loss[position],
            "val_accuracy": history.val_accuracy[position],
        }
        for position, epoch in enumerate(history.epoch)
    ]


def loss_table(probabilities: tuple[float, ...] = (0.99, 0.9, 0.5, 0.1, 0.01)) -> list[dict]:
    """Cross-entropy for a few probabilities on the right digit: −log(p), rounded to 3 places."""
    return [
        {"probability on the right digit": p, "loss = −log(p)": round(-math.log(p), 3)} for p in probabilities
    ]


def compile_table(optimizer: str, learning_rate: float, loss: str, metrics: list[str]) -> list[dict]:
    """The three compile settings as (setting, value) rows."""
    return [
        {"setting": "optimizer", "value": f"{optimizer} (learning rate {learning_rate:g})"},
        {"setting": "loss", "value": loss},
        {"setting": "metrics", "value": ", ".join(metrics)},
    ]


def prepare_table(images: np.ndarray, prepared: dict) -> list[dict]:
    """Shape, dtype and range of the uint8 test images (N, 28, 28) before and after
    ``flatten_and_scale`` (``prepared``: its "shape", "dtype", "min", "max")."""
    return [
        {
            "step": "before",
            "shape": str(images.shape),
            "dtype": str(images.dtype),
            "min": f"{images.min()}",
            "max": f"{images.max()}",
        },
        {
            "step": "after",
            "shape": prepared["shape"],
            "dtype": prepared["dtype"],
            "min": f"{prepared['min']:.1f}",
            "max": f"{prepared['max']:.1f}",
        },
    ]


def first_predictions_table(probabilities: np.ndarray, labels: np.ndarray) -> list[dict]:
    """One row per image: probabilities (N, 10) float and true labels (N,) int."""
    predicted = probabilities.argmax(axis=1)
    return [
        {
            "test image": index,
            "true label": int(labels[index]),
            "predicted": int(predicted[index]),
            "probability": float(probabilities[index].max()),
            "right": "✓" if predicted[index] == labels[index] else "✗",
        }
        for index in range(len(labels))
    ]


# --- the network as a picture ---------------------------------------------------------------


def hidden_layer_note(layer: dict) -> str:
    """How the first hidden layer's parameter count comes about, for a layer row as above."""
    units = int(layer["output shape"].strip("()").split(",")[-1])
    return (
        f"`{layer['layer']}` alone holds {layer['parameters']:,} = {IMAGE_PIXELS} × {units} weights + "
        f"{units} biases. Before training they are random, so the network guesses: about 1 in 10 right."
    )


# --- what the results mean --------------------------------------------------------------------


def model_note(name: str, source: str) -> str:
    """Which model produced a step's result: ``source`` is "lesson" (trained in step 6),
    "active" (a run made active elsewhere) or "default" (the shipped model)."""
    if source == "lesson":
        return f":material/model_training: Result of **{name}**, the network you trained above."
    if source == "active":
        return (
            f":material/model_training: Result of **{name}**, the active model. Train in step 6 "
            "to see your own network's answer here."
        )
    return (
        ":material/inventory_2: Result of the **shipped default model** (`models/default.keras`). "
        "Press *Train* in step 6 to see your own network's answer here instead."
    )


def overfitting_note(train_accuracy: float, test_accuracy: float, config: ModelConfig | None) -> str:
    """A sentence on the gap between training and test accuracy, for this model."""
    gap = (train_accuracy - test_accuracy) * 100
    if gap > 0:
        return (
            f"Training accuracy is {gap:.2f} points above test accuracy: that gap is the "
            "overfitting the lesson warns about."
        )
    handicaps = [
        name
        for name, used in (
            ("dropout", config and config.dropout),
            ("augmentation", config and config.augment),
        )
        if used
    ]
    if handicaps:
        return (
            f"Here the test score is higher. This model trains with {' and '.join(handicaps)}, "
            "which handicap it during training only, and Keras measures training accuracy "
            "with them switched on: the usual overfitting gap is hidden."
        )
    return (
        "Here the test score is as high or higher: Keras' training accuracy is an average over "
        "the last epoch, measured while the weights were still improving."
    )


def book_note(config: ModelConfig | None) -> str | None:
    """The book's figure for the lesson's network, when ``config`` is that network (any seed)."""
    if config is None or config != preset("seed").replace(seed=config.seed):
        return None
    return (
        f"The book reports {BOOK_ACCURACY:.1%} for this network; another random start "
        "(seed) gives a few tenths of a point more or less."
    )
