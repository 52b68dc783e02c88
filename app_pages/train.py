"""Train: set up a dense network, train it with live charts and a Stop button, compare the runs.

Training runs in the script run (blocking). The run is registered in session_state before
training starts and holds the model and the growing history. A Stop click or a page switch
makes Streamlit raise its stop (or rerun) exception at the script's next ``st.*`` call, which
is inside our progress callback, so it propagates out of Keras' fit; a ``finally`` marks the
run stopped and keeps everything trained so far. With fast reruns (the default) the next
script run starts at once in a new thread, so it first waits for that (settle_running_runs).
"""

from __future__ import annotations

import math
import threading
import time

import streamlit as st

from app_pages.common import (
    ACTIVE_KEY,
    ActiveModel,
    Dataset,
    Run,
    dataset_or_stop,
    evaluation_of,
    new_run,
    runs,
    set_active,
)
from mnist_core import (
    COMPLETED,
    DIVERGED,
    STOPPED,
    BatchProgress,
    ConfigError,
    DenseNetwork,
    MnistLabError,
    ModelConfig,
    model_to_bytes,
    preset,
    train,
)
from mnist_core.charts.training import (
    COMPARISONS,
    RunCurves,
    comparison_figure,
    curve_figure,
    update_curve_figure,
)
from mnist_core.config import (
    ACTIVATIONS,
    MAX_EPOCHS,
    MAX_HIDDEN_LAYERS,
    MAX_TRAIN_SIZE,
    MIN_TRAIN_SIZE,
    OPTIMIZERS,
    PRESETS,
    SCHEDULES,
)

RUNNING = "running"  # Run.status while fit is in progress
STOP_WAIT_SECONDS = 5.0  # how long a new script run waits for an interrupted one to let go
CHART_INTERVAL = 1.0  # seconds between live chart redraws; there is one more at every epoch end
FULL_TRAINING_SET = MAX_TRAIN_SIZE  # the form's "all of them"
UNITS = (16, 32, 64, 128, 256, 512, 1024, 2048)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024, 2048)
LATEST_KEY = "train_latest"  # session_state: id of the run last started on this page
DETAILS_KEY = "train_details"  # session_state: run id -> dict of page-side facts (see details_of)
SETTINGS_KEY = "train_settings"  # session_state: the form's values, kept across page switches
COMPARE_KEY = "train_compare"  # multiselect of runs to compare
PRESET_KEY = "train_preset"
PICK_KEY = "train_pick"  # selectbox: the run the action buttons apply to
NEW_RUN_KEY = "train_new_run"  # session_state: a run started since the last page run, to select
PRESET_LABELS = {
    "seed": "seed: the lesson's network",
    "best": "best: 2×1024, dropout, Adam, augmented",
}
CHART_CONFIG = {"displayModeBar": False}
STATUS_LABELS = {RUNNING: "running", COMPLETED: "completed", STOPPED: "stopped", DIVERGED: "diverged"}


# --- settings form -------------------------------------------------------------------------


def settings_of(config: ModelConfig) -> dict:
    """The form's widget values (by widget key) for a config."""
    return {
        "train_layers": len(config.hidden_units),
        "train_units": config.hidden_units[0] if config.hidden_units else 512,
        "train_activation": config.activation,
        "train_dropout": config.dropout,
        "train_optimizer": config.optimizer,
        "train_learning_rate": config.learning_rate,
        "train_schedule": config.schedule,
        "train_epochs": config.epochs,
        "train_batch_size": config.batch_size,
        "train_size": config.train_size or FULL_TRAINING_SET,
        "train_validation_split": config.validation_split,
        "train_augment": config.augment,
        "train_seed": config.seed,
    }


def config_from(values) -> ModelConfig:
    """A validated config from the form's values (raises ConfigError)."""
    size = int(values["train_size"])
    return ModelConfig(
        hidden_units=(int(values["train_units"]),) * int(values["train_layers"]),
        activation=values["train_activation"],
        dropout=float(values["train_dropout"]),
        optimizer=values["train_optimizer"],
        learning_rate=float(values["train_learning_rate"]),
        schedule=values["train_schedule"],
        epochs=int(values["train_epochs"]),
        batch_size=int(values["train_batch_size"]),
        validation_split=float(values["train_validation_split"]),
        train_size=None if size >= FULL_TRAINING_SET else size,
        augment=bool(values["train_augment"]),
        seed=int(values["train_seed"]),
    )


def restore_settings() -> None:
    """Give the form the values it had before a page switch (Streamlit drops widget state)."""
    saved = st.session_state.get(SETTINGS_KEY) or {PRESET_KEY: "seed", **settings_of(preset("seed"))}
    for key, value in saved.items():
        if key not in st.session_state:
            st.session_state[key] = value


def save_settings() -> None:
    keys = [PRESET_KEY, *settings_of(preset("seed"))]
    st.session_state[SETTINGS_KEY] = {key: st.session_state[key] for key in keys if key in st.session_state}


def apply_preset() -> None:
    """on_change of the preset picker: fill the form with the preset's values."""
    st.session_state.update(settings_of(preset(st.session_state[PRESET_KEY])))


def render_settings() -> bool:
    """The preset picker and the settings form; True on the run where Start was pressed."""
    st.radio(
        "Preset",
        list(PRESETS),
        key=PRESET_KEY,
        on_change=apply_preset,
        horizontal=True,
        format_func=PRESET_LABELS.get,
        help="Fills in the form below; change anything before starting.",
    )
    with st.form("train_form"):
        st.markdown("**Network**")
        left, right = st.columns(2)
        left.slider("Hidden layers", 0, MAX_HIDDEN_LAYERS, key="train_layers", help="0 = logistic regression")
        right.select_slider("Units per layer", UNITS, key="train_units")
        left.selectbox("Activation", ACTIVATIONS, key="train_activation")
        right.slider("Dropout", 0.0, 0.8, step=0.05, key="train_dropout", help="After each hidden layer")
        st.markdown("**Optimisation**")
        left, right = st.columns(2)
        left.selectbox("Optimizer", OPTIMIZERS, key="train_optimizer")
        right.number_input(
            "Learning rate",
            min_value=0.0,
            max_value=100.0,
            step=0.0005,
            format="%g",
            key="train_learning_rate",
            help="0.001 is a good start; 10 makes training diverge",
        )
        left.selectbox(
            "Schedule",
            SCHEDULES,
            key="train_schedule",
            format_func={"constant": "constant", "cosine": "cosine decay to 0"}.get,
        )
        right.number_input("Epochs", min_value=1, max_value=MAX_EPOCHS, step=1, key="train_epochs")
        st.select_slider("Batch size", BATCH_SIZES, key="train_batch_size")
        st.markdown("**Data**")
        left, right = st.columns(2)
        left.number_input(
            "Training images",
            min_value=MIN_TRAIN_SIZE,
            max_value=FULL_TRAINING_SET,
            step=1000,
            key="train_size",
            help=f"A seeded random subset; {FULL_TRAINING_SET} = all of them",
        )
        right.slider(
            "Validation split",
            0.0,
            0.45,
            step=0.05,
            key="train_validation_split",
            help="Share of the training images held out to measure validation loss and accuracy",
        )
        left.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="train_seed")
        right.toggle("Augment", key="train_augment", help="Random shifts, rotations and zoom while training")
        return st.form_submit_button(
            "Start training",
            type="primary",
            icon=":material/play_arrow:",
            key="train_start",
            width="stretch",
        )


# --- page-side facts about runs ------------------------------------------------------------


def details_of(run: Run) -> dict:
    """What the page keeps about a run besides the Run itself (plain dict in session_state).

    steps_per_epoch (int or None), ui_seconds (time spent drawing progress and charts),
    ui_updates (chart redraws), keras (bytes of the .keras file once downloaded, else None).
    """
    everything = st.session_state.setdefault(DETAILS_KEY, {})
    return everything.setdefault(
        run.id, {"steps_per_epoch": None, "ui_seconds": 0.0, "ui_updates": 0, "keras": None}
    )


def steps_per_epoch_of(run: Run, details: dict | None = None) -> int | None:
    """Batches per epoch of a run (``details`` avoids touching session_state, see train_live)."""
    known = (details if details is not None else details_of(run))["steps_per_epoch"]
    if known:
        return known
    return run.history.epoch_end_step[0] if run.history.epoch_end_step else None


def keras_bytes(run: Run, details: dict) -> bytes:
    """The run's model as a .keras file, serialised on the first download only."""
    if details["keras"] is None:
        details["keras"] = model_to_bytes(run.model)
    return details["keras"]


def ensure_evaluated(run: Run) -> None:
    """Score a usable run on the 10,000 test images once (stored on the Run)."""
    if run.usable and run.status != RUNNING and run.evaluation is None:
        with st.spinner(f"Scoring {run.name} on the 10,000 test images…"):
            evaluation_of(ActiveModel(run.id, run.name, run.network, run))


def position_of(run: Run, details: dict) -> tuple[int, int, int] | None:
    """(epoch, batch, batches per epoch) of the last trained batch, or None if none finished."""
    batches = steps_per_epoch_of(run, details)
    if not run.history.batch_step or not batches:
        return None
    step = run.history.batch_step[-1]
    return (step - 1) // batches + 1, (step - 1) % batches + 1, batches


def interrupted_message(run: Run, details: dict) -> str:
    """What to tell the user about a run that stopped part-way. No st.* call, no session_state."""
    position = position_of(run, details)
    if position is None:
        return "Stopped before the first batch finished: nothing was trained. Press Start to try again."
    epoch, batch, batches = position
    done = run.history.batch_step[-1] // batches
    where = (
        f"after epoch {epoch} of {run.config.epochs}"
        if batch == batches
        else f"at epoch {epoch} of {run.config.epochs}, batch {batch} of {batches}"
    )
    return (
        f"Stopped {where}; the partial model is kept and usable ({done} full "
        f"epoch{'' if done == 1 else 's'} done). It can be made the active model or downloaded below."
    )


def summary_of(config: ModelConfig) -> str:
    """The config in one line, with the data it trains on."""
    images = f"{config.train_size:,}" if config.train_size else "all 60,000"
    held_out = f"{config.validation_split:.0%} held out"
    return f"{config.describe()} · {images} images, {held_out}, seed {config.seed}"


def format_duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    minutes, seconds = divmod(int(round(seconds)), 60)
    return f"{minutes}:{seconds:02d}"


def progress_text(progress: BatchProgress) -> str:
    return (
        f"Epoch {progress.epoch}/{progress.epochs} · batch {progress.batch}/{progress.batches} · "
        f"{progress.samples_per_second:,.0f} samples/s · ETA {format_duration(progress.eta_seconds)} · "
        f"loss {progress.loss:.3f} · accuracy {progress.accuracy:.1%}"
    )


# --- live training -------------------------------------------------------------------------


class LiveView:
    """Progress bar, Stop button and live charts of one training run, drawn into placeholders.

    ``on_batch`` (called by train() at most ~4 times a second) moves the progress bar and
    redraws the charts at most every CHART_INTERVAL seconds; ``on_epoch`` redraws them with
    the new epoch points. Time spent here is summed in ``ui_seconds``.
    """

    def __init__(self, run: Run, details: dict):
        self.run, self.details = run, details
        self.figures: dict = {}
        self.ui_seconds, self.updates, self.last_chart = 0.0, 0, -math.inf
        st.markdown(f"#### {run.name} · training")
        st.caption(summary_of(run.config))
        bar_column, stop_column = st.columns([4, 1], vertical_alignment="bottom")
        self.bar = bar_column.progress(0.0, text="Preparing the data and compiling the model…")
        stop_column.button(
            "Stop",
            key="train_stop",
            icon=":material/stop_circle:",
            width="stretch",
            help="End training after the current batch; the model trained so far is kept.",
        )
        loss_column, accuracy_column = st.columns(2)
        self.slots = {"loss": loss_column.empty(), "accuracy": accuracy_column.empty()}

    def on_batch(self, progress: BatchProgress) -> None:
        started = time.perf_counter()
        self.details["steps_per_epoch"] = progress.batches
        self.bar.progress(min(progress.fraction, 1.0), text=progress_text(progress))
        end_of_epoch = progress.batch == progress.batches  # on_epoch redraws right after
        if not end_of_epoch and started - self.last_chart >= CHART_INTERVAL:
            self.draw_charts()
        self.ui_seconds += time.perf_counter() - started

    def on_epoch(self, epoch: int, logs: dict) -> None:
        started = time.perf_counter()
        self.draw_charts()
        self.ui_seconds += time.perf_counter() - started

    def draw_charts(self) -> None:
        steps = self.details["steps_per_epoch"]
        if not steps:
            return
        self.updates += 1
        for metric, slot in self.slots.items():
            figure = self.figures.get(metric)
            if figure is None:
                figure = self.figures[metric] = curve_figure(
                    self.run.history, metric, steps, planned_epochs=self.run.config.epochs
                )
            else:
                update_curve_figure(figure, self.run.history, metric, steps)
            slot.plotly_chart(figure, key=f"train_live_{metric}_{self.updates}", config=CHART_CONFIG)
        self.last_chart = time.perf_counter()

    def finish(self) -> None:
        self.details["ui_seconds"], self.details["ui_updates"] = self.ui_seconds, self.updates


def train_live(config: ModelConfig, dataset: Dataset) -> Run:
    """Train ``config`` in this script run, drawing live progress; returns the Run.

    Whatever ends the run (completion, divergence, an error, or Streamlit interrupting the
    script for a Stop click or a page switch), the Run keeps the model and history, and
    ``details["finished"]`` is set so a newer script run can wait for this one to let go.
    """
    run = new_run(config)
    st.session_state[LATEST_KEY] = run.id
    st.session_state[NEW_RUN_KEY] = run.id
    details = details_of(run)
    details["finished"], details["stop_requested"] = threading.Event(), False
    view = LiveView(run, details)

    def hold(model, history) -> None:
        run.model, run.history = model, history

    started = time.perf_counter()
    try:
        result = train(
            config,
            dataset.x_train,
            dataset.y_train,
            on_batch=view.on_batch,
            on_epoch=view.on_epoch,
            on_model=hold,
            should_stop=lambda: details["stop_requested"],
        )
        details["steps_per_epoch"] = result.steps_per_epoch
        run.seconds, run.status = result.seconds, result.status
        run.message = interrupted_message(run, details) if result.status == STOPPED else result.message
    except MnistLabError as error:
        run.status, run.message = STOPPED, f"Training failed: {error}"
    finally:
        # Interrupted (Stop, a page switch, another rerun): Streamlit's stop request stays
        # pending, so any st.* call or session_state access here would raise again.
        view.finish()
        if run.status == RUNNING:
            run.seconds = time.perf_counter() - started
            run.status, run.message = STOPPED, interrupted_message(run, details)
        if run.model is not None and run.status != DIVERGED:  # the weights, for NumPy inference
            run.network = DenseNetwork.from_keras_model(run.model)
        details["finished"].set()
    return run


def select_new_run() -> None:
    """Pick a newly started run in the runs widgets.

    Done at the top of the next page run rather than when training starts: the rerun that a
    Stop click triggers carries the browser's widget values, which would override it.
    """
    run_id = st.session_state.pop(NEW_RUN_KEY, None)
    if run_id is None:
        return
    st.session_state[PICK_KEY] = run_id
    if COMPARE_KEY in st.session_state:
        st.session_state[COMPARE_KEY] = [*st.session_state[COMPARE_KEY], run_id]


def settle_running_runs() -> None:
    """Let a run that an older script run is still training finish stopping (about 0.3 s).

    With Streamlit's fast reruns, a Stop click or a page switch starts a new script run at
    once, in a new thread, while the old one is still inside ``fit`` until its next st.* call
    raises. Without this wait the new run would draw that run as still running.
    """
    for run in runs().values():
        if run.status == RUNNING:
            details = details_of(run)
            details["stop_requested"] = True  # should_stop: ends fit after the current batch
            finished = details.get("finished")
            if finished is not None:
                finished.wait(STOP_WAIT_SECONDS)


# --- the latest run ------------------------------------------------------------------------


def render_intro() -> None:
    st.info(
        "Pick a preset or change the settings, then press **Start training**. The *seed* preset "
        "is the lesson's network, Dense(512) → Dense(10) with RMSprop: about 10 s on all 60,000 "
        "images, close to 98 % test accuracy. *best* trains two layers of 1024 units with dropout, "
        "Adam and augmentation for 20 epochs, which takes minutes. **Stop** ends training at any "
        "time and keeps the model trained so far.",
        icon=":material/school:",
    )


def render_latest(run: Run) -> None:
    """Outcome, test metrics and final curves of the run last started on this page."""
    st.markdown(f"#### {run.name} · {STATUS_LABELS.get(run.status, run.status)}")
    st.caption(summary_of(run.config))
    if run.status == COMPLETED:
        st.success(f"{run.message} Training took {run.seconds:.1f} s.", icon=":material/check_circle:")
    elif run.status == DIVERGED:
        st.error(run.message, icon=":material/error:")
    elif run.status == RUNNING:
        st.info(f"{run.name} is still stopping; its final state appears on the next rerun.")
    else:
        st.warning(run.message, icon=":material/pause_circle:")
    ensure_evaluated(run)
    render_metrics(run)
    steps = steps_per_epoch_of(run)
    if steps and run.history.batch_step:
        loss_column, accuracy_column = st.columns(2)
        for metric, column in (("loss", loss_column), ("accuracy", accuracy_column)):
            figure = curve_figure(run.history, metric, steps, planned_epochs=run.config.epochs)
            column.plotly_chart(figure, key=f"train_latest_{metric}", config=CHART_CONFIG)
    details = details_of(run)
    if details["ui_updates"] and run.seconds:
        st.caption(
            f"Live progress and charts ({details['ui_updates']} chart redraws) took "
            f"{details['ui_seconds']:.2f} s of {run.seconds:.1f} s of training "
            f"({details['ui_seconds'] / run.seconds:.1%})."
        )


def render_metrics(run: Run) -> None:
    columns = st.columns(4)
    evaluation = run.evaluation
    columns[0].metric("Test accuracy", f"{evaluation.accuracy:.2%}" if evaluation else "–")
    columns[1].metric("Test loss", f"{evaluation.loss:.4f}" if evaluation else "–")
    validation = last_finite(run.history.val_accuracy)
    columns[2].metric("Validation accuracy", f"{validation:.2%}" if validation is not None else "–")
    columns[3].metric("Training time", f"{run.seconds:.1f} s")
    if run.status == RUNNING:
        return
    if run.usable and st.session_state.get(ACTIVE_KEY) != run.id:
        st.button(
            f"Use {run.name} for Predictions and Draw",
            key="train_activate_latest",
            icon=":material/star:",
            on_click=set_active,
            args=(run.id,),
        )
    elif run.usable:
        st.caption(f":material/star: {run.name} is the active model (see the sidebar).")


def last_finite(values) -> float | None:
    finite = [value for value in values if value is not None and math.isfinite(value)]
    return finite[-1] if finite else None


# --- all runs of the session ---------------------------------------------------------------


def runs_table(session_runs: list[Run]) -> list[dict]:
    """One row per run for st.dataframe."""
    active = st.session_state.get(ACTIVE_KEY)
    rows = []
    for run in session_runs:
        steps = steps_per_epoch_of(run)
        done = run.history.batch_step[-1] / steps if steps and run.history.batch_step else 0.0
        rows.append(
            {
                "Run": run.name,
                "Active": "★" if run.id == active and run.usable else "",
                "Status": STATUS_LABELS.get(run.status, run.status),
                "Epochs": f"{done:.3g} / {run.config.epochs}",
                "Val accuracy": last_finite(run.history.val_accuracy),
                "Test accuracy": run.evaluation.accuracy if run.evaluation else None,
                "Test loss": run.evaluation.loss if run.evaluation else None,
                "Time (s)": round(run.seconds, 1),
                "Settings": summary_of(run.config),
            }
        )
    return rows


def render_runs() -> None:
    st.subheader("Runs of this session")
    session_runs = list(runs().values())
    if not session_runs:
        st.caption("No runs yet. They are kept in this browser session only; nobody else sees them.")
        return
    for run in session_runs:
        ensure_evaluated(run)
    st.dataframe(
        runs_table(session_runs),
        hide_index=True,
        column_config={
            "Val accuracy": st.column_config.NumberColumn(format="percent"),
            "Test accuracy": st.column_config.NumberColumn(format="percent"),
            "Test loss": st.column_config.NumberColumn(format="%.4f"),
        },
    )
    render_run_actions(session_runs)
    render_comparison(session_runs)


def render_run_actions(session_runs: list[Run]) -> None:
    by_id = {run.id: run for run in session_runs}
    pick_column, active_column, default_column, download_column = st.columns(
        [3, 2, 2, 2], vertical_alignment="bottom"
    )
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state[PICK_KEY] = list(by_id)[-1]
    picked = pick_column.selectbox("Run", list(by_id), key=PICK_KEY, format_func=lambda key: by_id[key].name)
    run = by_id[picked]
    ready = run.usable and run.status != RUNNING
    active = st.session_state.get(ACTIVE_KEY)
    active_column.button(
        "Make active",
        key="train_make_active",
        icon=":material/star:",
        on_click=set_active,
        args=(run.id,),
        disabled=not ready or active == run.id,
        width="stretch",
        help="Predictions and Draw then use this run's model.",
    )
    default_column.button(
        "Use the default model",
        key="train_use_default",
        on_click=set_active,
        args=(None,),
        disabled=not active,
        width="stretch",
    )
    details = details_of(run)
    download_column.download_button(
        "Download .keras",
        data=lambda: keras_bytes(run, details),
        file_name=f"mnist-{run.name.lower().replace(' ', '-')}.keras",
        mime="application/octet-stream",
        key="train_download",
        icon=":material/download:",
        disabled=not ready,
        on_click="ignore",
        width="stretch",
    )
    if run.id == st.session_state.get(LATEST_KEY):
        return  # its outcome is shown above
    if run.status == STOPPED:
        st.warning(f"{run.name}: {run.message}", icon=":material/pause_circle:")
    elif run.status == DIVERGED:
        st.error(f"{run.name}: {run.message}", icon=":material/error:")


def render_comparison(session_runs: list[Run]) -> None:
    with_curves = [run for run in session_runs if run.history.batch_step and steps_per_epoch_of(run)]
    if not with_curves:
        return
    st.markdown("**Compare runs**")
    by_id = {run.id: run for run in with_curves}
    if COMPARE_KEY not in st.session_state:
        st.session_state[COMPARE_KEY] = [run.id for run in with_curves if run.status != DIVERGED][-4:]
    st.session_state[COMPARE_KEY] = [key for key in st.session_state[COMPARE_KEY] if key in by_id]
    chosen_column, curve_column = st.columns([3, 2])
    chosen = chosen_column.multiselect(
        "Runs",
        list(by_id),
        key=COMPARE_KEY,
        format_func=lambda key: by_id[key].name,
    )
    curve = curve_column.selectbox("Curve", list(COMPARISONS), key="train_compare_curve")
    if not chosen:
        st.caption("Pick runs above to draw their curves on one chart.")
        return
    curves = [RunCurves(run.name, run.history, steps_per_epoch_of(run)) for run in map(by_id.get, chosen)]
    if COMPARISONS[curve][1] == "validation" and not any(
        last_finite(run.history.val_accuracy) is not None for run in map(by_id.get, chosen)
    ):
        st.caption("None of these runs finished an epoch with validation yet: compare a per-batch curve.")
        return
    st.plotly_chart(comparison_figure(curves, curve), key="train_compare_chart", config=CHART_CONFIG)


# --- the page ------------------------------------------------------------------------------


st.title("Train a network")
st.caption(
    "Set up a dense network, watch it learn batch by batch, stop it whenever you like, and "
    "compare your runs. Runs live in this browser session only."
)
restore_settings()
settle_running_runs()
select_new_run()
dataset = dataset_or_stop()
settings_column, live_column = st.columns([1, 2], gap="large")
with settings_column:
    start = render_settings()
    save_settings()
with live_column:
    # Two slots: training draws into the first and blanks the second, so no element of the
    # previous panel lingers under the live view; then the first is blanked and the finished
    # run drawn into the second.
    live_slot, panel_slot = st.empty(), st.empty()
    latest = runs().get(st.session_state.get(LATEST_KEY) or "")
    if start:
        try:
            settings = config_from(st.session_state)
        except ConfigError as error:
            st.error(f"{error} Change the setting and press Start again.", icon=":material/tune:")
        else:
            panel_slot.empty()
            with live_slot.container():
                latest = train_live(settings, dataset)
                ensure_evaluated(latest)
            live_slot.empty()  # the finished run is drawn below, like on any later rerun
            select_new_run()
    with panel_slot.container():
        if latest is not None:
            render_latest(latest)
        else:
            render_intro()
st.divider()
render_runs()
