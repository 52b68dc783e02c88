"""The "How it learns" page's state and its on-demand sections: the images every session shares
read-only, this session's run (a ``mnist_core.learning.lesson.Lesson`` in ``st.session_state``,
dropped with the session), and the gradient check, the landscape and the race, computed when asked."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from mnist_core.charts.learning import landscape_figure, race_figure
from mnist_core.learning.gradcheck import gradient_check
from mnist_core.learning.lesson import Lesson, LessonData, RunStart, lesson_data, run_start
from mnist_core.learning.network import initial_parameters
from mnist_core.learning.race import optimiser_race
from mnist_core.learning.settings import OPTIMISERS, LearningSettings
from mnist_core.learning.view import LEARNING_RATES, LearnView, parse_view
from mnist_core.text import learning as words
from ui.resources import Dataset

LESSON_KEY = "learn_lesson"  # session_state: this session's Lesson
VIEW_KEY = "learn_view"  # session_state: the LearnView shown, mirrored in st.query_params
APPLIED_KEY = "learn_applied_params"  # session_state: the query parameters last written
CHECK_KEY = "learn_check"  # session_state: (step, run id, GradientCheck) of the last check
LANDSCAPE_KEY = "learn_landscape_asked"  # session_state: (step, run id) the landscape was asked for
RACE_KEY = "learn_race"  # session_state: (curves, rates) of the last race
CHART = {"displayModeBar": False}


@st.cache_resource(show_spinner=False)
def shared_lesson_data(_dataset: Dataset) -> LessonData:
    """The training images and the float validation and landscape slices, once per process."""
    return lesson_data(_dataset.x_train, _dataset.y_train, _dataset.x_test, _dataset.y_test)


@st.cache_resource(show_spinner=False, max_entries=4)
def shared_start(seed: int, data_id: int, _data: LessonData) -> RunStart:
    """Where the page's runs of ``seed`` start on the data whose id is ``data_id`` (its arrays
    read-only), once per process: every session that opens the page or presses Reset at a seed seen
    before starts from it (the weights, their accuracy and the first step's passes are the same).
    About 8 MB a seed (weights, first step, directions), so only the last few seeds are kept."""
    return run_start(LearningSettings(seed=seed), _data).read_only()


def current_view() -> LearnView:
    """The view from the URL when it changed (a shared link), else this session's; bad values are
    replaced by defaults with a warning."""
    params = st.query_params.to_dict()
    if VIEW_KEY not in st.session_state or params != st.session_state.get(APPLIED_KEY):
        settings = LearningSettings()
        view, notes = parse_view(params, settings.batch_size, settings.hidden_units)
        for note in notes:
            st.warning(note, icon=":material/link_off:")
        st.session_state[VIEW_KEY] = view
    return st.session_state[VIEW_KEY]


def update_view(**changes) -> None:
    st.session_state[VIEW_KEY] = dataclasses.replace(st.session_state[VIEW_KEY], **changes)


def write_params(view: LearnView) -> None:
    """Mirror the view in the URL, so the address bar is a link to it."""
    params = view.to_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[APPLIED_KEY] = params


def view_settings(view: LearnView) -> LearningSettings:
    """The run's settings ``view`` asks for (its seed, optimiser and learning rate)."""
    return LearningSettings(seed=view.seed, optimiser=view.optimiser, learning_rate=view.learning_rate)


def session_lesson(view: LearnView, data: LessonData) -> Lesson:
    """This session's run for ``view``: a new one for a new seed, else the same one with the view's
    optimiser and learning rate."""
    lesson = st.session_state.get(LESSON_KEY)
    settings = view_settings(view)
    if lesson is None or lesson.settings.seed != view.seed or lesson.data is not data:
        start = shared_start(view.seed, id(data), data)
        lesson = st.session_state[LESSON_KEY] = Lesson(settings, data, start)
    elif lesson.settings != settings:
        lesson.configure(settings)
    return lesson


def reset_lesson() -> None:
    """Reset: this seed's starting weights, step 0 (the next page run makes the new Lesson)."""
    st.session_state.pop(LESSON_KEY, None)


def render_check(lesson: Lesson) -> None:
    st.subheader(words.CHECK_TITLE, divider="gray")
    st.markdown(words.CHECK_INTRO)
    if st.button(words.CHECK_BUTTON, key="learn_check_button", icon=":material/fact_check:"):
        upcoming = lesson.next_step()
        st.session_state[CHECK_KEY] = (lesson.step, id(lesson), gradient_check(
            lesson.params, upcoming.forward.x, upcoming.forward.labels, count=6, seed=lesson.step))
    kept = st.session_state.get(CHECK_KEY)
    if kept is None or kept[:2] != (lesson.step, id(lesson)):
        return
    check = kept[2]
    table = pd.DataFrame({
        words.CHECK_COLUMNS[0]: [words.weight_name(n, p) for n, p in zip(check.names, check.positions,
                                                                            strict=True)],
        words.CHECK_COLUMNS[1]: check.analytic, words.CHECK_COLUMNS[2]: check.numeric,
        words.CHECK_COLUMNS[3]: check.relative_error,
    })
    formats = {name: st.column_config.NumberColumn(format="%.6e") for name in words.CHECK_COLUMNS[1:3]}
    formats[words.CHECK_COLUMNS[3]] = st.column_config.NumberColumn(format="%.1e")
    st.dataframe(table, hide_index=True, column_config=formats, key="learn_check_table")
    st.markdown(words.check_verdict(check.worst))


def render_landscape(lesson: Lesson) -> None:
    st.subheader(words.LANDSCAPE_TITLE, divider="gray")
    st.markdown(words.LANDSCAPE_INTRO)
    span = st.select_slider(words.SPAN_LABEL, (0.1, 0.25, 0.5, 1.0), value=1.0, key="learn_span")
    if st.button(words.LANDSCAPE_BUTTON, key="learn_landscape_button", icon=":material/landscape:"):
        st.session_state[LANDSCAPE_KEY] = (lesson.step, id(lesson))
    if st.session_state.get(LANDSCAPE_KEY) != (lesson.step, id(lesson)):
        return  # drawn for the weights it was asked for (441 losses): a step does not redraw it
    with st.spinner("Computing 441 losses…"):
        found = lesson.landscape(span)
    st.plotly_chart(landscape_figure(found.alphas, found.betas, found.losses, found.path, found.path_steps),
                    config=CHART, key="learn_landscape")
    finite = found.losses[np.isfinite(found.losses)]
    lowest, highest = (float(finite.min()), float(finite.max())) if finite.size else (np.nan, np.nan)
    st.caption(words.landscape_caption(found.centre_loss, lowest, highest) + " "
               + words.path_note(len(found.path)))


def render_race(settings: LearningSettings, data: LessonData) -> None:
    """The race, from the starting weights of ``settings``' seed (not this session's run, which it
    leaves alone)."""
    st.subheader(words.RACE_TITLE, divider="gray")
    st.markdown(words.RACE_INTRO)
    with st.form("learn_race_form", enter_to_submit=False, border=False):
        columns = st.columns(4)
        steps = columns[0].select_slider(words.RACE_STEPS_LABEL, (20, 50, 100, 200), value=50,
                                         key="learn_race_steps")
        defaults = {"sgd": 0.1, "momentum": 0.01, "rmsprop": 1e-3}
        rates = {name: column.select_slider(words.RACE_RATE_LABEL.format(words.short_name(name)),
                                            LEARNING_RATES, value=defaults[name], format_func="{:g}".format)
                 for name, column in zip(OPTIMISERS, columns[1:], strict=True)}
        go = st.form_submit_button(words.RACE_BUTTON, icon=":material/sports_score:")
    if go:
        bar = st.progress(0.0)
        start = initial_parameters(settings.seed, settings.hidden_units, settings.dtype)
        curves = optimiser_race(settings, start, data.train_images, data.train_labels, steps, rates,
                                progress=lambda share: bar.progress(share))
        bar.empty()
        st.session_state[RACE_KEY] = (curves, rates)
    kept = st.session_state.get(RACE_KEY)
    if kept is not None:
        curves, rates = kept
        st.plotly_chart(race_figure(curves, rates), config=CHART, key="learn_race_chart")
        finals = {name: float(np.mean(values[-10:])) for name, values in curves.items()}
        st.caption(words.race_caption(len(next(iter(curves.values()))), finals))
