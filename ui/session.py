"""What a session's pages share: its runs and their jobs, and which model is active.

Everything a user trains lives in that user's ``st.session_state`` (and in their jobs, while
training), nowhere else; what every session shares read-only is in ``ui.resources``.
Pages never train: they submit a job and poll it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import streamlit as st

from mnist_core import DenseNetwork, Evaluation, ModelConfig, ModelFileError, TrainingHistory, evaluate
from mnist_core.text.runs import finished_toast
from mnist_core.training.queue import UnknownJobError
from mnist_core.training.record import JobStatus
from mnist_core.training.runs import Run, last_finite, next_run_name
from ui import resources
from ui.resources import default_record, load_dataset, load_default

RUNS_KEY = "runs"  # session_state: dict run id -> Run, in creation order
ACTIVE_KEY = "active_run"  # session_state: id of the active run, or None for the default
DEFAULT_KEY = "default"  # model key of the shipped default model
DEFAULT_NAME = "Default model (shipped)"  # its name on every page
SESSION_KEY = "session_id"  # session_state: this session's id in the job queue
TOASTS_KEY = "pending_toasts"  # session_state: toasts to show on the next full page run


@dataclass(frozen=True)
class ActiveModel:
    """The model Predictions and Draw use."""

    key: str  # DEFAULT_KEY or a run id
    name: str  # for display
    network: DenseNetwork
    run: Run | None  # None for the shipped default


@st.cache_resource(show_spinner="Scoring the default model on 10,000 test images…")
def _default_evaluation() -> Evaluation:
    network, _ = load_default()
    dataset = load_dataset()
    return evaluate(network, dataset.x_test, dataset.y_test)


def runs() -> dict[str, Run]:
    """This session's runs, oldest first."""
    return st.session_state.setdefault(RUNS_KEY, {})


def session_id() -> str:
    """This browser session's id in the job queue."""
    return st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex)


def start_run(config: ModelConfig, task=None, name: str | None = None) -> Run:
    """Queue ``config`` (or ``task``, a fine-tune that ``config`` describes) as a job of this
    session and register its run, named ``name`` or the next "Run N".

    Raises ``SessionBusyError`` (this session has a queued or running job) or
    ``QueueFullError``, with messages to show as they are.
    """
    queue = resources.job_queue()
    job_id = queue.submit(session_id(), config, task)
    run = Run(id=f"run-{uuid.uuid4().hex[:12]}", name=name or next_run_name(runs()), config=config,
              job_id=job_id)
    run.follow(queue.snapshot(job_id))
    runs()[run.id] = run
    return run


def pending_runs() -> list[Run]:
    """This session's runs whose job is queued or running."""
    return [run for run in runs().values() if run.job_id is not None and not run.finished]


def sync_runs() -> list[Run]:
    """Poll the jobs of this session's unfinished runs; returns the runs that just finished.

    A run that completes while the shipped default is the active model becomes the active
    model. Each finished run leaves a toast for the next full page run (``show_toasts``).
    """
    if not pending_runs():
        return []
    queue, done = resources.job_queue(), []
    queue.touch(session_id())
    for run in pending_runs():
        try:
            snapshot = queue.snapshot(run.job_id)
        except UnknownJobError:
            run.lose()
            done.append(run)
            continue
        if run.follow(snapshot):
            queue.forget(run.job_id)
            done.append(run)
    for run in done:
        activated = run.status == JobStatus.COMPLETED and run.usable and not st.session_state.get(ACTIVE_KEY)
        if activated:
            set_active(run.id)
        validation = last_finite(run.history.val_accuracy)
        toast = finished_toast(run.name, run.status, validation, activated)
        st.session_state.setdefault(TOASTS_KEY, []).append(toast)
    return done


def show_toasts() -> None:
    for text in st.session_state.pop(TOASTS_KEY, []):
        st.toast(text, icon=":material/model_training:")


def set_active(run_id: str | None) -> None:
    """Make a run (or the default model, with None) the active model of this session."""
    st.session_state[ACTIVE_KEY] = run_id


def active_model() -> ActiveModel | None:
    """The active run if usable, else the shipped default; None (with an st.error) if neither."""
    run = runs().get(st.session_state.get(ACTIVE_KEY) or "")
    if run is not None and run.usable:
        return ActiveModel(run.id, f"{run.name} (this session)", run.network, run)
    try:
        network, _ = load_default()
    except ModelFileError as error:
        st.error(f"**The default model could not be loaded.** {error}", icon=":material/error:")
        return None
    return ActiveModel(DEFAULT_KEY, DEFAULT_NAME, network, None)


def evaluation_of(active: ActiveModel) -> Evaluation:
    """Test-set evaluation of the active model: computed once per model (with a spinner), then reused."""
    if active.run is None:
        return _default_evaluation()
    if active.run.evaluation is None:
        dataset = load_dataset()
        with st.spinner(f"Scoring {active.run.name} on the 10,000 test images…"):
            active.run.evaluation = evaluate(active.network, dataset.x_test, dataset.y_test)
    return active.run.evaluation


def run_evaluation(run: Run) -> Evaluation | None:
    """A run's test-set evaluation (scored once, kept on the run); None while it cannot classify."""
    return evaluation_of(ActiveModel(run.id, run.name, run.network, run)) if run.usable else None


def model_record(model: ActiveModel) -> tuple[TrainingHistory, ModelConfig | None]:
    """A model's training curves and settings: from its run, or the shipped default's sidecar."""
    return (model.run.history, model.run.config) if model.run is not None else default_record()
