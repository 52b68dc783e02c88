"""harness.environment: what tests, benchmarks and their app servers run with unless told otherwise."""

from __future__ import annotations

from harness import environment


def test_mnist_comes_from_the_shared_copy_when_the_caller_names_none(tmp_path, monkeypatch):
    shared = tmp_path / "mnist.npz"
    shared.write_bytes(b"")
    monkeypatch.setattr(environment, "SHARED_MNIST", shared)
    assert environment.with_defaults({})["MNIST_PATH"] == str(shared)
    assert environment.with_defaults({"MNIST_PATH": ""})["MNIST_PATH"] == str(shared)  # empty is unset


def test_what_the_caller_set_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "SHARED_MNIST", tmp_path / "mnist.npz")
    environ = {"MNIST_PATH": "/data/mnist.npz", "TF_CPP_MIN_LOG_LEVEL": "0"}
    assert environment.with_defaults(environ) is environ  # changed in place
    assert environ == {"MNIST_PATH": "/data/mnist.npz", "TF_CPP_MIN_LOG_LEVEL": "0"}


def test_without_a_shared_copy_mnist_stays_unset_and_tensorflow_is_quiet(tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "SHARED_MNIST", tmp_path / "missing.npz")
    assert environment.with_defaults({}) == {"TF_CPP_MIN_LOG_LEVEL": "2"}
