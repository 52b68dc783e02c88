"""Train-page paths a user takes that the main Train tests do not: settings of one's own set
through every widget, and a run whose job the server no longer has.

The page's queue is ``instant_training``'s (tests/fake_trainer.py, no TensorFlow).
"""

from __future__ import annotations

from mnist_core import ModelConfig
from mnist_core.text.runs import outcome_text
from mnist_core.training.queue import JobQueue
from mnist_core.training.record import EndReason, JobStatus
from tests.apptest import all_finished, poll_until, session_runs, start_training, texts

PAGE = "app_pages/train.py"


def test_custom_settings_set_through_each_widget_reach_the_job_as_they_were_set(app_test, instant_training):
    at = app_test(PAGE)
    at.slider(key="train_layers").set_value(2)
    at.select_slider(key="train_units").set_value(64)
    at.selectbox(key="train_activation").set_value("tanh")
    at.slider(key="train_dropout").set_value(0.3)
    at.selectbox(key="train_optimizer").set_value("sgd")
    at.selectbox(key="train_schedule").set_value("cosine")
    at.select_slider(key="train_batch_size").set_value(32)
    at.slider(key="train_validation_split").set_value(0.2)
    at.toggle(key="train_augment").set_value(True)
    start_training(at, train_learning_rate="0.05", train_epochs=2, train_size=500, train_seed=7)
    assert not at.error, texts(at.error)
    [run] = session_runs(at)
    expected = ModelConfig(hidden_units=(64, 64), activation="tanh", dropout=0.3, optimizer="sgd",
                           learning_rate=0.05, schedule="cosine", epochs=2, batch_size=32,
                           validation_split=0.2, train_size=500, augment=True, seed=7)
    assert run.config == expected
    assert instant_training.snapshot(run.job_id).config == expected  # what the worker trains
    poll_until(at, all_finished)
    assert run.steps_per_epoch == 13  # 400 training images (500 less 20 % validation) / 32
    settings = at.dataframe[0].value["Settings"][0]
    assert "64-64 tanh" in settings and "sgd" in settings and "augmented" in settings, settings


def test_a_run_the_server_lost_says_so_and_a_new_start_works(app_test, instant_training, monkeypatch):
    """The server restarted (a new, empty queue) while the run trained: the page says what
    happened instead of waiting for ever, and Start works again."""
    import ui.resources

    at = app_test(PAGE)
    start_training(at, train_epochs=40)
    [lost] = session_runs(at)
    restarted = JobQueue(max_running=1, trainer="tests.fake_trainer", niceness=0)  # as instant_training
    monkeypatch.setattr(ui.resources, "job_queue", lambda: restarted)
    try:
        at.run()
        assert lost.finished and lost.status == JobStatus.FAILED and not lost.usable
        assert lost.ending.reason == EndReason.LOST
        said = outcome_text(lost)
        assert "server restarted while this run was training" in said
        assert said in texts(at.error) + texts(at.warning), texts(at.error)
        assert at.dataframe[0].value["Status"][0] == "failed"
        start_training(at)
        runs = session_runs(at)
        assert len(runs) == 2 and runs[1].job_id in restarted.jobs_of(at.session_state["session_id"])
        poll_until(at, all_finished)
        assert runs[1].status == JobStatus.COMPLETED
    finally:
        restarted.close()
        instant_training.stop(lost.job_id)
