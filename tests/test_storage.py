"""Saved models: .keras + JSON sidecar round trip, broken files, the shipped default."""

import io
import json
import zipfile

import keras
import numpy as np
import pytest

from mnist_core import (
    DEFAULT_MODEL_PATH,
    DenseNetwork,
    ModelConfig,
    ModelFileError,
    TrainingHistory,
    build_metadata,
    build_model,
    evaluate,
    flatten_and_scale,
    load_default_model,
    load_model,
    model_to_bytes,
    save_model,
)

CONFIG = ModelConfig(hidden_units=(32, 16), dropout=0.1, optimizer="adam", schedule="cosine", epochs=2)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small untrained model saved with a sidecar: (path, model, metadata)."""
    keras.utils.set_random_seed(3)
    model = build_model(CONFIG)
    model.optimizer.build(model.trainable_variables)  # as after training: its state is saved too
    history = TrainingHistory(batch_step=[1, 2], batch_loss=[2.3, 2.1], batch_accuracy=[0.1, 0.2],
                              epoch=[1], loss=[2.2], accuracy=[0.15], val_loss=[2.0], val_accuracy=[0.3],
                              epoch_end_step=[2])
    history.templates.add(0, model.layers[1].get_weights()[0])
    metadata = build_metadata(CONFIG, history, {"loss": 2.0, "accuracy": 0.3}, status="completed")
    path = save_model(model, tmp_path_factory.mktemp("models") / "small.keras", metadata)
    return path, model, metadata


@pytest.fixture(scope="module")
def images(mnist):
    return flatten_and_scale(mnist[1][0][:200])


def test_save_then_load_gives_the_same_predictions(saved, images):
    path, model, _ = saved
    loaded, _ = load_model(path)
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
    assert loaded.optimizer.__class__ is model.optimizer.__class__  # compiled: ready to evaluate or train


def test_sidecar_round_trips_config_history_and_test(saved):
    path, _, metadata = saved
    assert path.with_suffix(".json").is_file()
    _, loaded = load_model(path)
    assert ModelConfig.from_dict(loaded["config"]) == CONFIG
    assert TrainingHistory.from_dict(loaded["history"]).val_accuracy == [0.3]
    assert TrainingHistory.from_dict(loaded["history"]).templates.epochs == [0]
    assert loaded["test"] == {"loss": 2.0, "accuracy": 0.3}
    assert loaded["status"] == "completed" and loaded["created"] == metadata["created"]
    assert {"python", "keras", "tensorflow", "numpy"} <= set(loaded["versions"])
    assert loaded["versions"]["keras"] == keras.__version__


def test_save_leaves_no_temporary_files(saved):
    path, _, _ = saved
    assert sorted(file.name for file in path.parent.iterdir()) == ["small.json", "small.keras"]


def test_sidecar_keeps_nan_of_a_diverged_run(tmp_path, saved):
    _, model, _ = saved
    path = save_model(model, tmp_path / "nan.keras", build_metadata(CONFIG, {"loss": [float("nan")]}))
    _, metadata = load_model(path)
    assert np.isnan(metadata["history"]["loss"][0])


def test_model_without_sidecar_loads_with_empty_metadata(tmp_path, saved):
    _, model, _ = saved
    path = save_model(model, tmp_path / "bare.keras")
    path.with_suffix(".json").unlink()
    assert load_model(path)[1] == {}


def test_model_to_bytes_is_a_loadable_keras_file(tmp_path, saved, images):
    _, model, _ = saved
    data = model_to_bytes(model)
    assert zipfile.is_zipfile(io.BytesIO(data))
    (tmp_path / "download.keras").write_bytes(data)
    loaded, _ = load_model(tmp_path / "download.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)


def test_save_refuses_other_suffixes(tmp_path, saved):
    with pytest.raises(ModelFileError, match="must end in .keras"):
        save_model(saved[1], tmp_path / "model.h5")


# ---------------------------------------------------------------- broken files


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="No model file") as caught:
        load_model(tmp_path / "absent.keras")
    assert "absent.keras" in str(caught.value)  # the fact and the path; the pages add NO_MODEL_HELP


def _zip_with_text() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a model")
    return buffer.getvalue()


BROKEN = {
    "random bytes": lambda good: np.random.default_rng(0).bytes(4096),
    "empty": lambda good: b"",
    "truncated zip": lambda good: good[: len(good) // 2],
    "zip without a model": lambda good: _zip_with_text(),
    "json text": lambda good: b'{"config": {}}',
}


@pytest.mark.parametrize("damage", BROKEN.values(), ids=BROKEN.keys())
def test_corrupt_file_raises_model_file_error(tmp_path, saved, damage):
    path = tmp_path / "broken.keras"
    path.write_bytes(damage(saved[0].read_bytes()))
    with pytest.raises(ModelFileError, match="broken.keras exists but cannot be read as a model"):
        load_model(path)


def test_corrupt_sidecar_raises_model_file_error(tmp_path, saved):
    path = save_model(saved[1], tmp_path / "m.keras", {"a": 1})
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(ModelFileError, match="m.json is not valid JSON"):
        load_model(path)


def test_model_of_the_wrong_shape_is_refused(tmp_path):
    inputs = keras.Input(shape=(100,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.save(tmp_path / "other.keras")
    with pytest.raises(ModelFileError, match=r"an MNIST model maps \(None, 784\) to \(None, 10\)"):
        load_model(tmp_path / "other.keras")


def test_unsafe_lambda_layer_is_refused(tmp_path):
    inputs = keras.Input(shape=(784,))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Lambda(lambda x: x * 2)(inputs))
    keras.Model(inputs, outputs).save(tmp_path / "lambda.keras")
    with pytest.raises(ModelFileError, match="lambda.keras exists but cannot be read as a model"):
        load_model(tmp_path / "lambda.keras")  # safe mode: no arbitrary code from a file


# ---------------------------------------------------------------- the shipped default


def test_default_model_loads_and_classifies(mnist):
    model, metadata = load_default_model()
    assert DEFAULT_MODEL_PATH.name == "default.keras" and DEFAULT_MODEL_PATH.is_file()
    assert tuple(model.input_shape) == (None, 784) and tuple(model.output_shape) == (None, 10)
    config = ModelConfig.from_dict(metadata["config"])
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [
        *config.hidden_units, 10]
    _, (x_test, y_test) = mnist
    accuracy = evaluate(DenseNetwork.from_keras_model(model), x_test[:2000], y_test[:2000]).accuracy
    assert accuracy > 0.95
    assert metadata["test"]["accuracy"] >= 0.97  # what its trainer measured on all 10,000
    json.dumps(metadata)  # the sidecar is plain JSON data
