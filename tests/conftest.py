"""Shared fixtures: the data, one way to open a page (``app_test``), a training queue with a fake
trainer, and the rule that keeps the fast loop free of TensorFlow.

MNIST comes from MNIST_PATH (CI points it at ../shared/data/mnist.npz).

- ``app_test(page)``: a fresh session (a new AppTest: nothing trained, the shipped default
  model active) opened on ``page`` and run once. Every page AppTest uses it.
- ``instant_training``: the app's training queue runs a fake trainer (tests/fake_trainer.py, no
  TensorFlow) in its worker process; every AppTest not marked ``slow`` gets it. The real Keras
  worker is tested in tests/test_jobs.py and by Home's slow Fit test.
- ``small_maps``: the Network page lays out a session model's map from fewer t-SNE landmarks;
  every AppTest not marked ``slow`` gets it too.
- ``fresh_caches``: a test that points MNIST_PATH or the default model elsewhere starts with no
  ``st.cache_resource`` entries, and the earlier ones are back after it; ``fresh_model_caches``
  keeps those made from MNIST alone, for a test that only damages the default model.
- Helpers to read and drive a page are in tests/apptest.py.
- The browser tests' fixtures (one app server, one Chromium) are in tests/browser/conftest.py.
"""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from harness.environment import with_defaults
from tests.apptest import APP, APP_TEST_TIMEOUT, PAGES, ROOT

with_defaults(os.environ)


# --- the fast loop stays free of TensorFlow ------------------------------------------------

HEAVY_MODULES = ("keras", "tensorflow")
_HEAVY_BEFORE = pytest.StashKey[bool]()
# Test modules that import Keras at the top (they check mnist_core against Keras, or train): every
# test in them is ``slow``, and a run that selects no slow test does not even import them.
KERAS_TEST_MODULES = ("test_cli.py", "test_inference.py", "test_model.py", "test_storage.py",
                      "test_training.py")


class _Markers(dict):
    def __missing__(self, name):
        return False


def _can_select(config, *markers: str) -> bool:
    """Whether ``-m`` (e.g. "not slow and not browser") can select a test marked only ``markers``."""
    expression = config.getoption("markexpr") or ""
    if not expression.strip():
        return True
    marked = _Markers(dict.fromkeys(markers, True))
    return bool(eval(expression, {"__builtins__": {}}, marked))  # -m's and/or/not


# Every test under tests/browser is marked ``browser`` (tests/browser/conftest.py), so a run whose
# ``-m`` selects no browser test (the fast loop) does not import them, nor Playwright.
BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_ignore_collect(collection_path, config):
    if collection_path.name in KERAS_TEST_MODULES and collection_path.parent == Path(__file__).parent:
        return None if _can_select(config, "slow") else True
    if collection_path == BROWSER_TESTS:
        return None if _can_select(config, "browser") or _can_select(config, "browser", "slow") else True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in KERAS_TEST_MODULES and item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_HEAVY_BEFORE] = any(name in sys.modules for name in HEAVY_MODULES)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that is not marked ``slow`` fails if it (or a fixture it set up) imported Keras or
    TensorFlow into this process: that costs seconds and hundreds of MB, and the fast loop
    (``-m "not slow and not browser"``) must not pay it. Only checked while neither was loaded."""
    report = yield
    imported = [name for name in HEAVY_MODULES if name in sys.modules]
    if (report.when in ("setup", "call") and report.passed and imported
            and not item.stash.get(_HEAVY_BEFORE, True) and item.get_closest_marker("slow") is None):
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} imported {' and '.join(imported)} but is not marked "
                           "@pytest.mark.slow: build models with NumPy (DenseNetwork.from_arrays), "
                           "or mark it slow.")
    return report


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
def images_and_labels():
    """50 random uint8 images (50, 28, 28) with labels cycling 0-9, five of each digit."""
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    labels = np.tile(np.arange(10, dtype=np.uint8), 5)
    return images, labels


# --- pages in AppTest -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def components_scanned_once():
    """Streamlit's scan for installed custom components, done once per test process.

    Each new AppTest reads the metadata of every installed distribution to find v2 components
    (the drawing canvas): the same answer every time, since nothing is installed while the tests
    run, and hundreds of metadata files parsed for every page opened. Each AppTest still registers what was
    found in a registry of its own."""
    from streamlit.components.v2 import manifest_scanner

    scan = manifest_scanner.scan_component_manifests
    found = scan()
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(found)
    yield found
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(scope="session")
def scripts_compiled_once():
    """One cache of compiled page scripts for every AppTest of the process, as a Streamlit server
    keeps one for all its sessions: a new AppTest otherwise compiles app.py and the page again on
    every run. The scripts do not change while the tests run."""
    from streamlit.testing.v1 import app_test

    shared = app_test.ScriptCache()
    app_test.ScriptCache = lambda: shared
    yield shared
    app_test.ScriptCache = type(shared)


@pytest.fixture
def app_test(request, monkeypatch, components_scanned_once, scripts_compiled_once):
    """Open a page in a fresh session: ``at = app_test("app_pages/draw.py")``.

    Unless the test is marked ``slow``, the pages' training queue is ``instant_training``'s, so
    a page that warms the worker up (Home) never starts a TensorFlow process.

    Returns the AppTest after its first run, checked for exceptions. Options:
    ``session_state={...}`` is set before the first run (a session that already has runs);
    ``check=False`` returns it even if the page raised; ``query_params={...}`` opens it as a
    link with those URL parameters. Later ``at.run()`` calls use the same timeout.
    """
    from streamlit.testing.v1 import AppTest

    if request.node.get_closest_marker("slow") is None:
        request.getfixturevalue("instant_training")
        request.getfixturevalue("small_maps")
    monkeypatch.chdir(ROOT)  # .streamlit/config.toml is read from the working folder

    def open_page(page: str, *, session_state: dict | None = None, check: bool = True,
                  query_params: dict | None = None) -> AppTest:
        if page not in PAGES:
            raise ValueError(f"{page} is not one of app.py's pages: {PAGES}")
        at = AppTest.from_file(str(APP), default_timeout=APP_TEST_TIMEOUT)
        for key, value in (session_state or {}).items():
            at.session_state[key] = value
        for key, value in (query_params or {}).items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        if check:
            assert not at.exception, [exception.message for exception in at.exception]
        return at

    return open_page


# The ``st.cache_resource`` functions whose entries come from MNIST alone (display names; a page
# script's own functions are ``__main__``'s): a test that damages the default model keeps them.
MNIST_CACHES = frozenset({
    "ui.resources.load_dataset", "ui.resources.dataset_failure", "ui.resources.dataset_summary",
    "ui.learning_views.shared_lesson_data", "__main__.cached_class_means",
    "__main__.cached_pixel_counts", "__main__.cached_figure", "__main__.prepared_test_facts",
})


def _caches_set_aside(kept: frozenset = frozenset()):
    """Every ``st.cache_resource`` entry of this process set aside but those of the functions named
    in ``kept`` (display names); after the test what it cached is cleared, but for those functions,
    whose entries stay for later tests, and the earlier entries are back. A generator for the
    fixtures below."""
    import streamlit as st
    from streamlit.runtime.caching import cache_resource_api

    caches = cache_resource_api._resource_caches  # Streamlit's one store of cache_resource entries

    def of_kept(function_caches: dict) -> dict:
        return {key: cache for key, cache in function_caches.get(None, {}).items()
                if cache.display_name in kept}

    with caches._caches_lock:
        earlier = caches._function_caches
        caches._function_caches = {None: of_kept(earlier)}
    yield
    with caches._caches_lock:
        valid = of_kept(caches._function_caches)  # not cleared
        for key in valid:
            del caches._function_caches[None][key]
    st.cache_resource.clear()
    with caches._caches_lock:
        caches._function_caches = earlier
        if valid:
            earlier.setdefault(None, {}).update(valid)


@pytest.fixture
def fresh_caches():
    """Every ``st.cache_resource`` entry of this process set aside for the test, which points
    MNIST_PATH or the default model elsewhere: it starts with none (no dataset, model or remembered
    MNIST failure of an earlier test), what it caches is cleared after it (a broken model must not
    outlive it), and the earlier entries are put back, so later tests neither see its state nor
    load MNIST and the default model again."""
    yield from _caches_set_aside()


@pytest.fixture
def fresh_model_caches():
    """``fresh_caches`` for a test that damages or replaces the default model (or a file beside it)
    and leaves MNIST alone: the entries made from MNIST alone (``MNIST_CACHES``: the dataset, its
    summary, the Dataset page's class means and pixel counts) stay, so the test does not load and
    count MNIST again."""
    yield from _caches_set_aside(MNIST_CACHES)


# Every page opened once, in app.py's order, by AppTest in a new Python: what the server's first
# visitors cost it. The Train page warms up a fake-trainer worker, not TensorFlow's. Prints, as
# JSON, the heavy modules loaded after each page and the objects a full collection still scans.
FRESH_PROCESS_SCRIPT = """
import gc, json, sys
from streamlit.testing.v1 import AppTest
import ui.resources
from mnist_core.training.queue import JobQueue
queue = JobQueue(max_running=1, trainer="tests.fake_trainer")
ui.resources.job_queue = lambda: queue
loaded = {}
for page in sys.argv[2:]:
    at = AppTest.from_file(sys.argv[1], default_timeout=180)
    at.switch_page(page)
    at.run()
    if at.exception:
        raise SystemExit(at.exception[0].message)
    loaded[page] = [name for name in ("keras", "tensorflow", "sklearn") if name in sys.modules]
gc.collect()
print(json.dumps({"loaded": loaded, "tracked": len(gc.get_objects())}))  # frozen objects are not listed
"""


@pytest.fixture(scope="session")
def pages_in_a_fresh_process() -> dict:
    """Run ``FRESH_PROCESS_SCRIPT`` once per test process: ``{"loaded": {page: [heavy modules
    imported by then]}, "tracked": objects the collector scans after every page}``. Tests using
    it share an ``xdist_group`` so that ``--dist loadgroup`` runs it once."""
    import json
    import subprocess

    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS_SCRIPT, str(APP), *PAGES],
                            capture_output=True, text=True, timeout=600, cwd=APP.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# The map of the test digits a page lays out for a session's model in AppTests not marked
# ``slow``: the page's real code on all 10,000 test images, from fewer landmarks and steps than
# the app's MapConfig (tests/test_network_map.py checks the map itself).
PAGE_TEST_MAP = {"landmarks": 100, "iterations": 50}


@pytest.fixture
def small_maps(monkeypatch):
    """Network-page maps of session models built with ``PAGE_TEST_MAP``."""
    import functools

    from mnist_core.inspection import network_map

    config = network_map.MapConfig(**PAGE_TEST_MAP)
    monkeypatch.setattr(network_map, "build_map", functools.partial(network_map.build_map, config=config))


@pytest.fixture(scope="session")
def fake_training_queue():
    """The one fake-trainer queue (N=1) of this test process, its worker started and ready: every
    ``instant_training`` test reuses the worker instead of spawning its own (a new Python each),
    and gets the queue reset. The worker is started here, before any test changes the environment
    (MNIST_PATH) it inherits. Yields that ``JobQueue``."""
    from mnist_core.training.queue import JobQueue

    queue = JobQueue(max_running=1, trainer="tests.fake_trainer", niceness=0)
    queue.start_worker()
    _wait_for_a_ready_worker(queue)
    yield queue
    worker = queue._worker
    queue.close()
    assert worker is None or worker.exitcode == 0, f"the worker was killed: exit code {worker.exitcode}"


def _wait_for_a_ready_worker(queue, timeout: float = 120.0) -> None:
    """Until ``queue``'s worker has imported its trainer and said Ready (a generous deadline)."""
    import time

    deadline = time.monotonic() + timeout
    while not (queue._worker_ready and queue.worker_pid is not None):
        if time.monotonic() > deadline:
            pytest.fail(f"the fake trainer's worker was not ready within {timeout} s")
        time.sleep(0.01)


@pytest.fixture
def instant_training(monkeypatch, fake_training_queue):
    """The app's training queue swapped for one (N=1) whose worker runs ``tests.fake_trainer``:
    no TensorFlow, a batch every 20 ms, a model of its own as the result. Everything else (the
    queue, the worker process, the pipes, the snapshots the pages poll) is the real code, except
    that the worker keeps the tests' CPU priority: the app lowers it (WORKER_NICENESS, checked in
    tests/test_jobs.py) so pages come first, which here would leave the run the test waits for
    the least CPU on a busy machine.

    The queue is the process's ``fake_training_queue``, as new for each test: no jobs, no measured
    speed (``JobQueue.reset``), its limits and poll clock as built, and its worker alive and ready (the same
    process, or a new one if a test's run killed it). Yields that ``JobQueue``."""
    import tests.apptest
    import ui.resources

    queue = fake_training_queue
    limits = (queue.max_running, queue.max_waiting, queue.abandon_after, queue.poll_clock)
    queue.reset()
    queue.start_worker()
    _wait_for_a_ready_worker(queue)
    monkeypatch.setattr(ui.resources, "job_queue", lambda: queue)
    monkeypatch.setattr(tests.apptest, "TRAINING_QUEUE", queue)  # poll_until reruns once a run ended
    yield queue
    queue.reset()  # this test's runs end now, not in the next test
    queue.max_running, queue.max_waiting, queue.abandon_after, queue.poll_clock = limits
