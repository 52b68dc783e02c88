"""mnist_core: the engine of MNIST Lab. No Streamlit here.

Loading, preprocessing, the Keras dense model, training with progress callbacks,
evaluation and saved models. ``python -m mnist_core.train`` is the command-line trainer.
"""

from .config import PRESETS, ModelConfig, preset
from .data import load_mnist, mnist_source, parse_idx, read_idx, validate_mnist
from .errors import (
    BlankImageError,
    ConfigError,
    DatasetError,
    ImageFileError,
    MnistLabError,
    ModelFileError,
)
from .evaluation import Evaluation, confusion_matrix, evaluate, evaluate_probabilities, rank_mistakes
from .model import build_model, predict_proba
from .preprocess import (
    PreprocessSteps,
    canvas_to_mnist,
    canvas_to_mnist_steps,
    flatten_and_scale,
    image_to_mnist,
    image_to_mnist_steps,
    is_blank,
    load_image_bytes,
)
from .storage import (
    DEFAULT_MODEL_PATH,
    build_metadata,
    load_default_model,
    load_model,
    model_to_bytes,
    save_model,
)
from .training import COMPLETED, DIVERGED, STOPPED, BatchProgress, TrainingHistory, TrainResult, train

__all__ = [
    "PRESETS", "ModelConfig", "preset",
    "load_mnist", "mnist_source", "parse_idx", "read_idx", "validate_mnist",
    "BlankImageError", "ConfigError", "DatasetError", "ImageFileError", "MnistLabError", "ModelFileError",
    "Evaluation", "confusion_matrix", "evaluate", "evaluate_probabilities", "rank_mistakes",
    "build_model", "predict_proba",
    "PreprocessSteps", "canvas_to_mnist", "canvas_to_mnist_steps", "flatten_and_scale",
    "image_to_mnist", "image_to_mnist_steps", "is_blank", "load_image_bytes",
    "DEFAULT_MODEL_PATH", "build_metadata", "load_default_model", "load_model", "model_to_bytes",
    "save_model",
    "COMPLETED", "DIVERGED", "STOPPED", "BatchProgress", "TrainingHistory", "TrainResult", "train",
]
