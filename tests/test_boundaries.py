"""The architecture's import boundaries, read from the source with ``ast`` (nothing is imported).

- Only ``mnist_core/training/worker/`` imports Keras or TensorFlow: the server (pages, ``ui``,
  the rest of ``mnist_core``) runs on NumPy, and once ``keras`` is in ``sys.modules`` Streamlit
  runs ``keras.backend.clear_session()`` after every script run of every session.
- ``mnist_core`` never imports Streamlit: the engine is plain functions, tested without it.
- No import cycle between the modules of ``mnist_core``, nor between its packages.
- Tests and benchmarks never import each other: what both need (starting the app and Chromium,
  drawing on the canvas, reading /proc) lives in ``harness/``.

Imports are found at any depth (inside functions too), whether written ``import keras``,
``from tensorflow import ...``, ``from keras.src import ...`` or ``importlib.import_module("keras")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.apptest import ROOT

ENGINE = ROOT / "mnist_core"
WORKER = ENGINE / "training" / "worker"
SERVER_SOURCES = [ROOT / "app.py", *sorted((ROOT / "app_pages").rglob("*.py")),
                  *sorted((ROOT / "ui").rglob("*.py"))]
KERAS_ROOTS = {"keras", "tensorflow", "tf_keras"}


def module_name(path: Path) -> str:
    """``mnist_core/serving/network.py`` -> ``mnist_core.serving.network`` (packages drop ``__init__``)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, name: str, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, absolute, at any depth; ``name`` resolves relative imports."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from mnist_core.serving import network` imports the module mnist_core.serving.network
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.add(node.args[0].value)
    return found


def roots(modules: set[str]) -> set[str]:
    return {module.split(".")[0] for module in modules}


def engine_modules() -> dict[str, set[str]]:
    """mnist_core's modules -> the mnist_core modules each imports (packages as their __init__)."""
    paths = sorted(ENGINE.rglob("*.py"))
    names = {module_name(path) for path in paths}
    graph = {}
    for path in paths:
        name = module_name(path)
        imported = imported_modules(path.read_text(), name, path.name == "__init__.py")
        graph[name] = {module for module in imported if module in names and module != name}
    return graph


def keras_importers(paths: list[Path]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths
            if roots(imported_modules(path.read_text(), module_name(path))) & KERAS_ROOTS]


def test_only_the_training_worker_imports_keras_or_tensorflow():
    outside = [path for path in [*ENGINE.rglob("*.py"), *SERVER_SOURCES] if WORKER not in path.parents]
    assert keras_importers(outside) == []


def test_the_worker_does_import_keras_so_the_check_can_see_it():
    assert keras_importers(sorted(WORKER.rglob("*.py")))  # fit, model, keras_files, cli


@pytest.mark.parametrize("statement", [
    "import keras", "import tensorflow as tf", "from keras import layers",
    "from tensorflow.keras import layers",
    "def f():\n    import keras.src.ops", "import importlib\nimportlib.import_module('tensorflow')",
])
def test_a_stray_keras_import_in_a_serving_module_is_caught(tmp_path, monkeypatch, statement):
    serving = tmp_path / "mnist_core" / "serving"
    serving.mkdir(parents=True)
    module = serving / "network.py"
    module.write_text((ENGINE / "serving" / "network.py").read_text() + "\n" + statement + "\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert keras_importers([module]) == ["mnist_core/serving/network.py"]


def test_the_engine_never_imports_streamlit():
    offenders = [str(path.relative_to(ROOT)) for path in sorted(ENGINE.rglob("*.py"))
                 if "streamlit" in roots(imported_modules(path.read_text(), module_name(path)))]
    assert offenders == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == "open":
                return stack[stack.index(successor):] + [successor]
            if successor not in state:
                cycle = visit(successor)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def package_of(module: str) -> str:
    """The package a module belongs to, one level under mnist_core (``mnist_core.training.worker.fit``
    -> ``mnist_core.training``); modules at the top (config, errors) are their own package."""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_import_cycle_between_modules():
    graph = {name: {module for module in imported if not name.startswith(module + ".")}
             for name, imported in engine_modules().items()
             if name != "mnist_core"}  # the package's lazy public API imports on first use only
    assert find_cycle(graph) is None


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for name, imported in engine_modules().items():
        if name == "mnist_core":
            continue
        source = package_of(name)
        graph.setdefault(source, set()).update(
            package_of(module) for module in imported if package_of(module) not in (source, "mnist_core"))
    assert find_cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def importers_of(folder: str, forbidden: set[str]) -> list[str]:
    """Files under ``folder`` that import one of the top-level packages ``forbidden``."""
    return [str(path.relative_to(ROOT)) for path in sorted((ROOT / folder).rglob("*.py"))
            if roots(imported_modules(path.read_text(), module_name(path))) & forbidden]


def test_tests_and_benchmarks_never_import_each_other_and_share_only_the_harness():
    assert importers_of("tests", {"benchmarks"}) == []
    assert importers_of("benchmarks", {"tests"}) == []
    assert importers_of("harness", {"tests", "benchmarks"}) == []
