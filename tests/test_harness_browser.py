"""The browser harness's own logic, without a browser (harness/browser.py): which console messages
count as the app's errors, the server's command and environment, the Chromium it launches."""

from __future__ import annotations

import importlib
import os
import re
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness import browser


class FakePage:
    """Records the handlers ``ConsoleLog.attach`` registers, so a test can fire them."""

    def __init__(self):
        self.handlers = {}

    def on(self, event, handler):
        self.handlers[event] = handler


def message(text: str, url: str, kind: str = "error"):
    return SimpleNamespace(type=kind, text=text, location={"url": url})


def console() -> tuple[browser.ConsoleLog, dict]:
    page = FakePage()
    return browser.ConsoleLog().attach(page), page.handlers


def test_an_app_error_and_an_uncaught_exception_are_errors_and_take_empties_them():
    log, fire = console()
    fire["console"](message("TypeError: x is undefined", f"http://{browser.HOST}:8501/static/js/main.js"))
    fire["pageerror"]("ReferenceError: y")
    fire["console"](message("just a warning", f"http://{browser.HOST}:8501/", kind="warning"))
    assert len(log.take()) == 2
    assert log.take() == []


def test_an_offline_resource_on_another_host_is_set_apart_but_the_same_failure_on_the_app_is_not():
    log, fire = console()
    offline = "Failed to load resource: net::ERR_NAME_NOT_RESOLVED"
    fire["console"](message(offline, "https://fonts.gstatic.com/s/materialsymbols.woff2"))
    fire["console"](message(offline, f"http://{browser.HOST}:8501/_stcore/health"))
    assert len(log.offline) == 1 and "fonts.gstatic.com" in log.offline[0]
    assert len(log.errors) == 1 and browser.HOST in log.errors[0]


def test_a_404_of_a_superseded_media_file_is_set_apart_but_another_404_is_an_error():
    log, fire = console()
    app = f"http://{browser.HOST}:8501"
    fire["console"](message("Failed to load resource: the server responded with a status of 404 (Not Found)",
                            f"{app}/media/0123abcd.png"))
    fire["console"](message("Failed to load resource: the server responded with a status of 404 (Not Found)",
                            f"{app}/app/static/missing.js"))
    assert len(log.stale_media) == 1 and len(log.errors) == 1


def test_a_free_port_can_be_bound_on_the_loopback_address():
    port = browser.free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((browser.HOST, port))


def test_the_server_runs_the_app_headless_on_loopback_without_a_file_watcher(monkeypatch):
    monkeypatch.setenv("MNIST_PATH", "/data/mnist.npz")
    server = browser.StreamlitServer(name="t", extra_env={"MNIST_LAB_TRAINING_JOBS": "1"})
    command = server.command()
    start = command.index("run") + 1
    assert command[start] == "app.py"
    settings = dict(zip(command[start + 1::2], command[start + 2::2], strict=True))
    assert settings["--server.address"] == browser.HOST and settings["--server.port"] == str(server.port)
    assert settings["--server.headless"] == "true" and settings["--server.fileWatcherType"] == "none"
    environment = server.environment()
    assert environment["MNIST_PATH"] == "/data/mnist.npz"  # the caller's MNIST, not the default
    assert environment["MNIST_LAB_TRAINING_JOBS"] == "1"
    assert server.url == f"http://{browser.HOST}:{server.port}"
    server.stop()  # never started: nothing to stop, no error


@pytest.mark.skipif(not browser.CHROMIUM.is_file(), reason="Debian's Chromium is not installed")
def test_as_root_chromium_starts_through_the_wrapper_that_drops_the_right_to_raise_priorities(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(browser.shutil, "which", lambda name: f"/usr/bin/{name}")
    assert browser.browser_executable() == browser.CHROMIUM_AS_USER
    assert "--bounding-set=-sys_nice" in browser.CHROMIUM_AS_USER.read_text()
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert browser.browser_executable() == browser.CHROMIUM


def test_a_missing_chromium_is_a_setup_error_that_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "chromium")
    with pytest.raises(browser.BrowserSetupError, match="apt-get install -y chromium"):
        browser.require_chromium()


def used_attributes(alias: str, imported_by: str) -> set[tuple[str, str]]:
    """(file, name) of every ``<alias>.<name>`` in the tests and benchmarks that import it."""
    root = Path(browser.ROOT)
    used = set()
    for path in [*(root / "tests").rglob("*.py"), *(root / "benchmarks").rglob("*.py")]:
        text = path.read_text()
        if not re.search(imported_by, text):
            continue
        used.update((str(path.relative_to(root)), name)
                    for name in re.findall(rf"(?<![\w./-]){alias}\.([A-Za-z_]\w*)\b(?!\.py)", text))
    return used


@pytest.mark.parametrize(("alias", "module", "imported_by"), [
    ("browser", "harness.browser", r"from harness import [^\n]*\bbrowser\b"),
    ("strokes", "harness.strokes", r"from harness import [^\n]*\bstrokes\b"),
    ("helpers", "tests.browser.helpers", r"from tests\.browser import helpers\b"),
])
def test_every_harness_and_test_helper_a_test_or_benchmark_names_exists(alias, module, imported_by):
    """A browser test written before a helper moved fails here, in the fast loop, and not only
    when the browser tests run."""
    provided = vars(importlib.import_module(module))
    missing = sorted(used for used in used_attributes(alias, imported_by) if used[1] not in provided)
    assert not missing, f"{module} has no: {missing}"
