"""What every page shares: cached resources, the session's runs and their jobs, the sidebar.

Shared across sessions (``st.cache_resource``): the dataset and the shipped default model with
its test evaluation (read-only), and the server-wide training queue. Everything a user trains
lives in that user's ``st.session_state`` (and in their jobs, while training), nowhere else.
Pages never train: they submit a job and poll it.
"""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from mnist_core import (
    DatasetError,
    DenseNetwork,
    Evaluation,
    MnistLabError,
    ModelConfig,
    ModelFileError,
    TrainingHistory,
    evaluate,
    lesson_text,
    load_default_network,
    load_mnist,
    mnist_source,
)
from mnist_core.dataset_stats import array_summary
from mnist_core.jobs import JobQueue, JobStatus, UnknownJobError
from mnist_core.memory import one_blas_thread, release_freed_buffers_promptly
from mnist_core.run_text import finished_toast, job_status_line
from mnist_core.runs import Run, last_finite, next_run_name

RUNS_KEY = "runs"  # session_state: dict run id -> Run, in creation order
ACTIVE_KEY = "active_run"  # session_state: id of the active run, or None for the default
DEFAULT_KEY = "default"  # model key of the shipped default model
SESSION_KEY = "session_id"  # session_state: this session's id in the job queue
TOASTS_KEY = "pending_toasts"  # session_state: toasts to show on the next full page run
SIDEBAR_POLL_SECONDS = 3.0  # how often the sidebar's job status polls the queue


@dataclass(frozen=True)
class Dataset:
    """MNIST as read-only arrays: x uint8 (N, 28, 28), y uint8 (N,), and where it came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of the "train" or the "test" split."""
        if name not in ("train", "test"):
            raise ValueError(f'split must be "train" or "test", got {name!r}.')
        return (self.x_train, self.y_train) if name == "train" else (self.x_test, self.y_test)


@dataclass(frozen=True)
class ActiveModel:
    """The model Predictions and Draw use."""

    key: str  # DEFAULT_KEY or a run id
    name: str  # for display
    network: DenseNetwork
    run: Run | None  # None for the shipped default


@st.cache_resource(show_spinner="Loading MNIST…")
def load_dataset() -> Dataset:
    """MNIST, loaded once per server process; arrays are read-only. Raises DatasetError."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    for array in (x_train, y_train, x_test, y_test):
        array.flags.writeable = False
    return Dataset(x_train, y_train, x_test, y_test, mnist_source())


@st.cache_resource(show_spinner=False)
def tune_server_process() -> bool:
    """Once per process, before the first page loads data (``mnist_core.memory``): freed arrays
    go back to the operating system (278 MB of server RSS after every page, not 452 MB), and
    NumPy's BLAS keeps to one thread per call (sessions share the cores)."""
    one_blas_thread()
    return release_freed_buffers_promptly()


@st.cache_resource(show_spinner=False)
def freeze_startup_objects() -> None:
    """Once per process, after the first script run: move the objects alive now (modules,
    classes, functions: ~130,000 of them) out of the garbage collector's reach (``gc.freeze``).

    Streamlit runs a full ``gc.collect()`` after every script and fragment run
    (``runner.postScriptGC``); scanning these long-lived objects cost about 70 ms of server
    CPU per click, measured here, and afterwards costs well under 1 ms. Objects created
    later are collected as before.
    """
    gc.collect()
    gc.freeze()


def dataset_or_stop() -> Dataset:
    """The dataset, or an explanation and ``st.stop()`` when it cannot be loaded."""
    try:
        return load_dataset()
    except DatasetError as error:
        st.error(f"**MNIST could not be loaded.** {error}", icon=":material/database_off:")
        st.info("Offline? Run `MNIST_PATH=/path/to/mnist.npz streamlit run app.py`.")
        st.stop()


@st.cache_resource(show_spinner=False)
def dataset_summary() -> list[dict]:
    """Name, shape, dtype, min and max of the four arrays (the lesson's names), once per process:
    a min and a max over 47 million training pixels are not worth repeating for every visitor."""
    dataset = load_dataset()
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    return array_summary(dict(zip(lesson_text.LESSON_NAMES, arrays, strict=True)))


@st.cache_resource(show_spinner="Loading the default model…")
def load_default() -> tuple[DenseNetwork, dict]:
    """The shipped models/default.keras as a NumPy network and its sidecar, once per process.

    Raises ModelFileError."""
    return load_default_network()


@st.cache_resource(show_spinner="Scoring the default model on 10,000 test images…")
def _default_evaluation() -> Evaluation:
    network, _ = load_default()
    dataset = load_dataset()
    return evaluate(network, dataset.x_test, dataset.y_test)


def runs() -> dict[str, Run]:
    """This session's runs, oldest first."""
    return st.session_state.setdefault(RUNS_KEY, {})


@st.cache_resource(show_spinner=False, on_release=JobQueue.close)
def job_queue() -> JobQueue:
    """The server-wide training queue and its worker process (one per server process)."""
    return JobQueue()


def session_id() -> str:
    """This browser session's id in the job queue."""
    return st.session_state.setdefault(SESSION_KEY, uuid.uuid4().hex)


def start_run(config: ModelConfig) -> Run:
    """Queue ``config`` as a job of this session and register its run.

    Raises ``SessionBusyError`` (this session has a queued or running job) or
    ``QueueFullError``, with messages to show as they are.
    """
    queue = job_queue()
    job_id = queue.submit(session_id(), config)
    run = Run(id=f"run-{uuid.uuid4().hex[:12]}", name=next_run_name(runs()), config=config, job_id=job_id)
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
    queue, done = job_queue(), []
    queue.touch(session_id())
    for run in pending_runs():
        try:
            snapshot = queue.snapshot(run.job_id)
        except UnknownJobError:
            run.lose("The server restarted while this run was training, so it was lost. Start it again.")
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
        toast = finished_toast(run.name, JobStatus(run.status), validation, activated)
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
    return ActiveModel(DEFAULT_KEY, "Default model (shipped)", network, None)


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


@st.cache_resource(show_spinner=False)
def default_record() -> tuple[TrainingHistory, ModelConfig | None]:
    """The shipped default model's training curves and settings, as its sidecar records them
    (empty curves and None when the model or its sidecar cannot be read). Decoded once per
    process and shared: read it, never change it."""
    try:
        return lesson_text.recorded_training(load_default()[1])
    except MnistLabError:
        return TrainingHistory(), None


def model_record(model: ActiveModel) -> tuple[TrainingHistory, ModelConfig | None]:
    """A model's training curves and settings: from its run, or the shipped default's sidecar."""
    return (model.run.history, model.run.config) if model.run is not None else default_record()


def render_sidebar() -> None:
    """Training status, which model is active (with its test accuracy), where the data came from."""
    sync_runs()
    show_toasts()
    with st.sidebar:
        render_job_status()
        st.caption("Active model")
        run = runs().get(st.session_state.get(ACTIVE_KEY) or "")
        if run is not None and run.usable:
            accuracy = run.evaluation.accuracy if run.evaluation is not None else None
            st.markdown(f"**{run.name}** · trained in this session")
            st.caption(run.config.describe())
        else:
            try:
                _, metadata = load_default()
            except ModelFileError:
                st.markdown("**No model** · the default model file is unusable")
                return _render_data_source()
            accuracy = (metadata.get("test") or {}).get("accuracy")
            st.markdown("**Default model** · shipped `models/default.keras`")
        if accuracy is not None:
            st.metric("Test accuracy", f"{accuracy:.2%}")
        _render_data_source()


def _render_data_source() -> None:
    """Where MNIST came from, by name only: a server's folders are no student's business."""
    source = mnist_source()
    st.caption(
        "Data: MNIST from Keras' download" if source == "keras"
        else f"Data: MNIST from `{Path(source).name}` (set by MNIST_PATH)"
    )


def render_job_status() -> None:
    """'Run 3 · epoch 2/5 · 41 %' or 'Run 3 · queued, 2nd', linking to Train, on every page.

    Polls in a fragment while this session has a queued or running job; when it finishes the
    whole page reruns, so the toast shows and every page uses the new model at once.
    """
    if not pending_runs():
        return

    @st.fragment(run_every=SIDEBAR_POLL_SECONDS)
    def job_status() -> None:
        if sync_runs():
            st.rerun()
        for run in pending_runs():
            label = job_status_line(run.name, run.job) if run.job is not None else f"{run.name} · queued"
            try:
                st.page_link("app_pages/train.py", label=label, icon=":material/model_training:")
            except StreamlitPageNotFoundError:  # a page run on its own (AppTest of one page)
                st.caption(label)

    st.caption("Training")
    job_status()
