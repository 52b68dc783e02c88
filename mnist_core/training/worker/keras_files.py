"""Saved models through Keras (training worker and CLI only): write a ``.keras`` file with
its sidecar, load one as a Keras model, or turn a model into ``.keras`` bytes."""

from __future__ import annotations

import datetime
import json
import os
import platform
import zipfile
from pathlib import Path

import keras
import numpy as np

from mnist_core.errors import ModelFileError
from mnist_core.serving import model_files as storage
from mnist_core.serving.model_files import read_sidecar, sidecar_path
from mnist_core.serving.network import keras_model_bytes


def build_metadata(config=None, history=None, test=None, **extra) -> dict:
    """The sidecar's content: config, history, test metrics, date and library versions."""
    import tensorflow as tf

    return {
        "config": config.to_dict() if hasattr(config, "to_dict") else config,
        "history": history.to_dict() if hasattr(history, "to_dict") else history,
        "test": test,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
        },
        **extra,
    }


def save_model(model: keras.Model, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write ``path`` (.keras) and its JSON sidecar atomically; returns the .keras path."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"Model files must end in .keras, got {path.name}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
    model.save(temporary)
    os.replace(temporary, path)
    sidecar = sidecar_path(path)
    sidecar.write_text(json.dumps(metadata or {}, indent=2, allow_nan=True) + "\n")
    return path


def load_model(path: str | os.PathLike) -> tuple[keras.Model, dict]:
    """Load a ``.keras`` model in Keras' safe mode, and its sidecar (``{}`` if absent).

    Raises ``ModelFileError`` when the file is missing, corrupt, or not a classifier of
    784 inputs to 10 classes.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(storage.missing_model_message(path))
    try:
        model = keras.saving.load_model(path, compile=True, safe_mode=True)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise ModelFileError(storage.unreadable_model_message(path, type(error).__name__)) from error
    if tuple(model.input_shape) != (None, 784) or tuple(model.output_shape) != (None, 10):
        raise ModelFileError(
            f"{path.name} maps {model.input_shape} to {model.output_shape}; an MNIST model "
            "maps (None, 784) to (None, 10)."
        )
    return model, read_sidecar(path)


def load_default_model() -> tuple[keras.Model, dict]:
    """The shipped ``models/default.keras`` and its sidecar, as a Keras model."""
    return load_model(storage.DEFAULT_MODEL_PATH)


def model_to_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a ``.keras`` file, for a download button."""
    return keras_model_bytes(model)
