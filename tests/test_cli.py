"""The command-line trainer, `python -m mnist_core`, as a user runs it."""

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_core import load_model
from mnist_core.cli import main


def cli_main(argv: list[str]) -> int:
    """``python -m mnist_core ARGV`` in this process, as mnist_core/__main__.py dispatches it."""
    from mnist_core.__main__ import main as dispatch

    return dispatch(argv)

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*arguments: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnist_core", *arguments],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=timeout,
    )


@pytest.mark.slow  # a fresh Python importing TensorFlow; test_cli_out_folder_gets_model_keras is in-process
def test_cli_trains_reports_and_saves(tmp_path):
    out = tmp_path / "cli.keras"
    done = run_cli("--epochs", "1", "--train-size", "1000", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Epoch 1/1" in done.stdout and "val_accuracy" in done.stdout  # per-epoch progress
    printed = re.search(r"Test accuracy: (0\.\d{4})", done.stdout)
    assert printed and float(printed.group(1)) > 0.5
    assert out.is_file() and out.with_suffix(".json").is_file()
    model, metadata = load_model(out)
    assert metadata["config"]["epochs"] == 1 and metadata["config"]["train_size"] == 1000
    assert metadata["status"] == "completed"
    assert f"{metadata['test']['accuracy']:.4f}" == printed.group(1)
    assert len(metadata["history"]["epoch"]) == 1


def test_cli_bad_data_path_exits_with_a_clear_message(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "nowhere.npz"), "--out", str(tmp_path / "m.keras")]) == 2
    stderr = capsys.readouterr().err
    assert "error:" in stderr and "does not exist" in stderr and "MNIST_PATH" in stderr
    assert not list(tmp_path.iterdir())


def test_python_dash_m_mnist_core_runs_the_cli(monkeypatch, capsys):
    """README's `python -m mnist_core`, as runpy runs it."""
    monkeypatch.setattr(sys, "argv", ["mnist_core", "--help"])
    # runpy warns when the module it is asked to run as __main__ was imported before (by
    # `cli_main` above); `python -m` starts without it.
    monkeypatch.delitem(sys.modules, "mnist_core.__main__", raising=False)
    with pytest.raises(SystemExit) as exited:
        runpy.run_module("mnist_core", run_name="__main__")
    assert exited.value.code == 0
    assert "usage: python -m mnist_core" in capsys.readouterr().out


def test_cli_out_folder_gets_model_keras(tmp_path, capsys):
    assert main(["--epochs", "1", "--train-size", "500", "--hidden", "32", "--out", str(tmp_path)]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.json", "model.keras"]
    assert json.loads((tmp_path / "model.json").read_text())["config"]["hidden_units"] == [32]
    assert "Saved" in capsys.readouterr().out


@pytest.mark.parametrize("arguments, words", [
    (["--out", "model.h5"], "--out must name a .keras file"),
    (["--dropout", "1.5"], "dropout must be in [0, 1)"),
    (["--hidden", "512,abc"], "invalid literal"),
    (["--train-size", "10"], "training-subset size must be 100 to 60000"),
], ids=["bad out", "bad dropout", "bad hidden", "tiny subset"])
def test_cli_bad_settings_exit_before_training(capsys, arguments, words):
    assert main(["--epochs", "1", *arguments]) == 2
    captured = capsys.readouterr()
    assert words in captured.err and "Model:" not in captured.out  # nothing trained


def test_cli_diverging_run_exits_1_and_saves_nothing(tmp_path, capsys):
    out = tmp_path / "bad.keras"
    arguments = ["--optimizer", "sgd", "--learning-rate", "1000", "--train-size", "1000", "--out", str(out)]
    assert main(arguments) == 1
    assert "diverged" in capsys.readouterr().out
    assert not out.exists()


def test_cli_ships_only_the_dense_chain_and_a_small_sidecar(tmp_path, mnist):
    """The best preset trains with dropout and augmentation: the saved file has neither, nor any
    optimizer state, loads with keras.models.load_model and predicts as the trained network."""
    import io
    import zipfile

    import h5py
    import keras
    import numpy as np

    from mnist_core import flatten_and_scale, load_network

    out = tmp_path / "best.keras"
    assert main(["--preset", "best", "--epochs", "2", "--train-size", "2000", "--out", str(out)]) == 0
    model = keras.models.load_model(out)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Dense", "Dense"]
    assert [layer.name for layer in model.layers[1:]] == ["hidden_1", "hidden_2", "digit"]
    with zipfile.ZipFile(out) as archive, h5py.File(io.BytesIO(archive.read("model.weights.h5"))) as weights:
        assert "optimizer" not in weights
    network, metadata = load_network(out)
    images = flatten_and_scale(mnist[1][0])
    np.testing.assert_allclose(network.probabilities(images), model.predict(images, verbose=0), atol=1e-5)
    history = metadata["history"]
    assert history["epoch"] == [1, 2] and len(history["val_accuracy"]) == 2
    assert history["batch_step"][-1] == history["epoch_end_step"][-1]  # the last batch is kept
    assert set(history["epoch_end_step"]) <= set(history["batch_step"])
    assert len(history["templates"]["epochs"]) == 3  # initial weights + one frame per epoch
    assert metadata["config"]["augment"] and metadata["config"]["dropout"] == 0.2  # the recipe trained


# --- subcommands for one's own digits --------------------------------------------------------------


@pytest.fixture
def digits_file(tmp_path, mnist):
    """A set of 40 MNIST test digits exported as the page exports it."""
    from mnist_core.digits.collection import DigitSet
    from mnist_core.digits.files import to_npz

    (_, _), (x_test, y_test) = mnist
    path = tmp_path / "mine.npz"
    path.write_bytes(to_npz(DigitSet.from_arrays(x_test[100:140], y_test[100:140])))
    return path


def test_evaluate_prints_accuracy_overall_and_per_digit(digits_file, capsys, mnist):
    from mnist_core.serving.evaluation import evaluate
    from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_default_network

    assert cli_main(["evaluate", "--model", str(DEFAULT_MODEL_PATH), "--digits", str(digits_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    (_, _), (x_test, y_test) = mnist
    expected = evaluate(load_default_network()[0], x_test[100:140], y_test[100:140])
    overall = re.search(r"mine\.npz: accuracy (\d\.\d{4}) \((\d+) of 40\)", lines[1])
    assert overall and float(overall.group(1)) == round(expected.accuracy, 4)
    assert [line.split(":")[0].strip() for line in lines[2:]] == [str(digit) for digit in range(10)]


def test_evaluate_explains_a_bad_digit_file(tmp_path, capsys):
    from mnist_core.serving.model_files import DEFAULT_MODEL_PATH

    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    assert cli_main(["evaluate", "--model", str(DEFAULT_MODEL_PATH), "--digits", str(bad)]) == 2
    assert "error: This is not an .npz file" in capsys.readouterr().err


def test_the_training_flags_still_work_beside_the_subcommands(capsys):
    with pytest.raises(SystemExit):
        cli_main(["--help"])
    out = capsys.readouterr().out
    assert "usage: python -m mnist_core" in out and "--preset" in out and "finetune" in out


@pytest.mark.slow
def test_finetune_prints_before_and_after_and_saves_the_tuned_model(digits_file, tmp_path):
    from mnist_core.serving.model_files import DEFAULT_MODEL_PATH

    out = tmp_path / "tuned.keras"
    done = run_cli("finetune", "--model", str(DEFAULT_MODEL_PATH), "--digits", str(digits_file),
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert re.search(r"Held-out digits \(\d+\): [01]\.\d{4} -> [01]\.\d{4}", done.stdout)
    assert re.search(r"MNIST test \(10,000\): 0\.\d{4} -> 0\.\d{4}", done.stdout)
    model, metadata = load_model(out)
    assert metadata["finetune"]["tune_count"] + metadata["finetune"]["held_count"] == 40
