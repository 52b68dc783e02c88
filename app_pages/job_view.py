"""A training job as the pages show it: start, wait in line, live progress and charts, Stop.

Home's Fit step and the Train page both draw runs through these functions. The live view is
an ``st.fragment`` that polls the job's snapshot every ``POLL_SECONDS``; no page ever trains.
"""

from __future__ import annotations

import time

import streamlit as st

from app_pages import common
from app_pages.common import pending_runs, start_run, sync_runs
from mnist_core import ModelConfig
from mnist_core.charts.training import curve_figure
from mnist_core.jobs import JobError, JobStatus, SessionBusyError
from mnist_core.run_text import progress_line, waiting_text
from mnist_core.runs import Run

POLL_SECONDS = 2.0  # how often a live view polls its job (each poll redraws its two charts)
STOP_WAIT_SECONDS = 1.0  # Stop waits this long for the worker to hand back the partial model
CHART_CONFIG = {"displayModeBar": False}
SMOOTHING_HELP = (
    "The light curve is each batch's own loss or accuracy, averaged over about 20 batches. "
    "Keras itself reports a running mean that restarts at every epoch, which would make the "
    "curve jump at each epoch boundary; the dots are the epoch averages Keras reports."
)


def start_or_explain(config: ModelConfig) -> Run | None:
    """Queue a run for this session, or explain (in the page) why not and return None."""
    try:
        return start_run(config)
    except SessionBusyError as error:
        busy = ", ".join(run.name for run in pending_runs())
        st.warning(f"**{busy} is not finished yet.** {error}", icon=":material/hourglass_top:")
    except JobError as error:
        st.error(str(error), icon=":material/error:")
    return None


def stop(run: Run) -> None:
    """on_click of Stop: a queued run ends at once, a running one after its current batch."""
    queue = common.job_queue()
    try:
        queue.stop(run.job_id)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while time.monotonic() < deadline and not queue.snapshot(run.job_id).finished:
            time.sleep(0.05)
    except JobError:
        pass  # already gone: the next poll says what happened


def render_live(run: Run, key: str) -> None:
    """The run while it waits or trains: place in line or progress, Stop, live curves.

    Reruns the whole page when the run finishes, so the outcome and the new model show.
    """

    @st.fragment(run_every=POLL_SECONDS)
    def live() -> None:
        if sync_runs() or run.finished:
            st.rerun()
        snapshot = run.job
        status = "waiting in line" if run.status == JobStatus.QUEUED else "training"
        st.markdown(f"#### {run.name} · {status}")
        bar_column, stop_column = st.columns([5, 1], vertical_alignment="center")
        if snapshot is None or snapshot.progress is None:
            text = waiting_text(snapshot) if snapshot else "Queued…"
            bar_column.info(text, icon=":material/hourglass_top:")
        else:
            bar_column.progress(min(1.0, snapshot.progress.fraction), text=progress_line(snapshot.progress))
        stop_column.button(
            "Stop",
            key=f"{key}_stop",
            icon=":material/stop_circle:",
            on_click=stop,
            args=(run,),
            width="stretch",
            help="End training after the current batch; the model trained so far is kept.",
        )
        render_curves(run, key)

    live()


def render_curves(run: Run, key: str) -> None:
    """Loss and accuracy of a run so far (or finished), side by side, with the zoom switch."""
    if not run.steps_per_epoch or not run.history.batch_step:
        return
    zoom = st.session_state.get(f"{key}_zoom", False)
    columns = st.columns(2)
    for metric, column in zip(("loss", "accuracy"), columns, strict=True):
        figure = curve_figure(
            run.history, metric, run.steps_per_epoch, planned_epochs=run.config.epochs, zoom=zoom
        )
        column.plotly_chart(figure, key=f"{key}_{metric}", config=CHART_CONFIG)
    left, right = st.columns(2)
    left.caption("Per-batch curves are smoothed.", help=SMOOTHING_HELP)
    right.toggle("Zoom accuracy to 96–100 %", key=f"{key}_zoom")
