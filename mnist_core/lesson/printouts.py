"""What the lesson's Python session prints, computed from the real arrays, model and files: the
arrays' shapes, the first prediction, the accuracy, the prepared input's facts, the built network
as a diagram, and a saved model's recorded training. Values, not sentences (those are
``mnist_core.text.lesson``'s); no Streamlit, no Keras."""

from __future__ import annotations

import numpy as np

from mnist_core.config import ACCENT_COLOUR, ACCENT_PALE_COLOUR, EDGE_COLOUR, NUM_CLASSES, ModelConfig
from mnist_core.serving.network import flatten_and_scale
from mnist_core.training.record import TrainingHistory

LESSON_NAMES = (  # the lesson's variable names for x_train, y_train, x_test, y_test, in order
    "train_images",
    "train_labels",
    "test_images",
    "test_labels",
)


def shapes_printout(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    every_array: bool = True,
) -> str:
    """What the lesson's session prints about the four arrays, computed from them.

    ``every_array`` adds each array's dtype and the labels' shapes to the book's own lines
    (images' shape, number of labels, the labels).
    """
    lines = []
    for name, array in zip(LESSON_NAMES, (x_train, y_train, x_test, y_test), strict=True):
        is_labels = name.endswith("labels")
        if not is_labels or every_array:
            lines += [f">>> {name}.shape", repr(tuple(array.shape))]
        if every_array and not is_labels:
            lines += [f">>> {name}.dtype", repr(array.dtype)]
        if is_labels:
            lines += [f">>> len({name})", str(len(array)), f">>> {name}", repr(array)]
    return "\n".join(lines)


def prediction_printout(probabilities: np.ndarray, label: int) -> str:
    """The lesson's lines about test image 0, with this model's probabilities (10,) float."""
    best = int(probabilities.argmax())
    with np.printoptions(precision=3, linewidth=54):
        printed = repr(probabilities)
    return (
        f">>> predictions[0]\n{printed}\n>>> predictions[0].argmax()\n{best}\n"
        f">>> predictions[0][{best}]\n{probabilities[best]:.4f}\n>>> test_labels[0]\n{label}"
    )


def accuracy_printout(accuracy: float) -> str:
    """The lesson's last line and what it prints."""
    return f'>>> print(f"test_acc: {{test_acc}}")\ntest_acc: {accuracy:.4f}'


def prepared_facts(images: np.ndarray) -> dict:
    """Shape, dtype and range of ``flatten_and_scale(images)`` for uint8 images (N, 28, 28),
    and its first row (784,) float32, read-only."""
    prepared = flatten_and_scale(images)
    first = prepared[0].copy()
    first.flags.writeable = False
    return {
        "shape": str(prepared.shape),
        "dtype": str(prepared.dtype),
        "min": float(prepared.min()),
        "max": float(prepared.max()),
        "first": first,
    }


def network_diagram(layers: list[dict]) -> str:
    """Graphviz DOT of the built layers, top to bottom, ending in the ten probabilities.

    ``layers``: one dict per layer with "layer" (name), "type" ("InputLayer" or "Dense"),
    "output shape" (e.g. "(None, 512)"), "activation" and "parameters".
    """
    nodes = []
    for layer in layers:
        width = layer["output shape"].strip("()").split(",")[-1].strip()
        if layer["type"] == "InputLayer":
            text = f"{layer['layer']}\\n{width} pixel values"
        else:
            text = (
                f"{layer['layer']}\\nDense · {width} units · {layer['activation']}"
                f"\\n{layer['parameters']:,} weights"
            )
        nodes.append(text)
    nodes.append(f"{NUM_CLASSES} probabilities\\none per digit 0–9")
    lines = [
        "digraph {",
        '  rankdir=TB; bgcolor="transparent"; ranksep=0.25;',
        f'  node [shape=box, style="rounded,filled", fillcolor="{ACCENT_PALE_COLOUR}", '
        f'color="{ACCENT_COLOUR}", fontname="sans-serif", fontsize=11];',
        f'  edge [color="{EDGE_COLOUR}", arrowsize=0.7];',
    ]
    lines += [f'  n{index} [label="{text}"];' for index, text in enumerate(nodes)]
    lines += [f"  n{index} -> n{index + 1};" for index in range(len(nodes) - 1)]
    return "\n".join([*lines, "}"])


def recorded_training(metadata: dict) -> tuple[TrainingHistory, ModelConfig | None]:
    """The training curves and settings a saved model's sidecar (``default.json``) records."""
    try:
        config = ModelConfig.from_dict(metadata["config"]) if metadata.get("config") else None
    except (TypeError, ValueError):
        return TrainingHistory(), None
    return TrainingHistory.from_dict(metadata.get("history") or {}), config
