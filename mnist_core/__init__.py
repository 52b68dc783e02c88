"""mnist_core: the engine of MNIST Lab. No Streamlit here.

Loading, preprocessing, the NumPy inference path, evaluation and saved models import no
TensorFlow, and the package itself imports nothing heavier than NumPy. The Keras parts
(``build_model``, ``train``, ``load_model``, ``save_model`` ...) are resolved on first use, so
the serving process can import this package and never pay for Keras. ``python -m mnist_core``
is the command-line trainer (mnist_core/cli.py).
"""

import importlib

from mnist_core.config import PRESETS, ModelConfig, preset
from mnist_core.data.mnist import load_mnist, mnist_source, parse_idx, read_idx, validate_mnist
from mnist_core.errors import (
    BlankImageError,
    ConfigError,
    DatasetError,
    DigitFileError,
    ImageFileError,
    MnistLabError,
    ModelFileError,
    PhotoError,
)
from mnist_core.training.record import BatchProgress, JobStatus, TrainingHistory, WeightTemplates

# Imported from their module on first access (PEP 562). The Keras names, so that serving never
# pays for Keras; the pixel and inference names, so that the training worker (which needs the
# data and Keras only) does not load SciPy's image modules and Pillow beside TensorFlow.
_LAZY_NAMES = {
    **dict.fromkeys(("Evaluation", "confusion_matrix", "evaluate", "evaluate_probabilities",
                     "per_class_table"), "serving.evaluation"),
    **dict.fromkeys(("DenseNetwork", "flatten_and_scale"), "serving.network"),
    **dict.fromkeys(("image_to_mnist", "image_to_mnist_steps"), "reading.photo"),
    **dict.fromkeys(("PreprocessSteps", "canvas_to_mnist", "canvas_to_mnist_steps", "is_blank",
                     "load_image_bytes"), "reading.preprocess"),
    **dict.fromkeys(("DEFAULT_MODEL_PATH", "load_default_network", "load_network"), "serving.model_files"),
}
_KERAS_NAMES = {
    "build_model": "training.worker.model",
    "train": "training.worker.fit",
    "TrainResult": "training.worker.fit",
    "build_metadata": "training.worker.keras_files",
    "load_model": "training.worker.keras_files",
    "load_default_model": "training.worker.keras_files",
    "model_to_bytes": "training.worker.keras_files",
    "save_model": "training.worker.keras_files",
}


def __getattr__(name: str):
    module = _LAZY_NAMES.get(name) or _KERAS_NAMES.get(name)
    if module is not None:
        return getattr(importlib.import_module(f"mnist_core.{module}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PRESETS", "ModelConfig", "preset",
    "load_mnist", "mnist_source", "parse_idx", "read_idx", "validate_mnist",
    "BlankImageError", "ConfigError", "DatasetError", "DigitFileError", "ImageFileError", "MnistLabError",
    "ModelFileError",
    "PhotoError",
    "Evaluation", "confusion_matrix", "evaluate", "evaluate_probabilities", "per_class_table",
    "DenseNetwork",
    "PreprocessSteps", "canvas_to_mnist", "canvas_to_mnist_steps", "flatten_and_scale",
    "image_to_mnist", "image_to_mnist_steps", "is_blank", "load_image_bytes",
    "DEFAULT_MODEL_PATH", "load_default_network", "load_network",
    "JobStatus", "BatchProgress", "TrainingHistory", "WeightTemplates",
    *_KERAS_NAMES,
]
