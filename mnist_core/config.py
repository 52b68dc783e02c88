"""The project's one set of constants, and the model and training settings built on them.

- MNIST's shape: ``IMAGE_SIDE``, ``IMAGE_PIXELS``, ``CLASSES``, ``TRAIN_IMAGES``, ``TEST_IMAGES``.
- The limits of a ``ModelConfig`` (``MAX_HIDDEN_LAYERS``, ``MAX_EPOCHS``, ...): its validation
  below and the Train page's form both read them, so the form never offers a value the
  config refuses.
- The app's colours (``ACCENT_COLOUR`` ...), for every Plotly figure and diagram.
- ``ModelConfig``, a frozen dataclass, and its named ``PRESETS``.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path

from mnist_core.errors import ConfigError

# --- MNIST -----------------------------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parent.parent  # the checkout: app.py, models/, mnist_core/
MODELS_DIR = REPO_ROOT / "models"  # the shipped models and their sidecars


def display_path(path: str | Path) -> str:
    """``path`` as messages show it: relative to the checkout when inside it (models/default.keras),
    else as given."""
    try:
        return str(Path(path).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


IMAGE_SIDE = 28  # pixels per row and per column of an MNIST image
IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE  # 784: one flattened image, the network's input width
CLASSES = tuple(range(10))  # the digits, in the order of the network's outputs
NUM_CLASSES = len(CLASSES)  # 10: the network's output width
TRAIN_IMAGES = 60_000  # images in MNIST's training set
TEST_IMAGES = 10_000  # images in MNIST's test set

# --- limits of a ModelConfig (validation below and the Train page's form) --------------------
MAX_HIDDEN_LAYERS = 4  # 0 hidden layers is logistic regression
MAX_UNITS = 4096  # per hidden layer
MAX_EPOCHS = 200
MIN_TRAIN_SIZE = 100  # smallest training subset
MAX_TRAIN_SIZE = TRAIN_IMAGES  # the whole training set
MAX_BATCH_SIZE = TRAIN_IMAGES
MAX_VALIDATION_SPLIT = 0.5  # exclusive: at least half the subset is trained on
OPTIMIZERS = ("rmsprop", "adam", "sgd")
ACTIVATIONS = ("relu", "gelu", "tanh", "sigmoid")
SCHEDULES = ("constant", "cosine")
ARCHITECTURES = ("dense", "convnet")  # "convnet": CONVNET_FILTERS 3x3 convolutions, each then 2x2 max-pool
CONVNET_FILTERS = (32, 64)  # filters of the convnet's two 3x3 convolutions (keras-io's mnist_convnet)

# --- colours, shared by every figure and diagram. A figure is built once for both themes, so every
# mark a reader must see (a line, a bar, a marker, a heat-map's extreme) keeps WCAG's 3:1 non-text
# contrast on the light and on the dark theme's background (.streamlit/config.toml): mid tones with
# a relative luminance between 0.13 and 0.30 (tests/test_chart_contrast.py checks each one).
ACCENT_COLOUR = "#6366F1"  # indigo-500: the predicted digit, the training set, train curves
ACCENT_LIGHT_COLOUR = "#7E8AF5"  # light indigo: noisy per-batch curves beside ACCENT_COLOUR
ACCENT_PALE_COLOUR = "#EEF2FF"  # indigo-50: filled boxes of diagrams, behind dark text
CONTRAST_COLOUR = "#D97706"  # amber-600: the test set, validation curves
RIGHT_COLOUR = "#16A34A"  # green-600: a right prediction
WRONG_COLOUR = "#EF4444"  # red-500: a wrong prediction (dark text on it keeps 4.5:1)
MUTED_COLOUR = "#8A93A6"  # slate grey: bars and guides not highlighted
GRID_COLOUR = "rgba(128, 128, 128, 0.25)"  # axis grid lines and faint guides, not data: on either background
TEXT_COLOUR = "#111827"  # gray-900: the light theme's text colour; outlines on a white plot area
CHART_TEXT_COLOUR = "#4B5563"  # gray-600: axis text of charts in the light theme (ui/accessibility.py)
EDGE_COLOUR = "#6B7280"  # gray-500: arrows of diagrams
AXIS_COLOUR = "#64748B"  # slate-500: zero lines
# Ten distinguishable colours, one per digit or per run: Tableau 10 in its order, the light ones
# (orange, teal, yellow, pink, grey) darkened to mid tones so that each keeps 3:1 on both backgrounds.
CATEGORY_COLOURS = (
    "#4C78A8", "#D9720B", "#E45756", "#2E8B83", "#54A24B",
    "#A68A00", "#B279A2", "#D0579B", "#9D755D", "#7F7F7F",
)  # fmt: skip
RIGHT_PALE_COLOUR = "#DCFCE7"  # green-100: behind the caption of a right prediction
WRONG_PALE_COLOUR = "#FEE2E2"  # red-100: behind the caption of a wrong prediction
WRONG_TEXT_COLOUR = "#991B1B"  # red-800: the caption of a wrong prediction

def rgb(colour: str) -> tuple[int, int, int]:
    """'#16A34A' -> (22, 163, 74), for pictures drawn with Pillow and NumPy."""
    return tuple(int(colour[index : index + 2], 16) for index in (1, 3, 5))


@dataclass(frozen=True)
class ModelConfig:
    """Everything that decides what a training run does.

    The defaults are the lesson's network: Dense(512, relu) -> Dense(10, softmax),
    RMSprop, 5 epochs, batch 128 (Chollet, Deep Learning with Python, ch. 2).
    """

    hidden_units: tuple[int, ...] = (512,)  # width of each hidden Dense layer, in order
    activation: str = "relu"  # activation of the hidden layers
    dropout: float = 0.0  # dropout rate after each hidden layer (0 = no Dropout layer)
    optimizer: str = "rmsprop"  # one of OPTIMIZERS
    learning_rate: float = 1e-3  # initial learning rate (RMSprop's and Adam's Keras default)
    schedule: str = "constant"  # "constant", or "cosine" decay to 0 over the whole run
    epochs: int = 5  # passes over the training subset
    batch_size: int = 128  # samples per gradient step
    validation_split: float = 0.1  # last fraction of the training subset held out by fit
    train_size: int | None = None  # training-subset size; None = all 60,000 images
    augment: bool = False  # random shifts, rotations and zoom while training
    seed: int = 0  # seeds Python, NumPy and TensorFlow: same seed, same result
    architecture: str = "dense"  # one of ARCHITECTURES; a convnet ignores hidden_units and activation

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_units", tuple(int(u) for u in self.hidden_units))
        problems = list(_problems(self))
        if problems:
            raise ConfigError("Invalid model settings: " + "; ".join(problems) + ".")

    def replace(self, **changes) -> ModelConfig:
        """A copy with some fields changed (validated like a new config)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        """Plain JSON-able dict (lists, not tuples)."""
        values = dataclasses.asdict(self)
        values["hidden_units"] = list(self.hidden_units)
        return values

    @classmethod
    def from_dict(cls, values: dict) -> ModelConfig:
        """Inverse of ``to_dict``; unknown keys are ignored so older sidecars still load."""
        known = {field.name for field in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})

    @property
    def parameter_count(self) -> int:
        """Weights and biases of the network it describes (784 pixels in, 10 classes out)."""
        if self.architecture == "convnet":
            return convnet_parameters(CONVNET_FILTERS)
        widths = [IMAGE_PIXELS, *self.hidden_units, NUM_CLASSES]
        return sum(dense_parameters(inputs, units) for inputs, units in itertools.pairwise(widths))


def dense_parameters(inputs: int, units: int) -> int:
    """Weights and biases of one Dense layer: a kernel (inputs, units) and a bias (units,)."""
    return inputs * units + units


def convnet_parameters(filters: tuple[int, ...], kernel: int = 3) -> int:
    """Weights and biases of the convnet: each ``kernel`` x ``kernel`` convolution ("valid", so the
    side shrinks by ``kernel - 1``) then a 2x2 max-pool (the side halves, rounded down), then one
    Dense layer from the flattened maps to the 10 classes."""
    total, channels, side = 0, 1, IMAGE_SIDE
    for count in filters:
        total += kernel * kernel * channels * count + count
        channels, side = count, (side - (kernel - 1)) // 2
    return total + dense_parameters(side * side * channels, NUM_CLASSES)


def _problems(config: ModelConfig):
    if not 0 <= len(config.hidden_units) <= MAX_HIDDEN_LAYERS:
        yield f"use 0 to {MAX_HIDDEN_LAYERS} hidden layers"
    if any(not 1 <= units <= MAX_UNITS for units in config.hidden_units):
        yield f"each hidden layer needs 1 to {MAX_UNITS} units"
    if config.architecture not in ARCHITECTURES:
        yield f"architecture must be one of {', '.join(ARCHITECTURES)}"
    if config.activation not in ACTIVATIONS:
        yield f"activation must be one of {', '.join(ACTIVATIONS)}"
    if not 0.0 <= config.dropout < 1.0:
        yield "dropout must be in [0, 1)"
    if config.optimizer not in OPTIMIZERS:
        yield f"optimizer must be one of {', '.join(OPTIMIZERS)}"
    if not config.learning_rate > 0:
        yield "learning rate must be positive"
    if config.schedule not in SCHEDULES:
        yield f"schedule must be one of {', '.join(SCHEDULES)}"
    if not 1 <= config.epochs <= MAX_EPOCHS:
        yield f"epochs must be 1 to {MAX_EPOCHS}"
    if not 1 <= config.batch_size <= MAX_BATCH_SIZE:
        yield f"batch size must be 1 to {MAX_BATCH_SIZE}"
    if not 0.0 <= config.validation_split < MAX_VALIDATION_SPLIT:
        yield f"validation split must be in [0, {MAX_VALIDATION_SPLIT:g})"
    if config.train_size is not None and not MIN_TRAIN_SIZE <= config.train_size <= MAX_TRAIN_SIZE:
        yield f"training-subset size must be {MIN_TRAIN_SIZE} to {MAX_TRAIN_SIZE}"


PRESETS: dict[str, ModelConfig] = {
    # The lesson, exactly: Dense(512, relu) -> Dense(10, softmax), RMSprop, 5 epochs, batch 128.
    "seed": ModelConfig(),
    # The strongest dense-only recipe that trains in well under two minutes on 2 cores: two
    # 512-unit layers with dropout, Adam with cosine decay, augmentation, 20 epochs (the recipes
    # compared: benchmarks/README.md, "The presets").
    "best": ModelConfig(
        hidden_units=(512, 512),
        dropout=0.2,
        optimizer="adam",
        learning_rate=1e-3,
        schedule="cosine",
        epochs=20,
        augment=True,
    ),
    # A small convnet beside the dense networks (the Break-it page): Conv(32, 3x3) -> pool ->
    # Conv(64, 3x3) -> pool -> Dropout -> Dense(10), 34,826 parameters, as keras-io's
    # mnist_convnet, with the same augmentation as "best" (so the two differ in architecture
    # only). The augmentation already regularises, so dropout is 0.25, not keras-io's 0.5, which
    # left it underfitting (benchmarks/README.md, "The presets").
    "convnet": ModelConfig(
        hidden_units=(),
        dropout=0.25,
        optimizer="adam",
        learning_rate=1e-3,
        schedule="cosine",
        epochs=20,
        augment=True,
        architecture="convnet",
    ),
}


def preset(name: str) -> ModelConfig:
    """The named preset ('seed', 'best' or 'convnet')."""
    if name not in PRESETS:
        raise ConfigError(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return PRESETS[name]
