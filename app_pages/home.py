"""Home: the lesson, as a guided walk. Each step shows the real code next to its live result.

The eight steps of the "hello world of deep learning" (Chollet, Deep Learning with Python,
ch. 2). Left: the lesson's code and the ``mnist_core`` source that MNIST Lab actually runs.
Right: what that code produced, just now, in this session. The Fit step trains only when
its button is pressed; later steps use that run, or else the active model.
"""

from __future__ import annotations

import streamlit as st

from mnist_core import flatten_and_scale, preset
from mnist_core.charts.dataset import vector_strip_figure
from mnist_core.charts.gallery import compose_grid, png_data_url, tile_strip
from mnist_core.lesson import printouts
from mnist_core.lesson import source as lesson
from mnist_core.text import lesson as lesson_text
from ui.job_view import render_lesson_fit
from ui.resources import Dataset, dataset_or_stop, dataset_summary, load_dataset
from ui.session import HOME_RUN_KEY, ActiveModel, Run, active_model, evaluation_of, model_record, runs
from ui.widgets import code_step, printout, side_by_side_layout

FIRST = lesson_text.FIRST
STEPS = {step.number: step for step in lesson_text.steps()}
LINKS = {  # step number -> the pages that go deeper: (page, label, icon)
    1: [("app_pages/dataset.py", "Explore the dataset", ":material/grid_view:")],
    2: [("app_pages/dataset.py", "Class counts, the average digit, pixel values", ":material/grid_view:")],
    3: [("app_pages/train.py", "Try more layers, more units or dropout", ":material/model_training:"),
        ("app_pages/network.py", "See what the 512 units become after training", ":material/hub:")],
    4: [("app_pages/train.py", "Try Adam or SGD and other learning rates", ":material/model_training:")],
    5: [("app_pages/dataset.py", "See any image reshaped, pixel by pixel", ":material/grid_view:"),
        ("app_pages/draw.py", "How your own drawing is brought to MNIST's format", ":material/draw:")],
    6: [("app_pages/train.py", "Other networks, compared on live charts", ":material/model_training:"),
        ("app_pages/learn.py", "See one step of this, under the microscope", ":material/trending_down:")],
    7: [("app_pages/predictions.py", "All 10,000 test predictions", ":material/fact_check:")],
    8: [("app_pages/predictions.py", "Confusion matrix and mistakes", ":material/fact_check:"),
        ("app_pages/draw.py", "Draw a digit and test it yourself", ":material/draw:")],
}  # fmt: skip

# --- helpers ----------------------------------------------------------------------------------


def open_step(number: int) -> tuple:
    """Step ``number``: its title and words, the lesson's code beside what MNIST Lab runs, and
    links to the pages that go deeper. Returns (code column, result area above the links)."""
    step = STEPS[number]
    key = step.name.lower()
    sources, note = lesson.SOURCES[key]
    tabs = {"The lesson's code": (None, [lesson_text.CODE[key]]),
            "What MNIST Lab runs": (note, [lesson.source_text(source) for source in sources])}
    return code_step(step.number, step.title, step.explanation, tabs, LINKS[number])


def lesson_run() -> Run | None:
    """The run the Fit step trained in this session, if any."""
    return runs().get(st.session_state.get(HOME_RUN_KEY) or "")


def model_for_results() -> ActiveModel | None:
    """The Fit step's run if it can classify, else the active model (None when there is none)."""
    run = lesson_run()
    if run is not None and run.usable:
        return ActiveModel(run.id, f"{run.name} (trained in step 6)", run.network, run)
    return active_model()


def which_model_note(model: ActiveModel) -> None:
    lesson_run_id = st.session_state.get(HOME_RUN_KEY)
    source = "default" if model.run is None else "lesson" if model.run.id == lesson_run_id else "active"
    st.caption(lesson_text.model_note(model.name, source))


@st.cache_resource(show_spinner=False)
def prepared_test_facts() -> dict:
    """printouts.prepared_facts of the test images, once per process (a 31 MB float copy)."""
    return printouts.prepared_facts(load_dataset().x_test)


@st.cache_resource(show_spinner=False)
def prepared_strip():
    """Test image 0 as the network receives it, a Plotly figure built once per process."""
    return vector_strip_figure(prepared_test_facts()["first"], title=None)


# --- the steps ------------------------------------------------------------------------------


def step_load(dataset: Dataset) -> None:
    _, result = open_step(1)
    first, second = result.columns(2)
    first.metric("Images loaded", f"{len(dataset.x_train) + len(dataset.x_test):,}", border=True)
    second.metric("Labels", "digits 0–9", border=True)
    labels = " ".join(str(label) for label in dataset.y_train[:FIRST])
    result.caption("The first ten training images:")
    strip = tile_strip(dataset.x_train[:FIRST], columns=5, scale=2)
    result.image(png_data_url(strip), width="stretch", alt=f"The first ten training images, digits {labels}")
    result.markdown(f"Their labels, `train_labels[:10]`: **{labels.replace(' ', '** **')}**")


def step_shapes(dataset: Dataset) -> None:
    code, result = open_step(2)
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    with code:
        printout(printouts.shapes_printout(*arrays, every_array=False))
    result.dataframe(dataset_summary(), hide_index=True, width="stretch")
    first, second = result.columns(2)
    first.metric("Training images", f"{len(dataset.x_train):,}", border=True)
    second.metric("Test images", f"{len(dataset.x_test):,}", border=True)
    first.metric("Pixels per image", f"{dataset.x_train[0].size}", border=True)
    result.caption(lesson_text.UINT8_NOTE)


def step_build() -> None:
    _, result = open_step(3)
    facts = lesson.lesson_model_facts(preset("seed"))
    result.graphviz_chart(
        printouts.network_diagram(facts["layers"]),
        width="content",
        alt="The lesson's network: 784 pixels, a dense layer of 512 units, a dense layer of 10.",
    )
    result.dataframe(
        facts["layers"],
        hide_index=True,
        width="stretch",
        column_order=("layer", "output shape", "activation", "parameters"),  # the type is in the diagram
        column_config={"parameters": st.column_config.NumberColumn(format="localized")},
    )
    result.metric("Weights to learn", f"{facts['total']:,}", border=True)
    hidden = next(row for row in facts["layers"] if row["type"] == "Dense")
    result.caption(lesson_text.hidden_layer_note(hidden))


def step_compile() -> None:
    _, result = open_step(4)
    facts = lesson.lesson_model_facts(preset("seed"))
    settings = (facts["optimizer"], facts["learning_rate"], facts["loss"], facts["metrics"])
    result.dataframe(lesson_text.compile_table(*settings), hide_index=True, width="stretch")
    result.markdown(lesson_text.LOSS_NOTE)
    result.dataframe(lesson_text.loss_table(), hide_index=True, width="stretch")


def step_prepare(dataset: Dataset) -> None:
    _, result = open_step(5)
    prepared = prepared_test_facts()
    result.dataframe(lesson_text.prepare_table(dataset.x_test, prepared), hide_index=True, width="stretch")
    result.caption(f"Test image 0 (a {dataset.y_test[0]}) as the network receives it:")
    result.plotly_chart(prepared_strip(), width="stretch", key="home_strip")


def step_fit(dataset: Dataset) -> None:
    config = preset("seed")
    _, result = open_step(6)
    with result:
        render_lesson_fit(config, lesson_run(), remember_lesson_run)


def remember_lesson_run(run: Run) -> None:
    st.session_state[HOME_RUN_KEY] = run.id


def step_predict(dataset: Dataset, model: ActiveModel | None) -> None:
    code, result = open_step(7)
    if model is None:
        result.info("No model to predict with: train one in step 6.", icon=":material/info:")
        return
    probabilities = model.network.probabilities(flatten_and_scale(dataset.x_test[:FIRST]))
    truth = dataset.y_test[:FIRST].astype(int)
    rows = lesson_text.first_predictions_table(probabilities, truth)
    with code:
        printout(printouts.prediction_printout(probabilities[0], int(truth[0])))
    with result:
        which_model_note(model)
        predicted = probabilities.argmax(axis=1)
        grid = compose_grid(dataset.x_test[:FIRST], predicted, truth, list(range(FIRST)), columns=5)
        st.image(
            png_data_url(grid),
            caption="Green frame: right. Red: wrong. The small number is the image's index in test_images.",
            width="stretch",
            alt="The first ten test images, each framed green if predicted right, red if wrong.",
        )
        probability = st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
        st.dataframe(rows, hide_index=True, width="stretch", column_config={"probability": probability})
        st.caption(f"{sum(row['right'] == '✓' for row in rows)} of the first {FIRST} right.")


def step_evaluate(model: ActiveModel | None) -> None:
    code, result = open_step(8)
    if model is None:
        result.info("No model to evaluate: train one in step 6.", icon=":material/info:")
        return
    with result:
        evaluation = evaluation_of(model)
    with code:
        printout(printouts.accuracy_printout(evaluation.accuracy))
    mistakes = int((evaluation.predicted != evaluation.labels).sum())
    history, config = model_record(model)
    train_accuracy = history.accuracy[-1] if history.accuracy else None
    with result:
        which_model_note(model)
        first, second = st.columns(2)
        first.metric("Test accuracy", f"{evaluation.accuracy:.2%}", border=True)
        second.metric("Test loss", f"{evaluation.loss:.4f}", border=True)
        first.metric(f"Mistakes (of {len(evaluation.labels):,})", f"{mistakes:,}", border=True)
        if train_accuracy is not None:
            second.metric(
                "Training accuracy",
                f"{train_accuracy:.2%}",
                delta=f"{(evaluation.accuracy - train_accuracy) * 100:+.2f} points on test",
                delta_color="off",
                border=True,
            )
            st.markdown(lesson_text.overfitting_note(train_accuracy, evaluation.accuracy, config))
        if lesson_text.book_note(config):
            st.caption(lesson_text.book_note(config))


def render_intro() -> None:
    side_by_side_layout()
    st.title("The hello world of deep learning")
    st.markdown(lesson_text.INTRO)
    st.markdown(lesson_text.contents_line(tuple(STEPS.values())))


render_intro()
mnist = dataset_or_stop()
step_load(mnist)
step_shapes(mnist)
step_build()
step_compile()
step_prepare(mnist)
step_fit(mnist)
results_model = model_for_results()
step_predict(mnist, results_model)
step_evaluate(results_model)
