"""AppTest of the Train page: training through its own widgets, runs, the sidebar, failures, Stop.

Each test trains on a 1,000-image subset for 1 epoch (8 batches) unless it needs a longer run.
"""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

import mnist_core
from tests.apptest import APP_TEST_TIMEOUT as TIMEOUT

PAGE = "app_pages/train.py"


def start_training(at: AppTest, **settings) -> AppTest:
    """Fill the form through its widgets and press Start."""
    values = {"train_size": 1000, "train_epochs": 1, **settings}
    for key, value in values.items():
        at.number_input(key=key).set_value(value)
    at.button(key="train_start").click()
    return at.run()


def session_runs(at: AppTest) -> list:
    return list(at.session_state["runs"].values()) if "runs" in at.session_state else []


def sidebar_text(at: AppTest) -> str:
    return " ".join(element.value for element in at.sidebar.markdown)


def test_training_adds_a_run_to_the_session_table_and_can_become_active(app_test):
    at = app_test(PAGE)
    assert "Default model" in sidebar_text(at)
    assert not session_runs(at)

    start_training(at)
    assert not at.exception, at.exception
    [run] = session_runs(at)
    assert run.status == mnist_core.COMPLETED and run.usable
    assert run.config.train_size == 1000 and run.config.epochs == 1
    assert run.history.epoch == [1] and len(run.history.batch_step) == 8  # 900 images / 128
    assert 0.3 < run.evaluation.accuracy <= 1.0  # scored on the 10,000 test images
    assert any("Trained 1 epochs" in element.value for element in at.success)
    metrics = {metric.label: metric.value for metric in at.main.metric}
    assert metrics["Test accuracy"] == f"{run.evaluation.accuracy:.2%}"

    table = at.dataframe[0].value
    assert list(table["Run"]) == [run.name]
    assert table["Status"][0] == "completed" and table["Epochs"][0] == "1 / 1"
    assert table["Test accuracy"][0] == pytest.approx(run.evaluation.accuracy)
    assert "512 relu" in table["Settings"][0] and "1,000 images" in table["Settings"][0]

    at.button(key="train_make_active").click().run()
    assert not at.exception, at.exception
    assert at.session_state["active_run"] == run.id
    assert run.name in sidebar_text(at) and "Default model" not in sidebar_text(at)
    assert at.sidebar.metric[0].value == f"{run.evaluation.accuracy:.2%}"
    assert at.dataframe[0].value["Active"][0] == "★"

    # A second run is picked for the actions and added to the comparison next to the first.
    start_training(at, train_seed=1)
    assert not at.exception, at.exception
    first, second = session_runs(at)
    assert first is run and second.status == mnist_core.COMPLETED and second.config.seed == 1
    assert list(at.dataframe[0].value["Run"]) == [first.name, second.name]
    assert at.selectbox(key="train_pick").value == second.id
    assert at.multiselect(key="train_compare").value == [first.id, second.id]
    assert at.session_state["active_run"] == first.id  # training does not change the active model

    # A rerun, a widget change and a page switch never train again.
    at.run()
    at.radio(key="train_preset").set_value("best").run()
    at.switch_page("app_pages/dataset.py").run()
    at.switch_page("app_pages/train.py").run()
    assert not at.exception, at.exception
    assert len(session_runs(at)) == 2
    assert list(at.dataframe[0].value["Run"]) == [first.name, second.name]
    # That another session sees none of it is tests/browser/test_concurrency.py's test.


def test_diverging_learning_rate_shows_an_error_not_an_exception(app_test):
    at = app_test(PAGE)
    start_training(at, train_learning_rate=10.0)
    assert not at.exception, at.exception
    [run] = session_runs(at)
    assert run.status == mnist_core.DIVERGED and not run.usable
    errors = " ".join(element.value for element in at.error)
    assert "diverged" in errors and "Lower the learning rate" in errors
    assert at.button(key="train_make_active").disabled
    assert at.dataframe[0].value["Status"][0] == "diverged"


def test_invalid_setting_is_explained_and_trains_nothing(app_test):
    at = app_test(PAGE)
    start_training(at, train_learning_rate=0.0)
    assert not at.exception, at.exception
    assert not session_runs(at)
    assert any("learning rate must be positive" in element.value for element in at.error)


def test_preset_fills_the_form_and_survives_a_page_switch(app_test):
    at = app_test(PAGE)
    at.radio(key="train_preset").set_value("best").run()
    best = mnist_core.preset("best")
    assert at.slider(key="train_layers").value == len(best.hidden_units)
    assert at.select_slider(key="train_units").value == best.hidden_units[0]
    assert at.selectbox(key="train_optimizer").value == best.optimizer
    assert at.selectbox(key="train_schedule").value == "cosine"
    assert at.number_input(key="train_epochs").value == best.epochs
    assert at.slider(key="train_dropout").value == pytest.approx(best.dropout)
    assert at.toggle(key="train_augment").value is True
    at.switch_page("app_pages/dataset.py").run()
    at.switch_page("app_pages/train.py").run()
    assert at.radio(key="train_preset").value == "best"
    assert at.number_input(key="train_epochs").value == best.epochs

    start_training(at)  # the preset's network, on 1,000 images for 1 epoch
    assert not at.exception, at.exception
    [run] = session_runs(at)
    assert run.status == mnist_core.COMPLETED
    assert run.config == best.replace(epochs=1, train_size=1000)
    assert "augmented" in at.dataframe[0].value["Settings"][0]


def test_missing_data_says_how_to_set_mnist_path(app_test, monkeypatch, tmp_path):
    from app_pages.common import load_dataset  # the same module object the app scripts use

    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "nowhere" / "mnist.npz"))
    load_dataset.clear()
    try:
        at = app_test(PAGE)
        assert any("MNIST could not be loaded" in element.value for element in at.error)
        assert any("MNIST_PATH" in element.value for element in at.info)
        assert not at.button  # no form, nothing to start
    finally:
        load_dataset.clear()  # later tests load the real data again


@pytest.mark.parametrize("interruption", ["rerun", "stop"])
def test_interrupting_the_script_mid_training_keeps_a_usable_partial_run(app_test, monkeypatch, interruption):
    """What a Stop click or a page switch does while fit runs, both ways Streamlit does it.

    "rerun": the running script gets a rerun request (runner.fastReruns off) and raises its
    rerun exception at the page's next st.* call, inside the progress callback. "stop": what
    the server does by default (fast reruns): it stops the old script run, which raises at
    its next st.* call, and starts a new one. Either way the run must end within about a
    second, be marked stopped with where it stopped, keep its partial model, and the next
    run of the page must show it as stopped without training again.
    """
    runners: list[LocalScriptRunner] = []

    class RecordingScriptRunner(LocalScriptRunner):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            runners.append(self)

    monkeypatch.setattr(app_test_module, "LocalScriptRunner", RecordingScriptRunner)
    at = app_test(PAGE)
    for key, value in {"train_size": 60000, "train_epochs": 20}.items():
        at.number_input(key=key).set_value(value)
    at.button(key="train_start").click()
    script = threading.Thread(target=at.run)
    script.start()
    run = wait_for(lambda: next(iter(at.session_state["runs"].values()), None), timeout=TIMEOUT)
    wait_for(lambda: len(run.history.batch_step) >= 50, timeout=TIMEOUT)

    runner = runners[-1]
    requested = time.perf_counter()
    if interruption == "rerun":
        page = runner._pages_manager.current_page_script_hash  # rerun the Train page, as Stop does
        assert runner.request_rerun(RerunData(widget_states=WidgetStates(), page_script_hash=page))
    else:
        runner.request_stop()
    wait_for(lambda: run.status != "running", timeout=30)
    latency = time.perf_counter() - requested
    script.join(TIMEOUT)
    assert not script.is_alive()
    if interruption == "stop":
        at.run()  # the new script run that the server starts at once

    assert not at.exception, at.exception
    assert latency < 2.0, f"training went on for {latency:.1f} s after the interruption"
    assert run.status == mnist_core.STOPPED and run.usable
    assert run.message.startswith(("Stopped at epoch ", "Stopped after epoch "))
    assert "the partial model is kept and usable" in run.message
    assert 50 <= len(run.history.batch_step) < 20 * 422
    assert len(session_runs(at)) == 1  # the rerun did not train again
    assert any(element.value == run.message for element in at.warning)
    assert run.evaluation is not None and run.evaluation.accuracy > 0.5  # the partial model classifies
    assert at.dataframe[0].value["Status"][0] == "stopped"
    assert not at.button(key="train_make_active").disabled


def wait_for(condition, timeout: float, interval: float = 0.05):
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            value = condition()
        except KeyError:  # session_state not filled yet
            value = None
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
