"""The words and numbers shown about training runs and jobs: one format for each, no Streamlit.

Throughput is always "images/s"; a time left or a wait is always ``duration_text`` ("about
40 s", "about 2 min 10 s"); estimates come from measured speed, or are left out.
"""

from __future__ import annotations

import math

from mnist_core.config import ModelConfig
from mnist_core.training.queue import JobSnapshot, JobStatus
from mnist_core.training.record import BatchProgress

NO_MODEL_HELP = (  # shown by the pages that need a model when there is none
    "**What to do:** train a model on the Train page (when it completes, it becomes the active model), "
    "or restore the shipped file with `git checkout models/default.keras`, or retrain it with "
    "`python -m mnist_core --preset best --out models/default.keras`, then reload this page."
)


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 epoch', '2 epochs', '1,000 images'."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…"""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def duration_text(seconds: float | None) -> str:
    """An estimate, rounded as such: 'about 40 s', 'about 2 min 10 s', 'about 1 h 5 min'; '' for None."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5 if seconds >= 10 else round(seconds))} s"
    minutes, rest = divmod(round(seconds / 10) * 10, 60)
    if minutes < 60:
        return f"about {minutes} min" + (f" {rest} s" if rest else "")
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h" + (f" {minutes} min" if minutes else "")


def elapsed_text(seconds: float) -> str:
    """A measured time: '36.2 s', '2 min 05 s'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def throughput_text(images_per_second: float) -> str:
    return f"{images_per_second:,.0f} images/s"


def progress_line(progress: BatchProgress) -> str:
    """The one progress line of a training run (Home and Train)."""
    return (
        f"Epoch {progress.epoch}/{progress.epochs} · batch {progress.batch}/{progress.batches} · "
        f"loss {progress.loss:.3f} · accuracy {progress.accuracy:.1%} · "
        f"{throughput_text(progress.samples_per_second)} · {duration_text(progress.eta_seconds)} left"
    )


def queue_line(place: int, wait_seconds: float | None) -> str:
    """'2nd in line, about 40 s' (no estimate before this machine's speed was measured)."""
    text = f"{ordinal(place)} in line"
    if wait_seconds is None:
        return text
    return f"{text}, starting now" if wait_seconds < 1 else f"{text}, {duration_text(wait_seconds)}"


def job_status_line(name: str, snapshot: JobSnapshot) -> str:
    """The sidebar's status of a queued or running job: 'Run 3 · epoch 2/5 · 41 %'."""
    if snapshot.status == JobStatus.QUEUED:
        return f"{name} · queued, {ordinal(snapshot.place or 1)}"
    if snapshot.status == JobStatus.RUNNING:
        progress = snapshot.progress
        if progress is None:
            return f"{name} · starting"
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


def layers_text(config: ModelConfig) -> str:
    """'512', '512-512' or 'no hidden layer'."""
    return "-".join(str(units) for units in config.hidden_units) or "no hidden layer"


def preset_label(name: str, config: ModelConfig) -> str:
    """A preset's label, derived from its config.

    E.g. 'best: 512-512 relu, dropout 0.2, adam, cosine decay, augmented, 20 epochs'."""
    parts = [layers_text(config) + (f" {config.activation}" if config.hidden_units else "")]
    parts += [f"dropout {config.dropout:g}"] if config.dropout else []
    parts += [config.optimizer]
    parts += ["cosine decay"] if config.schedule == "cosine" else []
    parts += ["augmented"] if config.augment else []
    parts += [plural(config.epochs, "epoch")]
    return f"{name}: " + ", ".join(parts)


def measured_time_note(seconds: float | None) -> str:
    """" It takes about 40 s on this server (measured here).", or "" before anything was measured."""
    return f" It takes {duration_text(seconds)} on this server (measured here)." if seconds else ""


def settings_summary(config: ModelConfig) -> str:
    """One line for tables: '512 relu, rmsprop lr=0.001, 5 epochs x 128, 60,000 images'."""
    images = f"{config.train_size:,} images" if config.train_size else "60,000 images"
    text = f"{config.describe()}, {images}".replace(" ep x ", " epochs x ")
    return text.replace(" 1 epochs x ", " 1 epoch x ")


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
