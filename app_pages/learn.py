"""How it learns: one step of gradient descent under the microscope, with the real numbers.

Layout only: the network, its gradients, the optimisers, the gradient check, the landscape and the
race are in mnist_core.learning; the words in mnist_core.text.learning; the figures in
mnist_core.charts.learning. The run lives in this session (ui/learning_views.py); seed, example,
unit, optimiser and learning rate live in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core.charts.gallery import data_uri
from mnist_core.charts.learning import (
    diverging_picture,
    grey_picture,
    history_figure,
    output_bars,
    w2_gradient_figure,
)
from mnist_core.learning.lesson import Lesson, LessonData, keras_first_epoch
from mnist_core.learning.settings import MAX_SEED, OPTIMISERS
from mnist_core.learning.view import LEARNING_RATES, LearnView
from mnist_core.text import learning as words
from mnist_core.training.record import DIVERGED_LOSS
from ui.accessibility import PIXELS_KEY_PREFIX
from ui.learning_views import (
    LESSON_KEY,
    VIEW_KEY,
    current_view,
    render_check,
    render_landscape,
    render_race,
    reset_lesson,
    session_lesson,
    shared_lesson_data,
    update_view,
    view_settings,
    write_params,
)
from ui.resources import dataset_or_stop
from ui.session import runs

SEED_WIDGET, OPTIMISER_WIDGET, RATE_WIDGET = "learn_seed", "learn_optimiser", "learn_rate"
EXAMPLE_WIDGET, UNIT_WIDGET = "learn_example", "learn_unit"
LONG_RUN_KEY = "learn_long_run"  # session_state: {"asked": n, "start": step} of a Step ×10/×100 running
GENERATION_KEY = "learn_generation"  # session_state: counts this page's script runs (see long_run)
CHUNK = 5  # steps between progress updates (and chances to Stop) of a long run
CHART = {"displayModeBar": False}


def picture(where, png: bytes, width: int, caption: str, alt: str) -> None:
    """One of the page's pictures (PNG bytes from mnist_core.charts.learning, one pixel per value) shown
    ``width`` pixels wide, inline in the page's message (no request of its own). ``where`` is a
    container keyed with PIXELS_KEY_PREFIX: the browser enlarges its pictures with sharp pixels."""
    where.image(data_uri(png), width=width, caption=caption, alt=alt)


def render_controls(view: LearnView) -> None:
    st.session_state[SEED_WIDGET] = view.seed
    st.session_state[OPTIMISER_WIDGET] = view.optimiser
    st.session_state[RATE_WIDGET] = view.learning_rate
    rates = sorted({*LEARNING_RATES, view.learning_rate})
    seed, optimiser, rate = st.columns([1, 2, 3])
    seed.number_input("Seed", 0, MAX_SEED, step=1, key=SEED_WIDGET, help=words.SEED_HELP,
                      on_change=lambda: update_view(seed=int(st.session_state[SEED_WIDGET])))
    optimiser.selectbox("Optimiser", OPTIMISERS, format_func=words.OPTIMISER_NAMES.get, key=OPTIMISER_WIDGET,
                        help=words.OPTIMISER_HELP,
                        on_change=lambda: update_view(optimiser=st.session_state[OPTIMISER_WIDGET]))
    rate.select_slider("Learning rate η", rates, format_func=lambda value: f"{value:g}", key=RATE_WIDGET,
                       help=words.RATE_HELP,
                       on_change=lambda: update_view(learning_rate=float(st.session_state[RATE_WIDGET])))


def long_run(lesson: Lesson, asked: int) -> None:
    """Take ``asked`` steps, CHUNK at a time, showing progress. A click on Stop (or on any other widget)
    starts a new script run while this one goes on until its next progress update: every step checks
    this run's generation first (under the run's lock), so no step is taken once a newer run began."""
    generation = st.session_state[GENERATION_KEY]
    st.session_state[LONG_RUN_KEY] = {"asked": asked, "start": lesson.step}
    bar = st.progress(0.0, text=words.running(0, asked))
    st.button(words.STOP_LABEL, key="learn_stop", icon=":material/stop:")
    done = 0
    while done < asked and not lesson.diverged:
        taken = lesson.take_steps(min(CHUNK, asked - done),
                                  should_stop=lambda: st.session_state.get(GENERATION_KEY) != generation)
        done += taken
        bar.progress(done / asked, text=words.running(done, asked))
        if not taken:
            break
    st.session_state.pop(LONG_RUN_KEY, None)
    st.rerun()


def render_steps(lesson: Lesson) -> None:
    row = st.container(horizontal=True)
    clicked = None
    diverged = lesson.diverged
    for count in (1, 10, 100):
        if row.button(f"Step ×{count}", key=f"learn_step_{count}", help=words.STEP_HELP[count],
                      disabled=diverged, icon=":material/skip_next:"):
            clicked = count
    row.button("Reset", key="learn_reset", help=words.RESET_HELP, on_click=reset_lesson,
               icon=":material/restart_alt:", type="primary" if diverged else "secondary")
    interrupted = st.session_state.pop(LONG_RUN_KEY, None)
    if interrupted:
        st.info(words.stopped(lesson.step - interrupted["start"], interrupted["asked"]),
                icon=":material/stop_circle:")
    if clicked == 1:
        lesson.take_step()
    elif clicked:
        long_run(lesson, clicked)


def render_history(lesson: Lesson) -> None:
    last = lesson.losses[-1] if lesson.losses else None
    st.markdown(words.status(lesson.step, lesson.settings.steps_per_epoch, last, lesson.accuracies[-1]))
    if lesson.diverged:
        st.error(words.diverged(last if last is not None else float("nan"), DIVERGED_LOSS),
                 icon=":material/warning:")
    if not lesson.losses:
        st.caption(words.NO_HISTORY)
        return
    st.plotly_chart(history_figure(lesson.losses, lesson.accuracies, lesson.settings.steps_per_epoch),
                    config=CHART, key="learn_history")
    st.caption(words.HISTORY_CAPTION)
    ours = lesson.epoch_accuracy(1)
    if ours is not None:
        keras = keras_first_epoch(runs().values())
        st.success(words.epoch_comparison(ours, *(keras or (None, None))), icon=":material/compare_arrows:")


def render_forward(lesson: Lesson, example: int) -> None:
    upcoming = lesson.next_step()
    result = upcoming.forward
    st.subheader(words.FORWARD_TITLE, divider="gray")
    st.markdown(words.forward_intro(len(upcoming.indices), upcoming.step))
    st.latex(words.FORWARD_LATEX)
    label = int(result.labels[example])
    active = result.z1[example] > 0
    row = st.container(horizontal=True, key=f"{PIXELS_KEY_PREFIX}learn_forward")
    picture(row, grey_picture(result.x[example], (28, 28)), 140,
            words.pixels_caption(int(upcoming.indices[example]), label), "The example's 28×28 input pixels")
    picture(row, diverging_picture(result.z1[example], (16, 32)), 264, words.PRE_ACTIVATION_CAPTION,
            "The hidden layer's weighted sums for the example, one square per unit")
    picture(row, grey_picture(active.astype("float32"), (16, 32)), 264,
            words.mask_caption(int(active.sum()), active.size), "Which hidden units are active")
    st.plotly_chart(output_bars(result.logits[example], result.probabilities[example], label), config=CHART,
                    key="learn_outputs")
    st.latex(words.latex_lines(words.loss_latex(label, float(result.probabilities[example, label]),
                                                float(result.losses[example])),
                               words.batch_loss_latex(len(upcoming.indices), result.loss)))


def render_backward(lesson: Lesson, unit: int, example: int) -> None:
    upcoming = lesson.next_step()
    gradients, result = upcoming.backward.gradients, upcoming.forward
    st.subheader(words.BACKWARD_TITLE, divider="gray")
    st.markdown(words.BACKWARD_INTRO)
    label = int(result.labels[example])
    st.latex(words.latex_lines(words.BACKWARD_LATEX, words.delta_latex(
        label, float(result.probabilities[example, label]), len(upcoming.indices))))
    row = st.container(horizontal=True, key=f"{PIXELS_KEY_PREFIX}learn_backward")
    picture(row, diverging_picture(gradients.w1[:, unit], (28, 28)), 168,
            words.unit_gradient_caption(unit),
            f"The gradient of unit {unit}'s 784 weights, as a 28×28 picture")
    picture(row, diverging_picture(lesson.params.w1[:, unit], (28, 28)), 168,
            words.unit_weights_caption(unit), f"Unit {unit}'s 784 weights, as a 28×28 picture")
    row.markdown(words.norms_text(gradients.norms()), width=260)
    st.plotly_chart(w2_gradient_figure(gradients.w2), config=CHART, key="learn_w2_gradient")
    st.caption(words.W2_GRADIENT_CAPTION)


def render_update(lesson: Lesson, unit: int) -> None:
    optimiser = lesson.settings.optimiser
    st.subheader(words.UPDATE_TITLE, divider="gray")
    st.markdown(words.UPDATE_EXPLANATION[optimiser])
    change = lesson.unit_update(unit)
    pixel = int(np.nanargmax(np.abs(np.nan_to_num(change.gradient))))  # the most pulled weight
    slot = None if change.slot_after is None else float(change.slot_after[pixel])
    numbers = words.update_numbers_latex(optimiser, lesson.settings.learning_rate, pixel,
                                         float(change.before[pixel]), float(change.gradient[pixel]), slot,
                                         float(change.after[pixel]))
    st.latex(words.latex_lines(words.UPDATE_LATEX[optimiser], numbers))
    row = st.container(horizontal=True, key=f"{PIXELS_KEY_PREFIX}learn_update")
    peak = float(np.nanmax(np.abs(change.before)))
    picture(row, diverging_picture(change.before, (28, 28), peak), 140, words.BEFORE_CAPTION,
            "The unit's weights before the step, as a 28×28 picture")
    picture(row, diverging_picture(change.after, (28, 28), peak), 140, words.AFTER_CAPTION,
            "The unit's weights after the step, as a 28×28 picture")
    picture(row, diverging_picture(change.change, (28, 28)), 140, words.CHANGE_CAPTION,
            "The change of the unit's weights in the step, as a 28×28 picture")
    if change.slot_after is not None:
        slot_picture = (grey_picture(change.slot_after, (28, 28)) if optimiser == "rmsprop"
                        else diverging_picture(change.slot_after, (28, 28)))
        picture(row, slot_picture, 140, words.SLOT_CAPTION[optimiser],
                "The optimiser's memory for the unit's weights, as a 28×28 picture")
    largest = float(np.nanmax(np.abs(change.change))) if np.isfinite(change.change).any() else float("nan")
    st.caption(words.update_caption(lesson.settings.learning_rate, unit, largest))


@st.fragment
def render_run(data: LessonData) -> None:
    """Everything a step changes, from the Step buttons to the landscape: a Step click, Stop, the
    example or the unit reruns only this (the controls above and the race below stay as they are)."""
    view = st.session_state[VIEW_KEY]
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
    if (previous := st.session_state.get(LESSON_KEY)) is not None:
        with previous.lock:  # an older script run's step in flight ends first; it takes no more (long_run)
            pass
    lesson = session_lesson(view, data)
    render_steps(lesson)
    render_history(lesson)
    batch = len(lesson.next_step().indices)
    st.session_state[EXAMPLE_WIDGET] = min(view.example, batch - 1)
    st.session_state[UNIT_WIDGET] = view.unit
    pickers = st.container(horizontal=True, gap="medium")
    units = lesson.settings.hidden_units
    example = pickers.number_input(
        f"Image of the batch (0–{batch - 1})", 0, batch - 1, step=1, key=EXAMPLE_WIDGET,
        help=words.EXAMPLE_HELP,
        on_change=lambda: update_view(example=int(st.session_state[EXAMPLE_WIDGET])))
    unit = pickers.number_input(
        f"Hidden unit (0–{units - 1})", 0, units - 1, step=1, key=UNIT_WIDGET, help=words.UNIT_HELP,
        on_change=lambda: update_view(unit=int(st.session_state[UNIT_WIDGET])))
    render_forward(lesson, int(example))
    render_backward(lesson, int(unit), int(example))
    render_update(lesson, int(unit))
    render_check(lesson)
    render_landscape(lesson)
    write_params(st.session_state[VIEW_KEY])


st.title(words.TITLE)
st.markdown(words.INTRO)
data = shared_lesson_data(dataset_or_stop())
render_controls(current_view())
render_run(data)
render_race(view_settings(st.session_state[VIEW_KEY]), data)
