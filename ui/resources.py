"""What the whole server process shares (``st.cache_resource``), read-only: MNIST, the shipped
default model with its recorded training, the training queue, and the process's own settings.
Nothing a user trains or uploads is kept here (that is ``ui.session``, per session).
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st

from mnist_core import (
    DatasetError,
    DenseNetwork,
    MnistLabError,
    ModelConfig,
    TrainingHistory,
    load_default_network,
    load_mnist,
    mnist_source,
)
from mnist_core.data.stats import array_summary
from mnist_core.lesson import printouts
from mnist_core.serving.process import one_blas_thread, release_freed_buffers_promptly
from mnist_core.text import dataset as dataset_text
from mnist_core.training.queue import JobQueue

DATASET_RETRY_SECONDS = 300.0  # a failed MNIST load is tried again after this long (or on Retry)


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


@st.cache_resource(show_spinner="Loading MNIST…")
def load_dataset() -> Dataset:
    """MNIST, loaded once per server process; arrays are read-only. Raises DatasetError."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    for array in (x_train, y_train, x_test, y_test):
        array.flags.writeable = False
    return Dataset(x_train, y_train, x_test, y_test, mnist_source())


@st.cache_resource(show_spinner=False)
def tune_server_process() -> bool:
    """Once per process, before the first page loads data (``mnist_core.serving.process``): freed arrays
    go back to the operating system (278 MB of server RSS after every page, not 452 MB), and
    NumPy's BLAS keeps to one thread per call (sessions share the cores)."""
    one_blas_thread()
    return release_freed_buffers_promptly()


@st.cache_resource(show_spinner=False)
def freeze_startup_objects(page: str) -> None:
    """Once per process and page, after that page's first run: move the objects alive now
    (modules, classes, functions, the read-only figures and tables it cached) out of the
    garbage collector's reach (``gc.freeze``). ``page`` is the page's url path.

    A full collection holds the GIL while it scans every tracked object, and a first run leaves
    a page's long-lived objects behind (modules, Plotly Express, its caches): frozen per page,
    they are scanned no more (benchmarks/README.md, "Serving: what made the difference
    (history)"). Objects created later are collected as before; what a first run leaves as
    cyclic garbage is kept, at most once per page.
    """
    gc.collect()
    gc.freeze()


@dataclass
class DatasetFailure:
    """When loading MNIST last failed (``time.monotonic()``), or None: shared by every session,
    so a failed load (a download that times out takes seconds) is not tried again on every page."""

    failed_at: float | None = None


@st.cache_resource(show_spinner=False)
def dataset_failure() -> DatasetFailure:
    return DatasetFailure()


def dataset_failed() -> bool:
    """Whether loading MNIST failed less than ``DATASET_RETRY_SECONDS`` ago (Retry tries at once)."""
    failed_at = dataset_failure().failed_at
    return failed_at is not None and time.monotonic() - failed_at < DATASET_RETRY_SECONDS


def retry_dataset() -> None:
    """on_click of Retry: forget the failure, so the next page run loads MNIST again."""
    dataset_failure().failed_at = None


def dataset_or_stop() -> Dataset:
    """The dataset, or an explanation with a Retry button and ``st.stop()`` when it cannot be
    loaded. A failure is remembered for ``DATASET_RETRY_SECONDS``: the pages say so at once
    instead of each waiting for another failed download. The error's own text (a path, a
    library's exception) goes to the server's log, not to the page."""
    if not dataset_failed():
        try:
            return load_dataset()
        except DatasetError as error:
            logging.getLogger(__name__).warning("MNIST could not be loaded: %s", error)
            dataset_failure().failed_at = time.monotonic()
            st.rerun()  # once: the sidebar, drawn before this page, then says the same
    st.error(dataset_text.no_data_message(mnist_source()), icon=":material/database_off:")
    st.info(dataset_text.NO_DATA_HELP, icon=":material/info:")
    st.button("Retry", icon=":material/refresh:", on_click=retry_dataset, key="dataset_retry")
    st.stop()


@st.cache_resource(show_spinner=False)
def dataset_summary() -> list[dict]:
    """Name, shape, dtype, min and max of the four arrays (the lesson's names), once per process:
    a min and a max over 47 million training pixels are not worth repeating for every visitor."""
    dataset = load_dataset()
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    return array_summary(dict(zip(printouts.LESSON_NAMES, arrays, strict=True)))


@st.cache_resource(show_spinner="Loading the default model…")
def load_default() -> tuple[DenseNetwork, dict]:
    """The shipped models/default.keras as a NumPy network and its sidecar, once per process.

    Raises ModelFileError."""
    return load_default_network()


@st.cache_resource(show_spinner=False, on_release=JobQueue.close)
def job_queue() -> JobQueue:
    """The server-wide training queue and its worker process (one per server process)."""
    return JobQueue()


@st.cache_resource(show_spinner=False)
def default_record() -> tuple[TrainingHistory, ModelConfig | None]:
    """The shipped default model's training curves and settings, as its sidecar records them
    (empty curves and None when the model or its sidecar cannot be read). Decoded once per
    process and shared: read it, never change it."""
    try:
        return printouts.recorded_training(load_default()[1])
    except MnistLabError:
        return TrainingHistory(), None
