"""The words and numbers shown about training runs and jobs: one format for each, no Streamlit.

Throughput is always "images/s"; a time left or a wait is always ``duration_text`` ("about
40 s", "about 2 min 10 s"); estimates come from measured speed, or are left out.
"""

from __future__ import annotations

from mnist_core.config import CONVNET_FILTERS, PRESETS, TRAIN_IMAGES, ModelConfig
from mnist_core.text.format import duration_text, elapsed_text, figure_text, ordinal, plural, throughput_text
from mnist_core.training.queue import JobError, JobSnapshot, QueueFullError, SessionBusyError, UnknownJobError
from mnist_core.training.record import BatchProgress, Ending, EndReason, JobStatus, TrainingHistory
from mnist_core.training.runs import Run, last_finite

NO_MODEL_HELP = (  # shown by the pages that need a model when there is none
    "**What to do:** train a model on the Train page (when it completes, it becomes the active model), "
    "or restore the shipped file with `git checkout models/default.keras`, or retrain it with "
    "`python -m mnist_core --preset best --out models/default.keras`, then reload this page."
)


MODEL_PARAM = "model"  # a link's query parameter naming the model it shows: "default" or a run id
RUN_DOES_NOT_TRAVEL = (  # a link naming a run this session does not have
    "This link was made with a network trained in another browser session, and a trained run stays in "
    "the session that trained it: this page shows the shipped default model instead, so what you see "
    "may differ from what was shared."
)


def progress_line(progress: BatchProgress, seconds_left: float | None = None,
                  images_per_second: float | None = None) -> str:
    """The one progress line of a training run (Home and Train). The speed and the time left are
    the job's own, warm-up left out (``training.estimates``); until they are stable the line says
    the speed is being measured instead of a figure that would change by minutes."""
    line = (f"Epoch {progress.epoch}/{progress.epochs} · batch {progress.batch}/{progress.batches} · "
            f"loss {progress.loss:.3f} · accuracy {progress.accuracy:.1%} · ")
    if seconds_left is None or images_per_second is None:
        return line + "measuring its speed…"
    return line + f"{throughput_text(images_per_second)} · {duration_text(seconds_left)} left"


def queue_line(place: int, wait_seconds: float | None) -> str:
    """'2nd in line, about 40 s' (no estimate before this machine's speed was measured)."""
    text = f"{ordinal(place)} in line"
    if wait_seconds is None:
        return text
    return f"{text}, starting now" if wait_seconds < 1 else f"{text}, {duration_text(wait_seconds)}"


def job_status_line(name: str, snapshot: JobSnapshot) -> str:
    """The sidebar's status of a queued or running job: 'Run 3 · epoch 2/5 · 41 %'. The words of
    the live view's heading ('waiting in line', 'training'), so the two never name one state
    differently; before its first batch a running job is 'training' there too."""
    if snapshot.status == JobStatus.QUEUED:
        return f"{name} · waiting in line, {ordinal(snapshot.place or 1)}"
    if snapshot.status == JobStatus.RUNNING:
        progress = snapshot.progress
        if progress is None:
            return f"{name} · training"
        return f"{name} · epoch {progress.epoch}/{progress.epochs} · {progress.fraction:.0%}"
    return f"{name} · {snapshot.status.value}"


def waiting_text(snapshot: JobSnapshot) -> str:
    """What a queued or starting job is waiting for, in a sentence."""
    if snapshot.status == JobStatus.QUEUED:
        line = queue_line(snapshot.place or 1, snapshot.wait_seconds)
        return (
            f"Waiting for the training worker: {line}. Runs of everyone using this server train "
            "one after another, so drawing stays quick for all; leave this page if you like."
        )
    if not snapshot.worker_ready:
        return "Starting the training worker (it loads TensorFlow, about as long as a cold app start)…"
    return "Preparing the data and building the network…"


def settings_summary(config: ModelConfig) -> str:
    """A config in one line, the only way the app writes one (tables, captions, preset labels, the
    command line): '512 relu, rmsprop lr=0.001, 5 epochs x 128, 60,000 images', with dropout, cosine
    decay and augmentation in brackets after the batch size when used."""
    layers = "-".join(str(units) for units in config.hidden_units) or "no hidden layer"
    if config.architecture == "convnet":
        layers = "convnet " + "-".join(str(filters) for filters in CONVNET_FILTERS)
    extras = [f"dropout {config.dropout:g}"] if config.dropout else []
    extras += ["cosine decay"] if config.schedule == "cosine" else []
    extras += ["augmented"] if config.augment else []
    text = f"{layers} {config.activation}, {config.optimizer} lr={config.learning_rate:g}, "
    text += f"{plural(config.epochs, 'epoch')} x {config.batch_size}"
    text += f" ({', '.join(extras)})" if extras else ""
    return f"{text}, {plural(config.train_size or TRAIN_IMAGES, 'image')}"


def preset_label(name: str, config: ModelConfig) -> str:
    """A preset's label, derived from its config: 'seed: 512 relu, rmsprop lr=0.001, ...'."""
    return f"{name}: {settings_summary(config)}"


def preset_labels() -> dict[str, str]:
    """Every preset's label, derived from its config."""
    return {name: preset_label(name, config) for name, config in PRESETS.items()}


def measured_time_note(seconds: float | None) -> str:
    """" It takes about 40 s on this server (measured here).", or "" before anything was measured."""
    return f" It takes {duration_text(seconds)} on this server (measured here)." if seconds else ""


def epochs_done_text(steps_done: int, steps_per_epoch: int | None, planned: int) -> str:
    """'2.4 / 5' epochs done."""
    if not steps_per_epoch:
        return f"0 / {planned}"
    return f"{steps_done / steps_per_epoch:.3g} / {planned}"


def estimate_text(seconds: float | None) -> str:
    """'about 40 s on this server (measured)' or '' when nothing was measured yet."""
    return f"{duration_text(seconds)} on this server, from the speed measured here" if seconds else ""


def finished_toast(name: str, status: JobStatus, validation_accuracy: float | None, activated: bool) -> str:
    """What the toast says when a run ends, on whatever page the user is."""
    if status == JobStatus.COMPLETED:
        score = f": {validation_accuracy:.2%} validation accuracy" if validation_accuracy is not None else ""
        text = f"{name} finished training{score}."
        return text + (" It is now the active model for Predictions and Draw." if activated else "")
    if status == JobStatus.STOPPED:
        return f"{name} stopped; the model trained so far is kept."
    if status == JobStatus.DIVERGED:
        return f"{name} diverged: lower the learning rate and train again."
    return f"{name} failed: see the Train page."


def runs_table(runs: list[Run], active_id: str | None) -> list[dict[str, str]]:
    """One row of display texts per run; a figure not measured (yet) reads '–'."""
    rows = []
    for run in runs:
        evaluation = run.evaluation
        rows.append(
            {
                "Run": run.name,
                "Active": "★" if run.id == active_id and run.usable else "",
                # an unfinished run's figures change every poll: they are shown live above, not
                # here, where a page run would freeze them a poll behind the live view
                "Status": run.status.value if run.finished else f"{run.status.value} (live above)",
                "Epochs": (epochs_done_text(run.steps_done, run.steps_per_epoch, run.config.epochs)
                           if run.finished else f"– / {run.config.epochs}"),
                "Val accuracy": figure_text(last_finite(run.history.val_accuracy) if run.finished else None,
                                            ".2%"),
                "Test accuracy": figure_text(evaluation.accuracy if evaluation else None, ".2%"),
                "Test loss": figure_text(evaluation.loss if evaluation else None, ".4f"),
                "Time": elapsed_text(run.seconds) if run.finished else "–",
                "Settings": settings_summary(run.config),
            }
        )
    return rows


def outcome_text(ended) -> str:
    """What happened to a finished run, job or ``TrainResult`` (anything with its ``ending``,
    ``config``, ``history`` and ``steps_per_epoch``), in words a user can act on."""
    ending: Ending = ended.ending
    config: ModelConfig = ended.config
    words = _FAILURES.get(ending.reason)
    if words is not None:
        return words(ending)
    if ending.reason == EndReason.NOT_STARTED:
        return "Stopped before it started: nothing was trained."
    if ending.reason == EndReason.CLOSED:
        return "Cancelled: the page that started it was closed, so it gave its place in the queue to others."
    if ending.reason == EndReason.ABANDONED:
        return (f"Cancelled: the page that started it stopped checking on it for {ending.minutes:g} minutes "
                "(a closed tab?), so it gave its place in the queue to others.")
    if ending.finetune:
        return _finetune_text(ending.reason, config, ended.history)
    return _training_text(ending.reason, config, ended.history, ended.steps_per_epoch or 1)


def _training_text(reason: EndReason, config: ModelConfig, history: TrainingHistory, per_epoch: int) -> str:
    steps = history.batch_step[-1] if history.batch_step else 0
    epoch = max(1, -(-steps // per_epoch))  # the epoch it was in
    if reason == EndReason.DIVERGED:
        return (
            f"Training diverged: the loss blew up to {history.batch_loss[-1]:.3g} at step {steps} (epoch "
            f"{epoch}). The weights are unusable. Lower the learning rate "
            f"(now {config.learning_rate:g}; try 0.001) and train again."
        )
    if reason == EndReason.STOPPED:
        where = "after" if steps % per_epoch == 0 else "during"
        return (
            f"Stopped {where} epoch {epoch} of {config.epochs} after {steps} batches "
            f"({plural(steps // per_epoch, 'full epoch')}); the model trained so far is kept and usable."
        )
    return f"Trained {plural(config.epochs, 'epoch')}."


def _finetune_text(reason: EndReason, config: ModelConfig, history: TrainingHistory) -> str:
    if reason == EndReason.DIVERGED:
        return "Fine-tuning diverged: the loss blew up. Start again from the model."
    if reason == EndReason.STOPPED:
        done = history.epoch[-1] if history.epoch else 0
        return f"Stopped after {plural(done, 'epoch')} of {config.epochs}; the model tuned so far is kept."
    return f"Fine-tuned for {plural(config.epochs, 'epoch')}."


def _worker_died_text(ending: Ending) -> str:
    code = ending.exit_code
    cause = "it ran out of memory or was killed" if code is not None and code < 0 else "it crashed"
    return (f"The training worker stopped unexpectedly (exit code {code}: {cause}), so this run was lost. "
            "Start it again; a new worker takes over.")


_FAILURES = {
    EndReason.TRAINER_ERROR: lambda ending: f"Training failed: {ending.detail}",
    EndReason.WORKER_BROKEN: lambda ending: f"The training worker could not start: {ending.detail}",
    EndReason.WORKER_DIED: _worker_died_text,
    EndReason.UNREADABLE_MODEL: lambda ending: f"The trained model could not be read: {ending.detail}",
    EndReason.LOST: lambda ending: "The server restarted while this run was training, so it was lost. "
                                   "Start it again.",
}


def job_error_text(error: JobError) -> str:
    """Why a job could not be submitted or found, in words a user can act on."""
    if isinstance(error, SessionBusyError):
        state = "waiting in line" if error.queued else "training"
        return (f"This session already has a run {state}. One run per session at a time keeps the queue "
                "fair: wait for it to finish, or stop it, then start the next.")
    if isinstance(error, QueueFullError):
        return (f"{plural(error.waiting, 'run is', 'runs are')} already waiting for the training worker. "
                "Try again in a few minutes.")
    if isinstance(error, UnknownJobError):
        return f"No training job {error.job_id!r}: it ended long ago or never existed."
    return str(error)
