"""AppTest of the Train page: it queues jobs and polls them; it never trains.

The page's queue is swapped (``instant_training``) for one whose worker runs
``tests.fake_trainer`` (no TensorFlow, a batch every 20 ms); the real Keras path is covered by
Home's slow Fit test and by tests/test_jobs.py. AppTest does not fire ``run_every`` timers,
so the tests rerun the page the way the polling fragments would.
"""

from __future__ import annotations

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

import mnist_core
from mnist_core.text.runs import outcome_text, preset_labels
from mnist_core.training.record import EndReason
from tests.apptest import all_finished, poll_until, session_runs, sidebar_text, start_training, texts
from tests.fake_trainer import FAIL_SEED, HOLD_AT, HOLD_SEED, release

PAGE = "app_pages/train.py"


@pytest.fixture
def open_train_page(app_test, instant_training):
    """A fresh session on the Train page, its jobs trained by the fake trainer."""
    return lambda: app_test(PAGE)


def finished(at: AppTest) -> bool:
    return all_finished(at)


def download_disabled(at: AppTest) -> bool:
    [download] = at.get("download_button")
    return download.proto.disabled


def chart(at: AppTest, key: str) -> dict:
    """The Plotly figure (as JSON) the page last sent for the chart keyed ``key``."""
    [element] = [element for element in at.get("plotly_chart") if element.proto.id.endswith(f"-{key}")]
    return json.loads(element.proto.spec)


def test_a_run_is_queued_trains_in_the_worker_and_becomes_active_when_the_default_was(
    open_train_page, instant_training
):
    at = open_train_page()
    assert "Default model" in sidebar_text(at) and not session_runs(at)

    start_training(at)
    [run] = session_runs(at)
    job = instant_training.snapshot(run.job_id)  # Start only queued it, as this session's job
    assert not run.finished and job.session_id == at.session_state["session_id"] and job.config == run.config
    poll_until(at, finished)
    assert run.status == mnist_core.JobStatus.COMPLETED and run.usable and run.network is not None
    assert run.history.epoch == [1] and len(run.history.batch_step) == 8  # 900 images / 128
    assert any(f"{run.name} finished training" in toast.value for toast in at.toast)
    assert "now the active model" in texts(at.toast)
    assert at.session_state["active_run"] == run.id  # the default was active: the new run took over
    assert run.name in sidebar_text(at)
    assert run.keras_bytes and not download_disabled(at)

    metrics = {metric.label: metric.value for metric in at.main.metric}
    assert metrics["Test accuracy"] == f"{run.evaluation.accuracy:.2%}"
    table = at.dataframe[0].value
    assert list(table["Run"]) == [run.name] and table["Active"][0] == "★"
    assert table["Status"][0] == "completed" and table["Epochs"][0] == "1 / 1"
    assert "1,000 images" in table["Settings"][0] and "1 epoch x 128" in table["Settings"][0]

    # A second run is picked for the actions and compared with the first; it does not take
    # the active model from the run the user has.
    start_training(at, train_seed=1)
    poll_until(at, finished)
    first, second = session_runs(at)
    assert first is run and second.status == mnist_core.JobStatus.COMPLETED
    assert at.selectbox(key="train_pick").value == second.id
    assert at.multiselect(key="train_compare").value == [first.id, second.id]
    assert at.session_state["active_run"] == first.id
    assert "finished training" in texts(at.toast) and "active model" not in texts(at.toast)

    # Reruns, widget changes and page switches never start anything.
    at.run()
    at.radio(key="train_preset").set_value("best").run()
    at.switch_page("app_pages/dataset.py").run()
    at.switch_page("app_pages/train.py").run()
    assert len(session_runs(at)) == 2 and instant_training.counts()["queued"] == 0

    other = open_train_page()  # another browser session sees none of it
    assert not session_runs(other) and not other.dataframe
    assert "Default model" in sidebar_text(other)


def test_training_goes_on_while_the_user_is_on_another_page(open_train_page):
    at = open_train_page()
    start_training(at, train_epochs=3, train_seed=HOLD_SEED)  # 24 batches, held at the 20th
    [run] = session_runs(at)
    at.switch_page("app_pages/draw.py").run()
    assert not at.exception
    poll_until(at, lambda at: len(run.history.batch_step) >= HOLD_AT)  # mid-run until released
    status = [link.proto.label for link in at.sidebar.get("page_link")]
    assert any(label.startswith(f"{run.name} · epoch ") and "%" in label for label in status), status
    release(run.job_id)
    poll_until(at, finished)
    assert run.status == mnist_core.JobStatus.COMPLETED
    assert any(f"{run.name} finished training" in toast.value for toast in at.toast)  # on the Draw page
    assert any(f"{run.name} (this session)" in caption.value for caption in at.caption)  # Draw uses it now
    at.switch_page("app_pages/train.py").run()
    assert any(outcome_text(run) in success.value for success in at.success)


def test_the_charts_follow_the_run_on_every_poll_and_redraw_for_the_zoom_switch(open_train_page):
    """Each poll shows the batches trained so far; the charts are kept between polls and only
    refilled, so this checks that no poll shows an earlier one's curves."""
    at = open_train_page()
    start_training(at, train_epochs=6, train_seed=HOLD_SEED)  # 8 batches an epoch, held at 20 and 40
    [run] = session_runs(at)

    def last_epoch_shown(key: str) -> float:
        return chart(at, key)["data"][0]["x"][-1]

    poll_until(at, lambda at: len(run.history.batch_step) >= HOLD_AT)
    at.run()
    first = last_epoch_shown("train_live_loss")
    assert first == pytest.approx(len(run.history.batch_step) / 8, abs=0.2)
    release(run.job_id)
    poll_until(at, lambda at: len(run.history.batch_step) >= 2 * HOLD_AT)
    assert last_epoch_shown("train_live_loss") >= first + 2
    assert last_epoch_shown("train_live_accuracy") >= first + 2
    assert chart(at, "train_live_accuracy")["layout"]["yaxis"]["range"] == [0.0, 1.0]
    at.toggle(key="train_live_zoom").set_value(True).run()
    assert chart(at, "train_live_accuracy")["layout"]["yaxis"]["range"] == [0.96, 1.0]

    release(run.job_id)
    poll_until(at, finished)
    assert last_epoch_shown("train_final_loss") == 6.0
    [compared] = chart(at, "train_compare_chart")["data"]
    assert compared["name"] == run.name
    start_training(at, train_epochs=2, train_seed=1)
    poll_until(at, finished)
    assert [trace["name"] for trace in chart(at, "train_compare_chart")["data"]] == ["Run 1", "Run 2"]
    assert last_epoch_shown("train_final_loss") == 2.0  # the new run's own chart, not Run 1's


def test_a_second_start_while_a_run_is_unfinished_is_explained_not_queued(open_train_page):
    at = open_train_page()
    start_training(at, train_epochs=40, train_seed=HOLD_SEED)
    [run] = session_runs(at)
    poll_until(at, lambda at: run.status == "running")  # not in the rerun that shows it starting
    start_training(at)
    assert len(session_runs(at)) == 1
    assert "Run 1 is not finished yet" in texts(at.warning) and "One run per session" in texts(at.warning)
    at.button(key="train_live_stop").click().run()


def test_stop_ends_a_running_job_after_its_current_batch_and_keeps_the_partial_model(open_train_page):
    """The fake holds the run after batch HOLD_AT until Stop arrives, so the count is exact
    whatever the machine's load; the page polls until the worker has handed the model back."""
    at = open_train_page()
    start_training(at, train_epochs=40, train_seed=HOLD_SEED)
    [run] = session_runs(at)
    poll_until(at, lambda at: len(run.history.batch_step) >= HOLD_AT)
    at.button(key="train_live_stop").click().run()
    poll_until(at, finished)
    assert run.status == mnist_core.JobStatus.STOPPED and run.usable
    assert len(run.history.batch_step) == HOLD_AT  # of 320: nothing trained after Stop
    assert any(outcome_text(run) in warning.value for warning in at.warning)
    assert at.dataframe[0].value["Status"][0] == "stopped"
    assert not at.button(key="train_make_active").disabled


def test_a_run_waiting_in_line_shows_its_place_and_can_be_stopped(open_train_page):
    other = open_train_page()
    start_training(other, train_epochs=40)  # another session's run holds the only slot
    poll_until(other, lambda at: session_runs(at)[0].status == "running")
    at = open_train_page()
    start_training(at)
    [run] = session_runs(at)
    assert run.status == "queued"
    assert "1st in line" in texts(at.info)
    # On Train the live view shows the place in line; the sidebar only points to it (no second poll).
    assert f"{run.name} · live on this page" in sidebar_text(at) and not at.sidebar.get("page_link")
    at.switch_page("app_pages/draw.py").run()
    labels = [link.proto.label for link in at.sidebar.get("page_link")]
    assert f"{run.name} · waiting in line, 1st" in labels
    at.switch_page(PAGE).run()
    at.button(key="train_live_stop").click().run()
    poll_until(at, finished, timeout=5)
    assert run.status == mnist_core.JobStatus.STOPPED and not run.usable
    assert run.ending.reason == EndReason.NOT_STARTED and outcome_text(run) in texts(at.warning)
    other.button(key="train_live_stop").click().run()


@pytest.mark.parametrize(
    ("settings", "status", "says"),
    [
        ({"train_learning_rate": 10.0}, "diverged", "Lower the learning rate"),
        ({"train_seed": FAIL_SEED}, "failed", "fails on purpose"),
    ],
)
def test_a_diverged_or_failed_run_is_explained_with_an_error(open_train_page, settings, status, says):
    at = open_train_page()
    start_training(at, **settings)
    poll_until(at, finished)
    [run] = session_runs(at)
    assert run.status == status and not run.usable
    assert says in texts(at.error)
    assert at.button(key="train_make_active").disabled and download_disabled(at)
    table = at.dataframe[0].value
    assert table["Status"][0] == status
    assert table["Test accuracy"][0] == "–" and "None" not in " ".join(map(str, table.iloc[0]))
    assert at.session_state["active_run"] is None if "active_run" in at.session_state else True


def test_a_full_queue_is_explained_and_the_settings_stay_for_the_next_start(
    open_train_page, instant_training
):
    at = open_train_page()
    instant_training.max_waiting = 1  # a queue that holds one waiting run, as if it held 100
    long_run = mnist_core.ModelConfig(train_size=1000, epochs=200)  # 1,600 fake batches: all this test
    others = [instant_training.submit("another-session", long_run)]
    deadline = time.monotonic() + 60
    while instant_training.snapshot(others[0]).status != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    others.append(instant_training.submit("a-third-session", long_run))  # it waits: the queue is full
    start_training(at, train_epochs=3, train_seed=7)
    assert not session_runs(at) and not at.exception
    assert "1 run is already waiting for the training worker" in texts(at.error)
    assert at.text_input(key="train_epochs").value == "3" and at.text_input(key="train_seed").value == "7"
    at.run()
    assert "already waiting" not in texts(at.error)  # said once, not on every rerun
    for job in others:
        instant_training.stop(job)
    at.button(key="train_start").click().run()  # the same settings, unchanged, queue now
    [run] = session_runs(at)
    assert run.config.epochs == 3 and run.config.seed == 7
    poll_until(at, finished)


def test_invalid_setting_is_explained_and_queues_nothing(open_train_page):
    at = open_train_page()
    start_training(at, train_learning_rate=0.0)
    assert not session_runs(at)
    assert "**Learning rate**: 0.0 is out of range. Use a number above 0" in texts(at.error)


def test_every_bad_typed_value_is_named_with_its_range_and_kept_as_typed(open_train_page):
    at = open_train_page()
    typed = {"train_epochs": "abc", "train_learning_rate": "-0.1", "train_size": "5", "train_seed": "-3"}
    start_training(at, **typed)
    assert not session_runs(at) and not at.exception
    [message] = [error.value for error in at.error]
    assert "(4 problems)" in message and "Nothing was started" in message
    assert "**Epochs**: “abc” is not a number. Use a whole number from 1 to 200." in message
    assert "**Learning rate**: -0.1 is out of range. Use a number above 0 and at most 100" in message
    assert "**Training images**: 5 is out of range. Use a whole number from 100 to 60,000." in message
    assert "**Seed**: -3 is out of range. Use a whole number from 0 to 2,147,483,647." in message
    for key, text in typed.items():
        assert at.text_input(key=key).value == text  # nothing typed was changed


def test_presets_are_labelled_from_their_config_and_the_form_survives_a_page_switch(open_train_page):
    best = mnist_core.preset("best")
    assert preset_labels()["best"].startswith("best: 512-512 relu, adam lr=0.001, 20 epochs x 128 (dropout")
    assert "1024" not in preset_labels()["best"]
    at = open_train_page()
    form = at.get("form")[0].proto.form
    assert form.enter_to_submit is False  # Enter in a field never starts training
    at.radio(key="train_preset").set_value("best").run()
    assert at.slider(key="train_layers").value == len(best.hidden_units)
    assert at.select_slider(key="train_units").value == best.hidden_units[0]
    assert at.selectbox(key="train_schedule").value == "cosine"
    assert at.text_input(key="train_epochs").value == str(best.epochs)
    assert at.toggle(key="train_augment").value is True
    at.switch_page("app_pages/dataset.py").run()
    at.switch_page("app_pages/train.py").run()
    assert at.radio(key="train_preset").value == "best"
    assert at.text_input(key="train_epochs").value == str(best.epochs)

    start_training(at)  # the preset's network, on 1,000 images for 1 epoch
    poll_until(at, finished)
    [run] = session_runs(at)
    assert run.config == best.replace(epochs=1, train_size=1000)
    assert "augmented" in at.dataframe[0].value["Settings"][0]


def test_missing_data_says_how_to_set_mnist_path(open_train_page, fresh_caches, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "nowhere" / "mnist.npz"))
    at = open_train_page()
    assert "MNIST could not be loaded" in texts(at.error)
    assert "MNIST_PATH" in texts(at.info)
    assert [button.key for button in at.button] == ["dataset_retry"]  # no form: only Retry
