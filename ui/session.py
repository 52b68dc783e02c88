"""What a session's pages share: its runs and their jobs, and which model is active; and how a
reload finds them again.

Everything a user trains lives in that user's ``st.session_state`` (and in their jobs, while
training), nowhere else; what every session shares read-only is in ``ui.resources``.
Pages never train: they submit a job and poll it.

**A reload reattaches.** F5 starts a new Streamlit session with an empty session state. Each
browser gets a random owner token (``secrets.token_urlsafe``) in a cookie, set by a line of
JavaScript on its first page and sent back by the browser with every later connection
(``st.context.cookies``). ``reattach`` keeps the values listed in ``KEPT_KEYS`` (runs, active
model, the drawing, the Train form) in the server's ``SessionKeeper`` under that token; a new
session with the same cookie takes back what its predecessor left, its queued or running job
included. A cookie, not a URL parameter: a link someone copies carries no cookie, so it never
shows or stops another user's runs; and the browser sends it with a reload on its own, while a
URL parameter would have to be written into every page's address. A session whose browser has
closed its connection (the server knows at once) and that no reload takes back within
``keeper.GRACE_SECONDS`` is over: its jobs are cancelled, freeing the queue for the others.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from mnist_core import DenseNetwork, Evaluation, ModelConfig, ModelFileError, TrainingHistory, evaluate
from mnist_core.text.runs import finished_toast
from mnist_core.training.keeper import RECLAIM_WAIT_SECONDS, SessionKeeper
from mnist_core.training.queue import JobError
from mnist_core.training.record import Ending, EndReason, JobStatus
from mnist_core.training.runs import Run, follow_jobs, last_finite, next_run_name
from ui import resources
from ui.resources import default_record, load_dataset, load_default
from ui.widgets import explain_missing_model

RUNS_KEY = "runs"  # session_state: dict run id -> Run, in creation order
ACTIVE_KEY = "active_run"  # session_state: id of the active run, or None for the default
DEFAULT_KEY = "default"  # model key of the shipped default model
DEFAULT_NAME = "Default model (shipped)"  # its name on every page
SESSION_KEY = "session_id"  # session_state: this session's id in the job queue
TOASTS_KEY = "pending_toasts"  # session_state: toasts to show on the next full page run
OWNER_KEY = "owner"  # session_state: this browser's owner token (its cookie's value)
HOME_RUN_KEY = "home_run"  # session_state: id of the run trained by Home's Fit step, or absent
TRAIN_LATEST_KEY = "train_latest"  # session_state: id of the run last started on Train
TRAIN_SETTINGS_KEY = "train_settings"  # session_state: the Train form's values, kept across page switches
DRAW_CANVAS_KEY = "draw_canvas"  # the Draw page's canvas (widget key)


def drawing_keys(canvas_key: str) -> tuple[str, str]:
    """session_state keys of what canvas ``canvas_key`` keeps across page switches (Streamlit drops
    a widget's state when its page is left): its strokes (Fabric JSON) and its last image."""
    return f"{canvas_key}_strokes", f"{canvas_key}_image"


DRAWING_KEY, DRAWING_IMAGE_KEY = drawing_keys(DRAW_CANVAS_KEY)  # the image: RGBA uint8 (280, 280, 4)
# What a reload gives back (see the module's docstring).
DIGITS_KEY = "my_digits"  # the session's own digits, a DigitSet (ui.digit_set; at most about 12 MB)
FINETUNE_RUN_KEY = "mine_finetune_run"  # id of the run Your digits' last fine-tune made
# The last digit drawn (Draw) or picked (Your digits), float32 (28, 28) in [0, 1], for Inside the
# network and Break it (``?input=drawing``).
DRAWN_INPUT_KEY = "network_drawn_input"
KEPT_KEYS = (RUNS_KEY, ACTIVE_KEY, HOME_RUN_KEY, TRAIN_LATEST_KEY, TRAIN_SETTINGS_KEY, DRAWING_KEY,
             DRAWING_IMAGE_KEY, DRAWN_INPUT_KEY, DIGITS_KEY, FINETUNE_RUN_KEY)
OWNER_COOKIE = "mnist_lab_owner"
OWNER_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
COOKIE_DAYS = 1
# Sets the owner cookie in this browser. SameSite=Strict: no other site's page sends it along.
SET_COOKIE_JS = """<script>
document.cookie = "{name}={value}; path=/; max-age={seconds}; SameSite=Strict"
  + (location.protocol === "https:" ? "; Secure" : "");
</script>"""



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


def _connection_id() -> str:
    """The Streamlit session this script run belongs to (a reload gets a new one)."""
    context = get_script_run_ctx()
    return context.session_id if context is not None else ""


def _kept_size(values: dict) -> int:
    """Bytes a session's kept values hold: its runs' .keras files and curves (about 8 bytes a
    number), its drawing's image and its own digits."""
    image, digits = values.get(DRAWING_IMAGE_KEY), values.get(DIGITS_KEY)
    total = 0 if image is None else image.nbytes
    if digits is not None:
        total += digits.images.nbytes + digits.labels.nbytes + digits.thumbnails.nbytes
    for run in (values.get(RUNS_KEY) or {}).values():
        templates = run.history.templates
        total += len(run.keras_bytes or b"") + 8 * 3 * len(run.history.batch_step)
        total += sum(code.size for code in templates.codes)
    return total


def _connected(connection: str) -> bool:
    """Whether the Streamlit session ``connection`` still has its browser (always True without a
    Streamlit server, as in AppTest)."""
    from streamlit import runtime

    return not runtime.exists() or runtime.get_instance().is_active_session(connection)


@st.cache_resource(show_spinner=False, on_release=SessionKeeper.close)
def session_keeper() -> SessionKeeper:
    """What each browser's sessions keep across a reload, one keeper per server process. Its
    sweeper cancels the jobs of a session whose browser is gone, then collects their outcome."""
    queue = resources.job_queue()

    def cancel_jobs(session_key: str) -> None:
        for job_id in queue.jobs_of(session_key):
            try:
                queue.stop(job_id, Ending(EndReason.CLOSED))
            except JobError:
                pass  # finished and collected meanwhile

    def settle(values: dict) -> None:
        follow_jobs((values.get(RUNS_KEY) or {}).values(), queue)

    keeper = SessionKeeper(size_of=_kept_size)
    keeper.start(_connected, cancel_jobs, settle)
    return keeper


def reattach() -> None:
    """First on every script run: on a session's first run, take back what a reload left (same
    owner cookie); on every run, give the keeper this session's values and set the owner cookie
    if the browser has none yet. See the module's docstring."""
    keeper, connection = session_keeper(), _connection_id()
    cookie = st.context.cookies.get(OWNER_COOKIE)
    cookie = cookie if isinstance(cookie, str) else ""  # AppTest's context has no real cookies
    known = OWNER_PATTERN.fullmatch(cookie) is not None
    if OWNER_KEY not in st.session_state:
        st.session_state[OWNER_KEY] = cookie if known else secrets.token_urlsafe(32)
        fresh = known and SESSION_KEY not in st.session_state
        reclaimed = keeper.reclaim(cookie, connection, _connected, RECLAIM_WAIT_SECONDS) if fresh else None
        if reclaimed is not None:
            st.session_state[SESSION_KEY] = reclaimed[0]
            for key, value in reclaimed[1].items():
                st.session_state.setdefault(key, value)
    owner = st.session_state[OWNER_KEY]
    if cookie != owner:
        with st.sidebar:
            st.html(SET_COOKIE_JS.format(name=OWNER_COOKIE, value=owner, seconds=COOKIE_DAYS * 86400),
                    unsafe_allow_javascript=True)
    keep()


def keep() -> None:
    """Give the keeper this session's current values (after a page changed them)."""
    values = {key: st.session_state[key] for key in KEPT_KEYS if key in st.session_state}
    session_keeper().attach(st.session_state.get(OWNER_KEY, ""), session_id(), _connection_id(), values)


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
    done = follow_jobs(pending_runs(), queue)
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
    """The active run if usable, else the shipped default; None (with an st.error saying what is
    wrong and the note saying what to do) if neither."""
    run = runs().get(st.session_state.get(ACTIVE_KEY) or "")
    if run is not None and run.usable:
        return ActiveModel(run.id, f"{run.name} (this session)", run.network, run)
    try:
        network, _ = load_default()
    except ModelFileError as error:
        st.error(f"**The default model could not be loaded.** {error}", icon=":material/error:")
        explain_missing_model()
        return None
    return ActiveModel(DEFAULT_KEY, DEFAULT_NAME, network, None)


def linked_model(name: str | None) -> tuple[ActiveModel | None, bool]:
    """The model a link names (``MODEL_PARAM``): ``DEFAULT_KEY`` the shipped one, a run id one of
    this session's runs; no name, the active model. Second: True when the link named a run this
    session does not have (runs never travel between sessions), and the shipped model is shown."""
    if not name:
        return active_model(), False
    run = runs().get(name)
    if run is not None and run.usable:
        return ActiveModel(run.id, f"{run.name} (this session)", run.network, run), False
    try:
        network, _ = load_default()
    except ModelFileError as error:
        st.error(f"**The default model could not be loaded.** {error}", icon=":material/error:")
        return None, False
    stayed_behind = name not in (DEFAULT_KEY, *runs())
    return ActiveModel(DEFAULT_KEY, "Default model (shipped)", network, None), stayed_behind


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
