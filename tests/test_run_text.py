"""The words and numbers shown about runs and jobs: one format each, plurals right, no invented estimate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mnist_core import ModelConfig, preset
from mnist_core.text.format import duration_text, figure_text, markdown_table, ordinal, percent, plural
from mnist_core.text.runs import (
    NO_MODEL_HELP,
    finished_toast,
    job_error_text,
    job_status_line,
    measured_time_note,
    outcome_text,
    preset_label,
    preset_labels,
    progress_line,
    queue_line,
    runs_table,
    settings_summary,
)
from mnist_core.training.form import config_from, settings_of
from mnist_core.training.queue import JobSnapshot, QueueFullError, SessionBusyError, UnknownJobError
from mnist_core.training.record import BatchProgress, Ending, EndReason, JobStatus, TrainingHistory
from mnist_core.training.runs import Run


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 epochs"), (1, "1 epoch"), (2, "2 epochs"), (1000, "1,000 epochs")]
)
def test_plural(count, text):
    assert plural(count, "epoch") == text


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)
def test_ordinal(number, text):
    assert ordinal(number) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (0.2, "about 1 s"), (4.4, "about 4 s"), (38, "about 40 s"), (61, "about 1 min"),
     (130, "about 2 min 10 s"), (3900, "about 1 h 5 min")],
)
def test_one_duration_format_for_every_estimate(seconds, text):
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("share", "text"), [(0.912, "91.2%"), (1.0, "100.0%"), (0.0, "0.0%"), (None, "–"), (float("nan"), "–")]
)
def test_one_percent_format_and_one_dash_for_a_missing_figure(share, text):
    assert percent(share) == text
    assert figure_text(share, ".1%") == text


def test_a_figure_that_is_not_finite_reads_as_missing():
    assert figure_text(0.12345, ".4f") == "0.1235"
    assert figure_text(float("inf"), ".4f") == "–"


def test_queue_line_gives_an_estimate_only_when_one_was_measured():
    assert queue_line(2, None) == "2nd in line"
    assert queue_line(2, 41.0) == "2nd in line, about 40 s"
    assert queue_line(1, 0.0) == "1st in line, starting now"


@pytest.mark.parametrize(("seconds", "text"), [
    (None, ""), (0.0, ""), (41.0, " It takes about 40 s on this server (measured here)."),
])
def test_a_training_time_is_quoted_only_when_it_was_measured(seconds, text):
    assert measured_time_note(seconds) == text


def test_the_no_model_help_names_a_command_that_runs():
    """The CLI the help quotes parses its options (a renamed option or module would fail here)."""
    from mnist_core.cli import parse_args

    command = NO_MODEL_HELP.split("`python -m mnist_core ")[1].split("`")[0]
    assert parse_args(command.split()).preset == "best"
    assert "Train page" in NO_MODEL_HELP and "`git checkout models/default.keras`" in NO_MODEL_HELP


def test_progress_line_says_images_per_second_and_time_left():
    progress = BatchProgress(2, 5, 100, 422, 522, 0.1234, 0.961, 500.0, 900.0)  # the worker's own: unused
    assert progress_line(progress, 83.0, 12345.6) == (
        "Epoch 2/5 · batch 100/422 · loss 0.123 · accuracy 96.1% · 12,346 images/s · about 1 min 20 s left"
    )
    assert progress_line(progress) == (  # not stable yet: no figure that would change by minutes
        "Epoch 2/5 · batch 100/422 · loss 0.123 · accuracy 96.1% · measuring its speed…"
    )


def snapshot(status, place=None, progress=None) -> JobSnapshot:
    return JobSnapshot("job", "session", ModelConfig(), status, "", place, None, True, progress,
                       TrainingHistory(), 422, 0.0, None, 0.0)


def test_sidebar_status_of_a_queued_and_a_running_job():
    assert job_status_line("Run 3", snapshot(JobStatus.QUEUED, place=2)) == "Run 3 · waiting in line, 2nd"
    assert job_status_line("Run 3", snapshot(JobStatus.RUNNING)) == "Run 3 · training"  # as the heading says
    progress = BatchProgress(2, 5, 343, 422, 865, 0.1, 0.9, 1000.0, 10.0)
    running = snapshot(JobStatus.RUNNING, progress=progress)
    assert job_status_line("Run 3", running) == "Run 3 · epoch 2/5 · 41%"


def test_preset_labels_are_derived_from_their_configs():
    labels = preset_labels()
    assert labels["seed"] == "seed: 512 relu, rmsprop lr=0.001, 5 epochs x 128, 60,000 images"
    assert labels["best"] == ("best: 512-512 relu, adam lr=0.001, 20 epochs x 128 "
                              "(dropout 0.2, cosine decay, augmented), 60,000 images")
    assert preset_label("x", ModelConfig()) == "x: " + settings_summary(ModelConfig())


def test_settings_summary_plurals():
    assert settings_summary(ModelConfig(hidden_units=())).startswith("no hidden layer relu, ")
    assert settings_summary(ModelConfig(epochs=1, train_size=1000)).endswith("1 epoch x 128, 1,000 images")
    assert "5 epochs x 128, 60,000 images" in settings_summary(ModelConfig())


@pytest.mark.parametrize("name", ["seed", "best"])
def test_the_form_maps_back_to_the_same_config(name):
    assert config_from(settings_of(preset(name))) == preset(name)


def test_toasts_say_whether_the_run_became_active():
    completed = finished_toast("Run 2", JobStatus.COMPLETED, 0.9812, activated=True)
    assert completed == (
        "Run 2 finished training: 98.12% validation accuracy. "
        "It is now the active model for Predictions and Draw."
    )
    assert "active" not in finished_toast("Run 2", JobStatus.COMPLETED, None, activated=False)
    assert "stopped" in finished_toast("Run 2", JobStatus.STOPPED, None, activated=False)


def test_runs_table_shows_a_dash_for_every_missing_figure():
    run = Run(id="r", name="Run 1", config=ModelConfig(epochs=1, train_size=1000), status=JobStatus.QUEUED)
    [row] = runs_table([run], active_id=None)
    assert row["Epochs"] == "– / 1" and row["Status"] == "queued (live above)"
    assert {row[key] for key in ("Val accuracy", "Test accuracy", "Test loss", "Time")} == {"–"}
    assert "None" not in " ".join(row.values())


def test_an_unfinished_run_s_row_leaves_its_changing_figures_to_the_live_view():
    """The issue saw 'Epoch 3/5 · batch 67/422' above and '0.656 / 5' in the table: a page run
    froze the table a poll behind the live view. The table now says where the figures are."""
    run = Run(id="r", name="Run 1", config=ModelConfig(epochs=5), status=JobStatus.RUNNING,
              steps_per_epoch=422)
    run.history.batch_step.extend(range(1, 277))
    run.history.val_accuracy.extend([0.95, 0.96])
    [row] = runs_table([run], active_id=None)
    assert (row["Status"], row["Epochs"], row["Val accuracy"]) == ("running (live above)", "– / 5", "–")
    run.status = JobStatus.STOPPED
    [row] = runs_table([run], active_id=None)
    assert (row["Status"], row["Epochs"], row["Val accuracy"]) == ("stopped", "0.654 / 5", "96.00%")


FIVE_EPOCHS = ModelConfig(epochs=5)


def ended(reason: EndReason, config: ModelConfig = FIVE_EPOCHS, steps: int = 0, per_epoch: int = 10,
          **ending) -> SimpleNamespace:
    """What ``outcome_text`` reads of a run, a snapshot or a TrainResult: ``steps`` batches done."""
    history = TrainingHistory(batch_step=list(range(1, steps + 1)), batch_loss=[0.5] * steps,
                              epoch=list(range(1, steps // per_epoch + 1)))
    return SimpleNamespace(ending=Ending(reason, **ending), config=config, history=history,
                           steps_per_epoch=per_epoch)


KEPT = "the model trained so far is kept and usable."
WORKER_DIED = "The training worker stopped unexpectedly (exit code {}), so this run was lost. Start it " \
              "again; a new worker takes over."


@pytest.mark.parametrize(("run", "text"), [
    (ended(EndReason.TRAINED, ModelConfig(epochs=1)), "Trained 1 epoch."),
    (ended(EndReason.TRAINED), "Trained 5 epochs."),
    (ended(EndReason.STOPPED, steps=15),
     f"Stopped during epoch 2 of 5 after 15 batches (1 full epoch); {KEPT}"),
    (ended(EndReason.STOPPED, steps=20),
     f"Stopped after epoch 2 of 5 after 20 batches (2 full epochs); {KEPT}"),
    (ended(EndReason.DIVERGED, ModelConfig(learning_rate=10.0), steps=13),
     "Training diverged: the loss blew up to 0.5 at step 13 (epoch 2). The weights are unusable. "
     "Lower the learning rate (now 10; try 0.001) and train again."),
    (ended(EndReason.TRAINED, finetune=True), "Fine-tuned for 5 epochs."),
    (ended(EndReason.STOPPED, finetune=True, steps=20),
     "Stopped after 2 epochs of 5; the model tuned so far is kept."),
    (ended(EndReason.NOT_STARTED), "Stopped before it started: nothing was trained."),
    (ended(EndReason.ABANDONED, minutes=3.0),
     "Cancelled: the page that started it stopped checking on it for 3 minutes (a closed tab?), so it "
     "gave its place in the queue to others."),
    (ended(EndReason.TRAINER_ERROR, detail="RuntimeError: boom"), "Training failed: RuntimeError: boom"),
    (ended(EndReason.WORKER_BROKEN, detail="no MNIST"), "The training worker could not start: no MNIST"),
    (ended(EndReason.WORKER_DIED, exit_code=-9),
     WORKER_DIED.format("-9: it ran out of memory or was killed")),
    (ended(EndReason.WORKER_DIED, exit_code=1), WORKER_DIED.format("1: it crashed")),
    (ended(EndReason.UNREADABLE_MODEL, detail="bad zip"), "The trained model could not be read: bad zip"),
    (ended(EndReason.LOST),
     "The server restarted while this run was training, so it was lost. Start it again."),
])
def test_outcome_text_words_each_ending(run, text):
    assert outcome_text(run) == text


@pytest.mark.parametrize(("error", "text"), [
    (SessionBusyError(queued=True),
     "This session already has a run waiting in line. One run per session at a time keeps the queue "
     "fair: wait for it to finish, or stop it, then start the next."),
    (SessionBusyError(queued=False), "This session already has a run training."),
    (QueueFullError(1), "1 run is already waiting for the training worker. Try again in a few minutes."),
    (QueueFullError(1200), "1,200 runs are already waiting"),
    (UnknownJobError("job-1"), "No training job 'job-1': it ended long ago or never existed."),
])
def test_job_error_text(error, text):
    assert job_error_text(error).startswith(text)


def test_markdown_table_aligns_numbers_right_and_escapes_bars():
    table = markdown_table([{"array": "a|b", "shape": "(3,)", "min": 0, "max": None},
                            {"array": "c", "shape": "(4,)", "min": 2.5, "max": 9}])
    assert table.splitlines() == ["| array | shape | min | max |", "|---|---|---:|---:|",
                                  "| a\\|b | (3,) | 0 | – |", "| c | (4,) | 2.5 | 9 |"]
    assert markdown_table([{"part": "+0.5"}], right_aligned=("part",)).splitlines()[1] == "|---:|"
    with pytest.raises(ValueError):
        markdown_table([])
