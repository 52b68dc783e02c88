"""A training job as the pages show it: start, wait in line, live progress and charts, Stop.

Home's Fit step (``render_lesson_fit``) and the Train page both draw runs through these
functions. The live view is an ``st.fragment`` that polls the job's snapshot (every
``POLL_SECONDS``, or ``QUEUED_POLL_SECONDS`` while the run waits behind another); no page ever
trains.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

import plotly.graph_objects as go
import streamlit as st

from mnist_core import ConfigError, ModelConfig, TrainingHistory
from mnist_core.charts.training import curve_figure, update_curve_figure
from mnist_core.text import lesson as lesson_text
from mnist_core.text.form import form_problems_text
from mnist_core.text.format import elapsed_text, plural
from mnist_core.text.runs import (
    job_error_text,
    measured_time_note,
    outcome_text,
    progress_line,
    settings_summary,
    waiting_text,
)
from mnist_core.training.form import FormError
from mnist_core.training.queue import JobError, SessionBusyError
from mnist_core.training.record import JobStatus
from mnist_core.training.runs import Run
from ui import resources
from ui.resources import default_record
from ui.session import ACTIVE_KEY, pending_runs, set_active, start_run, sync_runs

POLL_SECONDS = 2.0  # how often a live view polls its training job (each poll redraws its two charts)
# ... and a job waiting behind another in line: a class's runs wait most of the time, their place
# changes only as a whole run ends, and every poll is a script run on the server and a render in
# the browser. The 1st in line polls every POLL_SECONDS: it starts as soon as a slot is free (at
# once on an idle server), and its page should say so.
QUEUED_POLL_SECONDS = 5.0
STOP_WAIT_SECONDS = 1.0  # Stop waits this long for the worker to hand back the partial model
CHART_CONFIG = {"displayModeBar": False}
START_PROBLEM_KEY = "start_problem"  # session_state: (page, error) of a Start that queued nothing
FIGURES_KEY = "kept_figures"  # session_state: chart key -> (layout, data, figure) of its last draw
STATUS_BOXES = {  # how a run that did not complete is announced: (Streamlit box, icon)
    JobStatus.STOPPED: (st.warning, ":material/pause_circle:"),
    JobStatus.DIVERGED: (st.error, ":material/error:"),
    JobStatus.FAILED: (st.error, ":material/error:"),
}
SMOOTHING_HELP = (
    "The light curve is each batch's own loss or accuracy, averaged over about 20 batches. "
    "Keras itself reports a running mean that restarts at every epoch, which would make the "
    "curve jump at each epoch boundary; the dots are the epoch averages Keras reports."
)


def start_on_click(
    make_config: Callable[[], ModelConfig], page: str, remember: Callable[[Run], None]
) -> None:
    """on_click of a Start button: queue the run before the page runs, so that one run of the
    page draws it (and the sidebar's status), not a second ``st.rerun``.

    ``make_config()`` gives the settings (it may raise ``ConfigError``); ``remember(run)`` records
    the queued run for the page. Why nothing was queued is kept for ``explain_start(page)``.
    """
    try:
        remember(start_run(make_config()))
    except (ConfigError, JobError) as error:
        st.session_state[START_PROBLEM_KEY] = (page, error)


def explain_start(page: str) -> None:
    """Say, once, why the last Start on ``page`` queued nothing (see ``start_on_click``)."""
    problem = st.session_state.get(START_PROBLEM_KEY)
    if problem is None or problem[0] != page:
        return
    del st.session_state[START_PROBLEM_KEY]
    error = problem[1]
    if isinstance(error, SessionBusyError):
        busy = ", ".join(run.name for run in pending_runs())
        st.warning(f"**{busy} is not finished yet.** {job_error_text(error)}",
                   icon=":material/hourglass_top:")
    elif isinstance(error, FormError):
        st.error(form_problems_text(error.problems), icon=":material/tune:")
    elif isinstance(error, ConfigError):
        st.error(f"{error} Change the setting and press Start again.", icon=":material/tune:")
    else:
        st.error(job_error_text(error) if isinstance(error, JobError) else str(error),
                 icon=":material/error:")


def stop(run: Run) -> None:
    """on_click of Stop: a queued run ends at once, a running one after its current batch."""
    queue = resources.job_queue()
    try:
        queue.stop(run.job_id)
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while time.monotonic() < deadline and not queue.snapshot(run.job_id).finished:
            time.sleep(0.05)
    except JobError:
        pass  # already gone: the next poll says what happened


def status_box(run: Run, text: str) -> None:
    """``text`` in the box that fits how ``run`` ended: a warning when stopped, an error when it
    diverged or failed, a success when it completed."""
    if run.status == JobStatus.COMPLETED:
        st.success(text, icon=":material/check_circle:")
    else:
        box, icon = STATUS_BOXES.get(run.status, (st.warning, None))
        box(text, icon=icon)


def render_live(run: Run, key: str, figures: str | None = None) -> None:
    """The run while it waits or trains: its name, status and Stop, then place in line or
    progress and the live curves.

    Only what changes polls (in a fragment): each element a poll sends is rendered again in
    the browser. A run waiting behind others polls every ``QUEUED_POLL_SECONDS``, the 1st in line
    and a training one every ``POLL_SECONDS``; the whole page reruns when the run moves up to 1st,
    when it starts training (the new status) and when it finishes (the outcome and the new model).
    ``figures``: see ``render_curves``.
    """
    queued = run.status == JobStatus.QUEUED
    behind = waits_behind(run)
    # Stop keeps its whole label in Home's half-width column at 1280 px ([5, 1] showed "S..").
    name_column, stop_column = st.columns([3, 1], vertical_alignment="bottom")
    name_column.markdown(f"#### {run.name} · {'waiting in line' if queued else 'training'}")
    stop_column.button(
        "Stop",
        key=f"{key}_stop",
        icon=":material/stop_circle:",
        on_click=stop,
        args=(run,),
        width="content",
        help="End training after the current batch; the model trained so far is kept.",
    )

    @st.fragment(run_every=QUEUED_POLL_SECONDS if behind else POLL_SECONDS)
    def live() -> None:
        finished = sync_runs()  # first: the checks below must see this poll's state of the run
        moved = queued != (run.status == JobStatus.QUEUED) or behind != waits_behind(run)
        if finished or run.finished or moved:
            st.rerun()
        snapshot = run.job
        if snapshot is None or snapshot.progress is None:
            st.info(waiting_text(snapshot) if snapshot else "Queued…", icon=":material/hourglass_top:")
        else:
            st.progress(min(1.0, snapshot.progress.fraction), text=progress_line(
                snapshot.progress, snapshot.seconds_left, snapshot.images_per_second))
        render_curves(run, key, figures)

    live()


def waits_behind(run: Run) -> bool:
    """Whether ``run`` waits in line behind another queued run (2nd or later)."""
    snapshot = run.job
    return snapshot is not None and snapshot.status == JobStatus.QUEUED and (snapshot.place or 1) > 1


def render_curves(run: Run, key: str, figures: str | None = None) -> None:
    """Loss and accuracy of a run so far (or finished), side by side, with the zoom switch.

    ``figures`` names the session's kept figures (default ``key``): Train's live and final views
    share theirs, so a run's final charts refill its live ones instead of building them again.
    """
    if not run.steps_per_epoch or not run.history.batch_step:
        return
    zoom = st.session_state.get(f"{key}_zoom", False)
    columns = st.columns(2)
    for metric, column in zip(("loss", "accuracy"), columns, strict=True):
        figure = kept_figure(
            f"{figures or key}_{metric}",
            layout=(run.id, zoom),
            data=(len(run.history.batch_step), len(run.history.epoch)),
            build=lambda metric=metric: curve_figure(
                run.history, metric, run.steps_per_epoch, planned_epochs=run.config.epochs, zoom=zoom
            ),
            refill=lambda figure, metric=metric: update_curve_figure(
                figure, run.history, metric, run.steps_per_epoch
            ),
        )
        column.plotly_chart(figure, key=f"{key}_{metric}", config=CHART_CONFIG)
    left, right = st.columns(2)
    left.caption("Per-batch curves are smoothed.", help=SMOOTHING_HELP)
    right.toggle("Zoom accuracy to 96–100 %", key=f"{key}_zoom")


def kept_figure(
    chart: str,
    layout: Hashable,
    data: Hashable,
    build: Callable[[], go.Figure],
    refill: Callable[[go.Figure], go.Figure] | None = None,
) -> go.Figure:
    """This session's figure for the chart keyed ``chart``, made again only when it changed.

    ``build()`` makes it when its ``layout`` (which run, which options) is new; ``refill(figure)``
    puts new values into the kept one when only its ``data`` (how many values) changed, else it
    is built again; a chart whose layout and data are those of its last draw reuses its figure.
    Building a curve figure costs 12-18 ms of server CPU with the GIL held, refilling it ~3 ms
    (measured here), and the Train page draws its charts on every poll and every rerun.
    """
    kept = st.session_state.setdefault(FIGURES_KEY, {})
    last_layout, last_data, figure = kept.get(chart, (None, None, None))
    if figure is None or last_layout != layout or (last_data != data and refill is None):
        figure = build()
    elif last_data != data:
        figure = refill(figure)
    kept[chart] = (layout, data, figure)
    return figure


# --- Home's Fit step ---------------------------------------------------------------------


def render_lesson_fit(config: ModelConfig, run: Run | None, remember: Callable[[Run], None]) -> None:
    """Home's Fit step: the button, then the lesson's ``run``: live while it trains (as on
    Train), then its outcome. The button queues ``config`` and passes the run to ``remember``."""
    resources.job_queue().start_worker()  # the worker loads TensorFlow in the background, before the click
    training = run is not None and not run.finished
    label = lesson_text.fit_button_label(None if run is None else run.status)
    st.button(label, type="primary", icon=":material/play_arrow:", key="home_fit", disabled=training,
              on_click=start_on_click, args=(lambda: config, "home", remember))
    explain_start("home")
    timing = measured_time_note(resources.job_queue().speed.seconds_for(config))
    st.caption(f"The lesson's network: {settings_summary(config)}.{timing} It trains on the server's "
               "training worker; you can leave this page meanwhile.")  # not a tooltip: it covered the text
    if run is None:
        show_untrained_note()
    elif training:
        render_live(run, "home_live")
    else:
        show_lesson_run(run)


def show_untrained_note() -> None:
    st.info(
        "Nothing trained in this session yet. Press the button to train the lesson's network "
        "here (the page then uses it below). Until then, steps 7 and 8 use the shipped model.",
        icon=":material/info:",
    )
    history, _ = default_record()
    if history.epoch:
        st.caption("How the shipped default model's training went (from `models/default.json`):")
        show_epoch_table(history)


def show_lesson_run(run: Run) -> None:
    if run.status in (JobStatus.DIVERGED, JobStatus.FAILED):
        status_box(run, f"**{run.name} {run.status}.** {outcome_text(run)}")
        return
    if run.status == JobStatus.STOPPED:
        status_box(run, f"**{run.name} stopped early.** {outcome_text(run)}")
    if not run.history.batch_step:
        return
    show_epoch_table(run.history)
    if run.history.accuracy:
        first, second = st.columns(2)
        first.metric("Training accuracy", f"{run.history.accuracy[-1]:.2%}", border=True)
        second.metric("Validation accuracy", f"{run.history.val_accuracy[-1]:.2%}", border=True)
    if run.status == JobStatus.COMPLETED:
        st.success(
            f"**{run.name}** trained {plural(run.config.epochs, 'epoch')} in {elapsed_text(run.seconds)}. "
            "It is listed on the Train page, and steps 7 and 8 below now use it."
        )
    is_active = st.session_state.get(ACTIVE_KEY) == run.id
    st.button(
        "This run is the active model" if is_active else "Use this run on Predictions and Draw",
        icon=":material/check_circle:" if is_active else ":material/swap_horiz:",
        disabled=is_active,
        on_click=set_active,
        args=(run.id,),
        key="home_activate",
    )


def show_epoch_table(history: TrainingHistory, target=None) -> None:
    """The epoch table, with accuracies as percentages, in ``target`` (a placeholder) or here."""
    columns = {name: st.column_config.NumberColumn(format="%.4f", help=text)
               for name, text in lesson_text.EPOCH_COLUMNS.items()}  # fmt: skip
    table = lesson_text.epoch_table(history)
    (target or st).dataframe(table, hide_index=True, width="stretch", column_config=columns)
