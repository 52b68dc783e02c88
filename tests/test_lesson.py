"""mnist_core.lesson.source: the Home lesson's source tabs and network facts, without Keras."""

import inspect
import subprocess
import sys

import numpy as np
import pytest

from mnist_core import PRESETS, ModelConfig, TrainingHistory
from mnist_core.lesson import printouts
from mnist_core.lesson import source as lesson
from mnist_core.lesson.source import lesson_model_facts, source_excerpt, source_of
from mnist_core.text import lesson as lesson_text
from tests.test_lesson_text import LAYERS

CONFIGS = {
    "seed": PRESETS["seed"],
    "best": PRESETS["best"],
    "three layers, dropout, tanh": ModelConfig(hidden_units=(64, 32, 16), dropout=0.3, activation="tanh",
                                               optimizer="sgd", learning_rate=0.05),
    "no hidden layer": ModelConfig(hidden_units=()),
}


def test_the_seed_models_facts_are_the_books_network():
    """Without Keras (the fast loop's check; the slow test below compares every config with the
    model Keras builds): Chollet's network, 784 -> 512 relu -> 10 softmax, has 784 * 512 + 512 and
    512 * 10 + 10 parameters, 407,050 in all, compiled with RMSprop on sparse categorical cross-entropy."""
    facts = lesson_model_facts(PRESETS["seed"])
    assert [(layer["type"], layer["output shape"], layer["activation"], layer["parameters"])
            for layer in facts["layers"]] == [("InputLayer", "(None, 784)", "—", 0),
                                              ("Dense", "(None, 512)", "relu", 784 * 512 + 512),
                                              ("Dense", "(None, 10)", "softmax", 512 * 10 + 10)]
    assert facts["total"] == 407_050
    assert (facts["optimizer"], facts["loss"], facts["metrics"]) == (
        "RMSprop", "sparse_categorical_crossentropy", ["accuracy"])


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_facts_equal_what_keras_builds(config):
    from mnist_core import build_model

    model = build_model(config)
    facts = lesson_model_facts(config)
    assert facts["layers"] == [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": str(tuple(layer.output.shape)),
            "activation": getattr(getattr(layer, "activation", None), "__name__", "—"),
            "parameters": int(layer.count_params()),
        }
        for layer in model.layers
    ]
    assert facts["total"] == model.count_params()
    compiled = model.get_compile_config()
    assert facts["optimizer"] == compiled["optimizer"]["class_name"]
    assert facts["loss"] == compiled["loss"]
    assert facts["metrics"] == list(compiled["metrics"])
    if config.schedule == "constant":
        assert facts["learning_rate"] == pytest.approx(compiled["optimizer"]["config"]["learning_rate"])


# inspect needs the module imported: the worker's modules import Keras, so they are slow.
@pytest.mark.parametrize("module, qualname", [
    pytest.param("mnist_core.training.worker.model", "build_model", marks=pytest.mark.slow),
    pytest.param("mnist_core.training.worker.model", "make_optimizer", marks=pytest.mark.slow),
    pytest.param("mnist_core.training.worker.fit", "train", marks=pytest.mark.slow),
    ("mnist_core.data.mnist", "load_mnist"),
    ("mnist_core.serving.network", "DenseNetwork.probabilities"),
])
def test_source_equals_inspect(module, qualname):
    import importlib

    target = importlib.import_module(module)
    for name in qualname.split("."):
        target = getattr(target, name)
    text = source_of(module, qualname)
    header, body = text.split("\n", 1)
    assert header == f"# {module.replace('.', '/')}.py"
    assert body == _dedent(target)


def _dedent(target) -> str:
    lines = inspect.getsource(target).splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    return "\n".join(line[indent:] for line in lines) + "\n"


def test_excerpt_and_missing_names():
    excerpt = source_excerpt("mnist_core.training.worker.model", "build_model", "model.compile(", "    )")
    assert excerpt.startswith("model.compile(") and excerpt.endswith(")")
    assert "loss=\"sparse_categorical_crossentropy\"" in excerpt
    with pytest.raises(LookupError):
        source_of("mnist_core.training.worker.model", "no_such_function")
    with pytest.raises(LookupError):
        source_excerpt("mnist_core.training.worker.model", "build_model", "no such line", ")")


def test_reading_sources_and_facts_imports_no_keras():
    code = (
        "import sys; from mnist_core import PRESETS; "
        "from mnist_core.lesson.source import lesson_model_facts, source_of; "
        "source_of('mnist_core.training.worker.model', 'build_model'); "
        "source_of('mnist_core.training.worker.fit', 'train'); "
        "lesson_model_facts(PRESETS['best']); "
        "print(sorted(name for name in ('keras', 'tensorflow') if name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_every_step_shows_the_lessons_code_and_existing_sources_of_mnist_core():
    assert set(lesson_text.CODE) == set(lesson.SOURCES)
    for sources, note in lesson.SOURCES.values():
        assert note and sources
        for source in sources:
            module, qualname = source.target.split(":")
            text = lesson.source_of(module, qualname)
            assert text.startswith(f"# {module.replace('.', '/')}.py\n")
            assert lesson.source_text(source).startswith(("# mnist_core/", "# part of "))
            if source.from_line:
                assert lesson.source_excerpt(module, qualname, source.from_line, source.to_line).startswith(
                    source.from_line
                )


def test_shapes_printout_prints_shapes_dtypes_and_labels(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    text = printouts.shapes_printout(x_train, y_train, x_test, y_test)
    assert ">>> train_images.shape\n(60000, 28, 28)" in text
    assert ">>> len(train_labels)\n60000" in text
    assert ">>> test_images.shape\n(10000, 28, 28)" in text
    assert "dtype('uint8')" in text and "array([7, 2, 1, ..., 4, 5, 6]" in text
    book = printouts.shapes_printout(x_train, y_train, x_test, y_test, every_array=False)
    assert book.splitlines()[::2] == [
        ">>> train_images.shape",
        ">>> len(train_labels)",
        ">>> train_labels",
        ">>> test_images.shape",
        ">>> len(test_labels)",
        ">>> test_labels",
    ]


def test_network_diagram_is_a_chain_from_pixels_to_ten_probabilities():
    dot = printouts.network_diagram(LAYERS)
    assert dot.startswith("digraph {") and dot.endswith("}")
    assert 'n0 [label="pixels\\n784 pixel values"]' in dot
    assert "hidden_1\\nDense · 512 units · relu\\n401,920 weights" in dot
    assert 'n3 [label="10 probabilities' in dot and "n2 -> n3;" in dot and "n3 -> n4" not in dot


def test_prediction_printout_is_the_lessons_console_for_test_image_0():
    probabilities = np.full(10, 0.01, dtype=np.float32)
    probabilities[7] = 0.91
    text = printouts.prediction_printout(probabilities, 7)
    assert text.startswith(">>> predictions[0]\narray([0.01, 0.01")
    assert ">>> predictions[0].argmax()\n7\n" in text and ">>> predictions[0][7]\n0.9100" in text
    assert text.endswith(">>> test_labels[0]\n7")


def test_recorded_training_reads_a_sidecar_and_survives_a_bad_one():
    history, config = printouts.recorded_training(
        {"config": {"epochs": 3}, "history": {"epoch": [1, 2, 3]}}
    )
    assert config == ModelConfig(epochs=3) and history.epoch == [1, 2, 3]
    assert printouts.recorded_training({"config": {"epochs": 0}}) == (TrainingHistory(), None)
    assert printouts.recorded_training({}) == (TrainingHistory(), None)
