"""mnist_core: the engine of MNIST Lab. No Streamlit here.

Loading, preprocessing, the NumPy inference path, evaluation and saved models import no
TensorFlow, and the package itself imports nothing heavier than NumPy. The Keras parts
(``build_model``, ``train``, ``load_model``, ``save_model`` ...) are resolved on first use, so
the serving process can import this package and never pay for Keras. ``python -m mnist_core``
is the command-line trainer (mnist_core/cli.py).
"""

import importlib

from .config import PRESETS, ModelConfig, preset
from .data import load_mnist, mnist_source, parse_idx, read_idx, validate_mnist
from .errors import (
    BlankImageError,
    ConfigError,
    DatasetError,
    ImageFileError,
    MnistLabError,
    ModelFileError,
    PhotoError,
)
from .training_record import COMPLETED, DIVERGED, STOPPED, BatchProgress, TrainingHistory, WeightTemplates

# Imported from their module on first access (PEP 562). The Keras names, so that serving never
# pays for Keras; the pixel and inference names, so that the training worker (which needs the
# data and Keras only) does not load SciPy's image modules and Pillow beside TensorFlow.
_LAZY_NAMES = {
    **dict.fromkeys(("Evaluation", "confusion_matrix", "evaluate", "evaluate_probabilities",
                     "per_class_table"), "evaluation"),
    "DenseNetwork": "inference",
    **dict.fromkeys(("image_to_mnist", "image_to_mnist_steps"), "photo"),
    **dict.fromkeys(("PreprocessSteps", "canvas_to_mnist", "canvas_to_mnist_steps", "flatten_and_scale",
                     "is_blank", "load_image_bytes"), "preprocess"),
    **dict.fromkeys(("DEFAULT_MODEL_PATH", "load_default_network", "load_network"), "storage"),
}
_KERAS_NAMES = {
    "build_model": "model",
    "train": "training",
    "TrainResult": "training",
    "build_metadata": "storage_keras",
    "load_model": "storage_keras",
    "load_default_model": "storage_keras",
    "model_to_bytes": "storage_keras",
    "save_model": "storage_keras",
}


def __getattr__(name: str):
    module = _LAZY_NAMES.get(name) or _KERAS_NAMES.get(name)
    if module is not None:
        return getattr(importlib.import_module(f".{module}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PRESETS", "ModelConfig", "preset",
    "load_mnist", "mnist_source", "parse_idx", "read_idx", "validate_mnist",
    "BlankImageError", "ConfigError", "DatasetError", "ImageFileError", "MnistLabError", "ModelFileError",
    "PhotoError",
    "Evaluation", "confusion_matrix", "evaluate", "evaluate_probabilities", "per_class_table",
    "DenseNetwork",
    "PreprocessSteps", "canvas_to_mnist", "canvas_to_mnist_steps", "flatten_and_scale",
    "image_to_mnist", "image_to_mnist_steps", "is_blank", "load_image_bytes",
    "DEFAULT_MODEL_PATH", "load_default_network", "load_network",
    "COMPLETED", "DIVERGED", "STOPPED", "BatchProgress", "TrainingHistory", "WeightTemplates",
    *_KERAS_NAMES,
]
