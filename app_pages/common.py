"""What every page shares: cached read-only resources, the session's runs, the sidebar.

Shared across sessions (``st.cache_resource``), read-only: the dataset and the shipped
default model with its test evaluation. Everything a user trains lives in that user's
``st.session_state`` and nowhere else.
"""

from __future__ import annotations

import gc
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

import mnist_core
from mnist_core import (
    DatasetError,
    DenseNetwork,
    Evaluation,
    ModelConfig,
    ModelFileError,
    TrainingHistory,
    evaluate,
    load_default_network,
    load_mnist,
    mnist_source,
)

RUNS_KEY = "runs"  # session_state: dict run id -> Run, in creation order
ACTIVE_KEY = "active_run"  # session_state: id of the active run, or None for the default
DEFAULT_KEY = "default"  # model key of the shipped default model


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


@dataclass
class Run:
    """One training run of this session: its settings, curves, outcome and model."""

    id: str
    name: str
    config: ModelConfig
    history: TrainingHistory = field(default_factory=TrainingHistory)
    status: str = "running"  # "running", then mnist_core's COMPLETED, STOPPED or DIVERGED
    message: str = ""
    model: object = None  # keras.Model, kept even when stopped part-way
    seconds: float = 0.0
    created: float = field(default_factory=time.time)
    evaluation: Evaluation | None = None  # test-set evaluation, computed once
    network: DenseNetwork | None = None  # the trained weights for inference, once training ended

    @property
    def usable(self) -> bool:
        """A model that can classify: trained at least one batch and not diverged."""
        trained = bool(self.history.batch_step)
        return self.network is not None and self.status != mnist_core.DIVERGED and trained


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


def new_run(config: ModelConfig) -> Run:
    """Register a run in this session before training starts, so nothing is lost if interrupted."""
    run = Run(id=f"run-{uuid.uuid4().hex[:12]}", name=f"Run {len(runs()) + 1}", config=config)
    runs()[run.id] = run
    return run


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
    """Test-set evaluation of the active model: computed once per model, then reused."""
    if active.run is None:
        return _default_evaluation()
    if active.run.evaluation is None:
        dataset = load_dataset()
        active.run.evaluation = evaluate(active.network, dataset.x_test, dataset.y_test)
    return active.run.evaluation


def render_sidebar() -> None:
    """Which model is active (with its test accuracy) and where the data came from."""
    with st.sidebar:
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
    source = mnist_source()
    st.caption(
        "Data: Keras' MNIST download (~/.keras/datasets)" if source == "keras" else f"Data: `{source}`"
    )
