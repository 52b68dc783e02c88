"""Shared fixtures. MNIST comes from MNIST_PATH (CI points it at ../shared/data/mnist.npz)."""

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "MNIST_PATH" not in os.environ and (ROOT.parent / "shared" / "data" / "mnist.npz").is_file():
    os.environ["MNIST_PATH"] = str(ROOT.parent / "shared" / "data" / "mnist.npz")


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST from MNIST_PATH: ((x_train, y_train), (x_test, y_test)), uint8."""
    from mnist_core import load_mnist

    if not os.environ.get("MNIST_PATH"):
        pytest.fail("MNIST_PATH is not set: point it at a Keras-layout mnist.npz.")
    return load_mnist()


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """A 3,000-image training slice and 1,000 test images, for quick training tests."""
    (x_train, y_train), (x_test, y_test) = mnist
    return (x_train[:3000], y_train[:3000]), (x_test[:1000], y_test[:1000])


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium (playwright Browser) for every browser test of the run.

    Playwright's sync API allows one instance per thread, so every test that drives a
    browser, in tests/browser/ or beside the AppTests, takes this fixture.
    """
    from tests.browser import helpers

    try:
        helpers.require_chromium()
    except helpers.BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = helpers.launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def app_server():
    """The app served on 127.0.0.1:<free port>; yields the StreamlitServer (``.url``).

    Set MNIST_LAB_URL=http://127.0.0.1:<port> to test an already running server instead
    (handy while iterating; CI leaves it unset).
    """
    if os.environ.get("MNIST_LAB_URL"):
        yield SimpleNamespace(url=os.environ["MNIST_LAB_URL"].rstrip("/"))
        return
    from tests.browser import helpers

    server = helpers.StreamlitServer(name="browser-tests-server")
    try:
        server.start()
    except helpers.BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()
