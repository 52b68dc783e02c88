"""The sidebar of every page: the session's training status, the active model, the data source."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from mnist_core import ModelFileError, mnist_source
from mnist_core.text.dataset import data_source_caption
from mnist_core.text.runs import job_status_line, settings_summary
from ui.resources import dataset_failed, load_default
from ui.session import ACTIVE_KEY, pending_runs, runs, show_toasts, sync_runs

SIDEBAR_POLL_SECONDS = 3.0  # how often the sidebar's job status polls the queue
LIVE_PAGE = "train"  # url path of the page that shows the session's unfinished run live itself


def render_sidebar(page: str = "") -> None:
    """Training status, which model is active (with its test accuracy), where the data came from.

    ``page`` is the url path of the page being shown ("" for Home).
    """
    sync_runs()
    show_toasts()
    with st.sidebar:
        render_job_status(poll=page != LIVE_PAGE)
        st.caption("Active model")
        run = runs().get(st.session_state.get(ACTIVE_KEY) or "")
        if run is not None and run.usable:
            accuracy = run.evaluation.accuracy if run.evaluation is not None else None
            st.markdown(f"**{run.name}** · trained in this session")
            st.caption(settings_summary(run.config))
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
    st.caption(data_source_caption(mnist_source(), dataset_failed()))


def render_job_status(poll: bool = True) -> None:
    """'Run 3 · epoch 2/5 · 41 %' or 'Run 3 · waiting in line, 2nd', linking to Train, on every page.

    Polls in a fragment while this session has a queued or running job; when it finishes the
    whole page reruns, so the toast shows and every page uses the new model at once. Without
    ``poll`` (on Train, whose live view shows the run and reruns the page when it ends) it only
    says so: one progress figure on the screen, not two a poll apart.
    """
    if not pending_runs():
        return
    st.caption("Training")
    if not poll:
        for run in pending_runs():
            st.caption(f"{run.name} · live on this page", help="Its progress and Stop are on the page.")
        return

    @st.fragment(run_every=SIDEBAR_POLL_SECONDS)
    def job_status() -> None:
        if sync_runs():
            st.rerun()
        for run in pending_runs():
            waiting = f"{run.name} · waiting in line"
            label = job_status_line(run.name, run.job) if run.job is not None else waiting
            try:
                st.page_link("app_pages/train.py", label=label, icon=":material/model_training:")
            except StreamlitPageNotFoundError:  # a page run on its own (AppTest of one page)
                st.caption(label)

    job_status()
