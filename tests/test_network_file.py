"""Reading a .keras file with NumPy (mnist_core.serving.network): input shapes, damaged files.

No Keras here; tests/test_inference.py checks the numbers against Keras' own predict.
"""

import io
import zipfile

import numpy as np
import pytest

from mnist_core import DenseNetwork, ModelFileError, flatten_and_scale
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_network


@pytest.fixture(scope="module")
def sample_images(mnist):
    return flatten_and_scale(mnist[1][0][:64])


@pytest.mark.parametrize("shape", [(7, 28, 28), (7, 784), (28, 28), (784,)])
def test_input_shapes(shape, sample_images):
    network, _ = load_network(DEFAULT_MODEL_PATH)
    images = sample_images[: max(1, int(np.prod(shape)) // 784)].reshape(shape)
    assert network.probabilities(images).shape == (max(1, int(np.prod(shape)) // 784), 10)
    with pytest.raises(ValueError, match=r"\(N, 28, 28\) or \(N, 784\)"):
        network.probabilities(np.zeros((3, 783), np.float32))


@pytest.mark.parametrize("damage", ["truncate", "not a zip", "no weights"])
def test_damaged_bytes_get_a_clear_error(damage):
    data = DEFAULT_MODEL_PATH.read_bytes()
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "not a zip":
        data = b"hello" * 100
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
            target.writestr("config.json", source.read("config.json"))
        data = buffer.getvalue()
    with pytest.raises(ModelFileError, match="not a .keras file|damaged|unreadable or missing weights"):
        DenseNetwork.from_keras_bytes(data)


@pytest.mark.parametrize("damage", ["truncate", "not a zip", "empty"])
def test_a_damaged_model_file_says_which_file_and_why(tmp_path, damage):
    """The message a page shows for the shipped file damaged: which file and what is wrong with it
    (what to do is NO_MODEL_HELP, shown beside it)."""
    data = DEFAULT_MODEL_PATH.read_bytes()
    broken = tmp_path / "default.keras"
    contents = {"truncate": data[: len(data) // 3], "not a zip": b"<html>404</html>", "empty": b""}
    broken.write_bytes(contents[damage])
    with pytest.raises(ModelFileError) as caught:
        load_network(broken)
    message = str(caught.value)
    assert "default.keras exists but cannot be read as a model (" in message  # and why, in parentheses


def test_arrays_are_read_only():
    network, _ = load_network(DEFAULT_MODEL_PATH)
    with pytest.raises(ValueError):
        network.kernels[0][0, 0] = 1.0
