"""Saved models, read without Keras: a ``.keras`` file as a ``DenseNetwork`` plus its JSON
sidecar (config, history, test metrics). Writing and Keras loading are in ``storage_keras``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mnist_core.config import MODELS_DIR, display_path
from mnist_core.errors import ModelFileError
from mnist_core.serving.classifier import read_classifier
from mnist_core.serving.convnet import ConvNetwork
from mnist_core.serving.network import DenseNetwork

DEFAULT_MODEL_PATH = MODELS_DIR / "default.keras"


def sidecar_path(path: str | os.PathLike) -> Path:
    """``models/x.keras`` -> ``models/x.json``."""
    return Path(path).with_suffix(".json")


def missing_model_message(path: Path) -> str:
    """The fact only: what to do is ``mnist_core.text.runs.NO_MODEL_HELP``, the one help pages show."""
    return f"No model file at {display_path(path)}."


def unreadable_model_message(path: Path, reason: str) -> str:
    """The fact only (see ``missing_model_message``)."""
    return (f"{display_path(path)} exists but cannot be read as a model ({reason}): the file is corrupt or "
            "from an incompatible version.")


def read_sidecar(path: str | os.PathLike) -> dict:
    """The JSON sidecar of a model file, or ``{}`` when there is none. Raises ModelFileError."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return {}
    try:
        return json.loads(sidecar.read_text())
    except (OSError, ValueError) as error:
        raise ModelFileError(f"{sidecar.name} is not valid JSON ({error}).") from error


def load_network(path: str | os.PathLike) -> tuple[DenseNetwork | ConvNetwork, dict]:
    """A ``.keras`` file as a NumPy ``DenseNetwork`` (or ``ConvNetwork``), and its sidecar
    (``{}`` if absent).

    Imports no Keras. Raises ``ModelFileError`` when the file is missing, corrupt, or not a
    network from 784 pixels to 10 classes MNIST Lab can run.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(missing_model_message(path))
    try:
        network = read_classifier(path.read_bytes(), name=str(path))
    except OSError as error:
        raise ModelFileError(unreadable_model_message(path, str(error))) from error
    except ModelFileError as error:
        raise ModelFileError(unreadable_model_message(path, str(error))) from error
    return network, read_sidecar(path)


def load_default_network() -> tuple[DenseNetwork, dict]:
    """The shipped ``models/default.keras`` as a ``DenseNetwork``, and its sidecar."""
    return load_network(DEFAULT_MODEL_PATH)
