"""Train: set up a dense network, queue it, watch it learn live, stop it, compare the runs.

The page never trains. Start queues a job on the server's training worker; the live view polls
it (ui/job_view.py, shared with Home's Fit step), and training goes on while the user
visits other pages. Form <-> config, texts and the runs table come from mnist_core.
"""

from __future__ import annotations

import streamlit as st

from mnist_core import preset
from mnist_core.charts.training import COMPARISONS, RunCurves, comparison_figure
from mnist_core.config import ACTIVATIONS, OPTIMIZERS, PRESETS, SCHEDULES
from mnist_core.text.format import elapsed_text, figure_text
from mnist_core.text.runs import measured_time_note, outcome_text, preset_labels, runs_table, settings_summary
from mnist_core.training.form import (
    BATCH_CHOICES,
    DROPOUT_MAX,
    EPOCHS,
    LAYERS,
    LEARNING_RATE_MAX,
    SEED_MAX,
    TRAIN_SIZES,
    UNIT_CHOICES,
    VALIDATION_MAX,
    config_from,
    settings_of,
)
from mnist_core.training.record import JobStatus
from mnist_core.training.runs import last_finite
from ui.job_view import (
    CHART_CONFIG,
    STATUS_BOXES,
    explain_start,
    kept_figure,
    render_curves,
    render_live,
    start_on_click,
    status_box,
)
from ui.resources import dataset_or_stop, job_queue
from ui.session import (
    ACTIVE_KEY,
    TRAIN_LATEST_KEY,
    TRAIN_SETTINGS_KEY,
    Run,
    run_evaluation,
    runs,
    set_active,
)
from ui.widgets import page_link

PRESET_KEY = "train_preset"
PICK_KEY = "train_pick"  # selectbox: the run the action buttons apply to
COMPARE_KEY = "train_compare"  # multiselect of runs to compare
NEW_RUN_KEY = "train_new_run"  # session_state: a run started since the last page run, to select
CURVES = "train_curves"  # kept figures of the latest run, shared by its live and final charts


def restore_settings() -> None:
    """Give the form the values it had before a page switch (Streamlit drops widget state)."""
    saved = st.session_state.get(TRAIN_SETTINGS_KEY) or {PRESET_KEY: "seed", **settings_of(preset("seed"))}
    for key, value in saved.items():
        st.session_state.setdefault(key, value)


def save_settings() -> None:
    keys = [PRESET_KEY, *settings_of(preset("seed"))]
    st.session_state[TRAIN_SETTINGS_KEY] = {key: st.session_state[key] for key in keys
                                            if key in st.session_state}


def apply_preset() -> None:
    st.session_state.update(settings_of(preset(st.session_state[PRESET_KEY])))


def render_settings() -> None:
    """The preset picker and the settings form; Start queues a run (``start_on_click``)."""
    st.radio("Preset", list(PRESETS), key=PRESET_KEY, on_change=apply_preset, horizontal=True,
             format_func=preset_labels().get, help="Fills in the form; change anything before starting.")
    with st.form("train_form", enter_to_submit=False, border=True):
        network, optimisation, data = st.columns(3, gap="large")
        network.markdown("**Network**")
        network.slider("Hidden layers", *LAYERS, key="train_layers", help="0 = logistic regression")
        network.select_slider("Units per layer", UNIT_CHOICES, key="train_units")
        network.selectbox("Activation", ACTIVATIONS, key="train_activation")
        network.slider("Dropout", 0.0, DROPOUT_MAX, step=0.05, key="train_dropout",
                       help="After each hidden layer")
        optimisation.markdown("**Optimisation**")
        optimisation.selectbox("Optimizer", OPTIMIZERS, key="train_optimizer")
        optimisation.text_input("Learning rate", key="train_learning_rate",
                                help=f"Above 0, at most {LEARNING_RATE_MAX:g}. 0.001 is a good start; "
                                "10 makes training diverge.")
        optimisation.selectbox("Schedule", SCHEDULES, key="train_schedule",
                               format_func={"constant": "constant", "cosine": "cosine decay to 0"}.get)
        optimisation.text_input("Epochs", key="train_epochs", help=f"{EPOCHS[0]} to {EPOCHS[1]}")
        optimisation.select_slider("Batch size", BATCH_CHOICES, key="train_batch_size")
        data.markdown("**Data**")
        data.text_input("Training images", key="train_size",
                        help=f"{TRAIN_SIZES[0]:,} to {TRAIN_SIZES[1]:,}: a seeded random subset; "
                        f"{TRAIN_SIZES[1]:,} = all of them")
        data.slider("Validation split", 0.0, VALIDATION_MAX, step=0.05, key="train_validation_split",
                    help="Share of the training images held out to measure validation loss and accuracy")
        data.text_input("Seed", key="train_seed", help=f"0 to {SEED_MAX:,}: the same seed gives the same run")
        data.toggle("Augment", key="train_augment", help="Random shifts, rotations and zoom while training.")
        st.form_submit_button("Start training", type="primary", icon=":material/play_arrow:",
                              key="train_start", on_click=start_on_click,
                              args=(lambda: config_from(st.session_state), "train", remember_new_run))


def remember_new_run(run: Run) -> None:
    st.session_state[TRAIN_LATEST_KEY] = st.session_state[NEW_RUN_KEY] = st.session_state[PICK_KEY] = run.id


def select_new_run() -> None:
    """Add the newest run to the comparison once it finished (a run has no curves before)."""
    run = runs().get(st.session_state.get(NEW_RUN_KEY) or "")
    if run is not None and run.finished:
        del st.session_state[NEW_RUN_KEY]
        chosen = st.session_state.get(COMPARE_KEY)
        if chosen is not None and run.history.batch_step and run.id not in chosen:
            st.session_state[COMPARE_KEY] = [*chosen, run.id]


def render_intro() -> None:
    timing = measured_time_note(job_queue().speed.seconds_for(preset("seed")))
    st.info(
        "Pick a preset or change the settings, then press **Start training**. The *seed* preset is the "
        f"lesson's network, Dense(512) → Dense(10) with RMSprop, on all 60,000 images.{timing} Runs train "
        "one after another on this server's training worker; you can visit other pages meanwhile. "
        "**Stop** ends training at any time and keeps the model trained so far.",
        icon=":material/school:",
    )


def render_outcome(run: Run) -> None:
    """Outcome, test metrics and curves of the run last started on this page."""
    st.markdown(f"#### {run.name} · {run.status}")
    st.caption(settings_summary(run.config))
    took = f" Training took {elapsed_text(run.seconds)}." if run.status == JobStatus.COMPLETED else ""
    status_box(run, f"{outcome_text(run)}{took}")
    columns = st.columns(4)
    evaluation, validation = run_evaluation(run), last_finite(run.history.val_accuracy)
    columns[0].metric("Test accuracy", figure_text(evaluation.accuracy if evaluation else None, ".2%"))
    columns[1].metric("Test loss", figure_text(evaluation.loss if evaluation else None, ".4f"))
    columns[2].metric("Validation accuracy", figure_text(validation, ".2%"))
    columns[3].metric("Training time", elapsed_text(run.seconds))
    if run.usable and st.session_state.get(ACTIVE_KEY) != run.id:
        st.button(f"Use {run.name} for Predictions and Draw", key="train_activate_latest",
                  icon=":material/star:", on_click=set_active, args=(run.id,))
    elif run.usable:
        st.caption(f":material/star: {run.name} is the active model (see the sidebar).")
    render_curves(run, "train_final", CURVES)


def render_runs() -> None:
    st.subheader("Runs of this session")
    session_runs = list(runs().values())
    if not session_runs:
        st.caption("No runs yet. They are kept in this browser session only; nobody else sees them.")
        return
    for run in session_runs:
        if run.finished:
            run_evaluation(run)  # scored once, for the table's test accuracy
    st.dataframe(runs_table(session_runs, st.session_state.get(ACTIVE_KEY)), hide_index=True)
    render_run_actions({run.id: run for run in session_runs})
    # finished runs only: an unfinished one's curves are live above, and a copy here would lag them
    render_comparison([run for run in session_runs
                       if run.finished and run.history.batch_step and run.steps_per_epoch])


def render_run_actions(by_id: dict[str, Run]) -> None:
    pick_column, active_column, default_column, download_column = st.columns(
        [3, 2, 2, 2], vertical_alignment="bottom"
    )
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = list(by_id)[-1]
    picked = pick_column.selectbox("Run", list(by_id), key=PICK_KEY, format_func=lambda key: by_id[key].name)
    run = by_id[picked]
    active = st.session_state.get(ACTIVE_KEY)
    active_column.button("Make active", key="train_make_active", icon=":material/star:", on_click=set_active,
                         args=(run.id,), disabled=not run.usable or active == run.id, width="stretch",
                         help="Predictions and Draw then use this run's model.")
    default_column.button("Use the default model", key="train_use_default", on_click=set_active, args=(None,),
                          disabled=not active, width="stretch")
    download_column.download_button(
        "Download .keras", data=run.keras_bytes or b"",
        file_name=f"mnist-{run.name.lower().replace(' ', '-')}.keras",
        mime="application/octet-stream", key="train_download", icon=":material/download:",
        disabled=run.keras_bytes is None or not run.usable, on_click="ignore", width="stretch",
    )
    if run.id != st.session_state.get(TRAIN_LATEST_KEY) and run.status in STATUS_BOXES:
        status_box(run, f"{run.name}: {outcome_text(run)}")


def render_comparison(with_curves: list[Run]) -> None:
    if not with_curves:
        return
    st.markdown("**Compare runs**")
    by_id = {run.id: run for run in with_curves}
    if COMPARE_KEY not in st.session_state:
        usable = [run.id for run in with_curves if run.status != JobStatus.DIVERGED]
        st.session_state[COMPARE_KEY] = usable[-4:]
    st.session_state[COMPARE_KEY] = [key for key in st.session_state[COMPARE_KEY] if key in by_id]
    chosen_column, curve_column = st.columns([3, 2])
    chosen = chosen_column.multiselect("Runs", list(by_id), key=COMPARE_KEY,
                                       format_func=lambda key: by_id[key].name)
    curve = curve_column.selectbox("Curve", list(COMPARISONS), key="train_compare_curve")
    if not chosen:
        st.caption("Pick runs above to draw their curves on one chart.")
        return
    picked = [by_id[key] for key in chosen]
    if COMPARISONS[curve][1] == "validation" and all(last_finite(run.history.val_accuracy) is None
                                                     for run in picked):
        st.caption("None of these runs finished an epoch with validation yet: compare a per-batch curve.")
        return
    curves = [RunCurves(run.name, run.history, run.steps_per_epoch) for run in picked]
    shown = tuple((run.id, len(run.history.batch_step), len(run.history.epoch)) for run in picked)
    figure = kept_figure("train_compare_chart", layout=curve, data=shown,
                         build=lambda: comparison_figure(curves, curve))
    st.plotly_chart(figure, key="train_compare_chart", config=CHART_CONFIG)


st.title("Train a network")
st.caption("Set up a dense network, watch it learn batch by batch, stop it whenever you like, and compare "
           "your runs. Runs live in this browser session only.")
page_link("app_pages/learn.py", "What one training step does, number by number", ":material/trending_down:")
job_queue().start_worker()  # the worker loads TensorFlow in the background, before the first Start
restore_settings()
select_new_run()
dataset_or_stop()
latest = runs().get(st.session_state.get(TRAIN_LATEST_KEY) or "")
training = latest is not None and not latest.finished
# While a run trains the settings fold away, so its live view is on the first screen; a
# different label makes a new expander, open again once the run has ended.
with st.expander("Settings for the next run" if training else "Settings", expanded=not training):
    render_settings()
save_settings()
explain_start("train")
if latest is None:
    render_intro()
elif not latest.finished:
    render_live(latest, "train_live", CURVES)
else:
    render_outcome(latest)
st.divider()
render_runs()
