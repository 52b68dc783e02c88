"""Saved models: a ``.keras`` file plus a JSON sidecar with config, history and metrics."""

from __future__ import annotations

import datetime
import json
import os
import platform
import tempfile
import zipfile
from pathlib import Path

import keras
import numpy as np

from .errors import ModelFileError

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "default.keras"


def sidecar_path(path: str | os.PathLike) -> Path:
    """``models/x.keras`` -> ``models/x.json``."""
    return Path(path).with_suffix(".json")


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
        raise ModelFileError(
            f"No model file at {path}. Train one with `python -m mnist_core.train` or on the "
            "Train page."
        )
    try:
        model = keras.saving.load_model(path, compile=True, safe_mode=True)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        shown = _display_path(path)
        raise ModelFileError(
            f"{shown} exists but Keras cannot read it as a model ({type(error).__name__}); the "
            "file is corrupt or from an incompatible version; restore it (`git checkout -- "
            f"{shown}`) or retrain it with `python -m mnist_core.train --preset best --out {shown}`."
        ) from error
    if tuple(model.input_shape) != (None, 784) or tuple(model.output_shape) != (None, 10):
        raise ModelFileError(
            f"{path.name} maps {model.input_shape} to {model.output_shape}; an MNIST model "
            "maps (None, 784) to (None, 10)."
        )
    return model, _read_sidecar(path)


def _display_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it (models/default.keras), else as is."""
    try:
        return str(path.resolve().relative_to(MODELS_DIR.parent))
    except ValueError:
        return str(path)


def _read_sidecar(path: Path) -> dict:
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        return json.loads(sidecar.read_text())
    except (OSError, ValueError) as error:
        raise ModelFileError(f"{sidecar.name} is not valid JSON ({error}).") from error


def load_default_model() -> tuple[keras.Model, dict]:
    """The shipped ``models/default.keras`` and its sidecar."""
    return load_model(DEFAULT_MODEL_PATH)


def model_to_bytes(model: keras.Model) -> bytes:
    """The model as the bytes of a ``.keras`` file, for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "model.keras"
        model.save(file)
        return file.read_bytes()
