"""What the Home page's lesson shows about MNIST Lab's own code, without importing Keras.

- ``source_of``: the source of a function or class of ``mnist_core``, read from its file
  with ``ast`` (so showing ``build_model`` or ``train`` never imports TensorFlow).
- ``SOURCES``: which of those definitions each step of the lesson shows, with a note, and
  ``source_text`` to read one (a whole definition, or an excerpt of it).
- ``network_layers`` and ``compile_settings``: the layers ``build_model`` builds for a
  config (name, type, output shape, activation, parameter count) and what it compiles
  with, derived from the config alone. tests/test_lesson.py checks them against Keras.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mnist_core.config import IMAGE_PIXELS, NUM_CLASSES, ModelConfig, dense_parameters, display_path

INPUT_NAME = "pixels"  # build_model's names (mnist_core/training/worker/model.py)
OUTPUT_NAME = "digit"
OPTIMIZER_CLASSES = {"rmsprop": "RMSprop", "adam": "Adam", "sgd": "SGD"}  # Keras' class names
LOSS = "sparse_categorical_crossentropy"
METRICS = ("accuracy",)


@lru_cache(maxsize=64)
def source_of(module: str, qualname: str) -> str:
    """The source of ``module``'s ``qualname`` (e.g. "DenseNetwork.probabilities"), decorators
    included and dedented, headed by its repo-relative file ("# mnist_core/training/worker/model.py").

    Reads the file; never imports ``module``. Raises ``LookupError`` when it is not there.
    """
    path = module_file(module)
    text = path.read_text(encoding="utf-8")
    node = _find_definition(ast.parse(text), qualname.split("."))
    if node is None:
        raise LookupError(f"{qualname} is not defined in {module}.")
    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
    lines = text.splitlines()[first - 1 : node.end_lineno]
    indent = len(lines[0]) - len(lines[0].lstrip())
    body = "\n".join(line[indent:] for line in lines)
    return f"# {display_path(path)}\n{body}\n"


def source_excerpt(module: str, qualname: str, first_line_marker: str, last_line: str) -> str:
    """The lines of a definition from the first one containing ``first_line_marker`` to the
    next one equal to ``last_line`` (as written in the file, before dedenting), dedented."""
    lines = source_of(module, qualname).splitlines()[1:]
    start = next((i for i, line in enumerate(lines) if first_line_marker in line), None)
    if start is None:
        raise LookupError(f"{first_line_marker!r} is not in {module}.{qualname}.")
    end = next((i for i in range(start, len(lines)) if lines[i] == last_line), len(lines) - 1)
    indent = len(lines[start]) - len(lines[start].lstrip())
    return "\n".join(line[indent:] for line in lines[start : end + 1])


def module_file(module: str) -> Path:
    """The .py file of ``module`` (its parent packages are imported, the module itself is not)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise LookupError(f"No Python source for module {module}.")
    return Path(spec.origin).resolve()


def _find_definition(tree: ast.AST, names: list[str]):
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == names[0]:
            return node if len(names) == 1 else _find_definition(node, names[1:])
    return None


@dataclass(frozen=True)
class Source:
    """A definition of MNIST Lab's own code shown beside a step ("module:qualname"), or the
    excerpt of it from the line containing ``from_line`` to the next line equal to ``to_line``."""

    target: str
    from_line: str | None = None
    to_line: str | None = None


SOURCES = {  # per step: what MNIST Lab runs for it, and a note above the code
    "load": ((Source("mnist_core.data.mnist:load_mnist"),),
             "MNIST Lab reads a local copy when `MNIST_PATH` is set, else Keras' download, and "
             "checks what it read. The page caches the arrays once per server, read-only."),
    "shapes": ((Source("mnist_core.data.mnist:validate_mnist"),),
               "MNIST Lab refuses data that does not have these shapes, this dtype and labels 0–9:"),
    "build": ((Source("mnist_core.training.worker.model:build_model"),),
              "The same network with Keras' Functional API. The lesson's preset has one hidden "
              "layer of 512, no dropout and no augmentation, so only the Input, `hidden_1` and "
              "`digit` layers are built:"),
    "compile": ((Source("mnist_core.training.worker.model:build_model", "model.compile(", "    )"),
                 Source("mnist_core.training.worker.model:make_optimizer")),
                "`build_model` compiles the network it builds; the optimizer comes from the config:"),
    "prepare": ((Source("mnist_core.serving.network:flatten_and_scale"),),
                "One function, used for training, evaluation and prediction alike:"),
    "fit": ((Source("mnist_core.training.worker.fit:train"),),
            "`train` builds the network, calls Keras' `fit` and reports progress through callbacks. "
            "It runs in the server's training worker; this page and Train draw what it reports:"),
    "predict": ((Source("mnist_core.serving.network:DenseNetwork.probabilities"),),
                "MNIST Lab predicts with the trained weights in NumPy, without Keras: the same "
                "arithmetic as the Dense layers, for one image or ten thousand:"),
    "evaluate": ((Source("mnist_core.serving.evaluation:evaluate"),
                  Source("mnist_core.serving.evaluation:evaluate_probabilities")),
                 "One prediction pass gives loss, accuracy and the confusion matrix; it runs once "
                 "per model and is reused by every page:"),
}  # fmt: skip


def source_text(source: Source) -> str:
    """The code ``source`` names, headed by its file; an excerpt is headed "part of <name>"."""
    module, qualname = source.target.split(":")
    if source.from_line is None:
        return source_of(module, qualname)
    where = display_path(module_file(module))
    return f"# part of {qualname} ({where})\n" + source_excerpt(
        module, qualname, source.from_line, source.to_line
    )


def network_layers(config: ModelConfig) -> list[dict]:
    """One row per layer ``build_model(config)`` builds, as Keras' summary reports it.

    Keys: "layer" (name), "type" (Keras class), "output shape" ("(None, 512)"),
    "activation" (or "—"), "parameters" (int). The augmentation block's layers have no
    weights and keep 784 values; Dropout keeps the width.
    """
    rows = [_row(INPUT_NAME, "InputLayer", 784, "—", 0)]
    if config.augment:
        rows += [
            _row("as_image", "Reshape", (28, 28, 1), "—", 0),
            _row("rotate", "RandomRotation", (28, 28, 1), "—", 0),
            _row("zoom", "RandomZoom", (28, 28, 1), "—", 0),
            _row("shift", "RandomTranslation", (28, 28, 1), "—", 0),
            _row("flatten", "Flatten", 784, "—", 0),
        ]
    width = IMAGE_PIXELS
    for index, units in enumerate(config.hidden_units, start=1):
        parameters = dense_parameters(width, units)
        rows.append(_row(f"hidden_{index}", "Dense", units, config.activation, parameters))
        if config.dropout:
            rows.append(_row(f"dropout_{index}", "Dropout", units, "—", 0))
        width = units
    rows.append(_row(OUTPUT_NAME, "Dense", NUM_CLASSES, "softmax", dense_parameters(width, NUM_CLASSES)))
    return rows


def _row(name: str, kind: str, width, activation: str, parameters: int) -> dict:
    shape = (None, *width) if isinstance(width, tuple) else (None, width)
    return {"layer": name, "type": kind, "output shape": str(shape), "activation": activation,
            "parameters": parameters}


def compile_settings(config: ModelConfig) -> dict:
    """What ``build_model`` compiles with: optimizer class name, initial learning rate,
    loss and metrics, e.g. {"optimizer": "RMSprop", "learning_rate": 0.001, ...}."""
    return {
        "optimizer": OPTIMIZER_CLASSES[config.optimizer],
        "learning_rate": float(config.learning_rate),
        "loss": LOSS,
        "metrics": list(METRICS),
    }


def lesson_model_facts(config: ModelConfig) -> dict:
    """Layers, total parameter count and compile settings of the network for ``config``."""
    layers = network_layers(config)
    return {"layers": layers, "total": sum(layer["parameters"] for layer in layers),
            **compile_settings(config)}
