"""Home: the lesson, as a guided walk. Each step shows the real code next to its live result.

The eight steps of the "hello world of deep learning" (Chollet, Deep Learning with Python,
ch. 2). Left: the lesson's code and the ``mnist_core`` source that MNIST Lab actually runs.
Right: what that code produced, just now, in this session. The Fit step trains only when
its button is pressed; later steps use that run, or else the active model.
"""

from __future__ import annotations

import streamlit as st

import mnist_core
from app_pages.common import (
    ACTIVE_KEY,
    ActiveModel,
    Dataset,
    Run,
    active_model,
    dataset_or_stop,
    evaluation_of,
    job_queue,
    load_dataset,
    load_default,
    runs,
    set_active,
)
from app_pages.job_view import render_live, start_or_explain
from app_pages.widgets import code_block, page_link, printout, side_by_side_layout, step_header
from mnist_core import (
    COMPLETED,
    DIVERGED,
    STOPPED,
    DenseNetwork,
    MnistLabError,
    ModelConfig,
    TrainingHistory,
    flatten_and_scale,
    lesson_text,
    preset,
)
from mnist_core.charts.dataset import tile_strip, vector_strip_figure
from mnist_core.dataset_stats import array_summary
from mnist_core.gallery import compose_grid
from mnist_core.jobs import JobStatus
from mnist_core.lesson import lesson_model_facts as facts_of_config
from mnist_core.lesson import source_excerpt
from mnist_core.lesson import source_of as read_source
from mnist_core.run_text import duration_text, elapsed_text, plural, settings_summary

HOME_RUN_KEY = "home_run"  # session_state: id of the run trained by the Fit step, or absent
FIRST = lesson_text.FIRST
STEPS = {step.number: step for step in lesson_text.steps()}

# --- helpers ----------------------------------------------------------------------------------


def source_of(target) -> str:
    """The source of a function, or of "module:qualname", headed by its file; read from the
    file (mnist_core.lesson), so showing Keras code never imports Keras."""
    if callable(target):
        target = f"{target.__module__}:{target.__qualname__}"
    module, qualname = target.split(":")
    return read_source(module, qualname)


def show_code(lesson_code: str, real: list[str], note: str) -> None:
    """Two tabs: the lesson's snippet, and the mnist_core source the app runs for this step."""
    lesson_tab, real_tab = st.tabs(["The lesson's code", "What MNIST Lab runs"])
    with lesson_tab:
        code_block(lesson_code)
    with real_tab:
        st.caption(note)
        for text in real:
            code_block(text)


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
    if model.run is None:
        source = "default"
    else:
        source = "lesson" if model.run.id == st.session_state.get(HOME_RUN_KEY) else "active"
    st.caption(lesson_text.model_note(model.name, source))


def show_epoch_table(history: TrainingHistory, target=None) -> None:
    """The epoch table, with accuracies as percentages, in ``target`` (a placeholder) or here."""
    (target or st).dataframe(
        lesson_text.epoch_table(history),
        hide_index=True,
        width="stretch",
        column_config={
            "loss": st.column_config.NumberColumn(format="%.4f", help="training loss"),
            "accuracy": st.column_config.NumberColumn(format="%.4f", help="training accuracy"),
            "val_loss": st.column_config.NumberColumn(format="%.4f", help="validation loss"),
            "val_accuracy": st.column_config.NumberColumn(format="%.4f", help="validation accuracy"),
        },
    )


def lesson_model_facts() -> dict:
    """Layers and compile settings of the lesson's network, derived from its config."""
    return facts_of_config(preset("seed"))


# --- the steps ------------------------------------------------------------------------------


def header(number: int) -> tuple:
    """Step ``number``'s title and explanation (mnist_core.lesson_text); returns (code, result) columns."""
    step = STEPS[number]
    return step_header(step.number, step.title, step.explanation)


def step_load(dataset: Dataset) -> None:
    code, result = header(1)
    with code:
        show_code(
            lesson_text.CODE["load"],
            [source_of(mnist_core.load_mnist)],
            "MNIST Lab reads a local copy when `MNIST_PATH` is set, else Keras' download, and "
            "checks what it read. The page caches the arrays once per server, read-only.",
        )
    with result:
        first, second = st.columns(2)
        first.metric("Images loaded", f"{len(dataset.x_train) + len(dataset.x_test):,}", border=True)
        second.metric("Labels", "digits 0–9", border=True)
        labels = " ".join(f"**{label}**" for label in dataset.y_train[:FIRST])
        st.caption("The first ten training images:")
        strip = tile_strip(dataset.x_train[:FIRST], columns=5, scale=2)
        alt = f"The first ten training images, digits {labels.replace('*', '')}"
        st.image(strip, width="stretch", alt=alt)
        st.markdown(f"Their labels, `train_labels[:10]`: {labels}")
        page_link("app_pages/dataset.py", "Explore the dataset", ":material/grid_view:")


def step_shapes(dataset: Dataset) -> None:
    code, result = header(2)
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    with code:
        show_code(
            lesson_text.CODE["shapes"],
            [source_of(mnist_core.validate_mnist)],
            "MNIST Lab refuses data that does not have these shapes, this dtype and labels 0–9:",
        )
        printout(lesson_text.shapes_printout(*arrays, every_array=False))
    with result:
        st.dataframe(dataset_summary(), hide_index=True, width="stretch")
        first, second = st.columns(2)
        first.metric("Training images", f"{len(dataset.x_train):,}", border=True)
        second.metric("Test images", f"{len(dataset.x_test):,}", border=True)
        first.metric("Pixels per image", f"{dataset.x_train[0].size}", border=True)
        st.caption(
            "`uint8` means whole numbers from 0 to 255: one byte per pixel, 0 for background, "
            "255 for full ink. Labels are the digits 0 to 9."
        )
        page_link(
            "app_pages/dataset.py", "Class counts, the average digit, pixel values", ":material/grid_view:"
        )


def step_build() -> None:
    code, result = header(3)
    facts = lesson_model_facts()
    with code:
        show_code(
            lesson_text.CODE["build"],
            [source_of("mnist_core.model:build_model")],
            "The same network with Keras' Functional API. The lesson's preset has one hidden "
            "layer of 512, no dropout and no augmentation, so only the Input, `hidden_1` and "
            "`digit` layers are built:",
        )
    with result:
        st.graphviz_chart(
            lesson_text.network_diagram(facts["layers"]),
            width="content",
            alt="The lesson's network: 784 pixels, a dense layer of 512 units, a dense layer of 10.",
        )
        st.dataframe(
            facts["layers"],
            hide_index=True,
            width="stretch",
            column_order=("layer", "output shape", "activation", "parameters"),  # the type is in the diagram
            column_config={"parameters": st.column_config.NumberColumn(format="localized")},
        )
        hidden = next(layer for layer in facts["layers"] if layer["type"] == "Dense")
        st.metric("Weights to learn", f"{facts['total']:,}", border=True)
        st.caption(lesson_text.hidden_layer_note(hidden))
        page_link("app_pages/train.py", "Try more layers, more units or dropout", ":material/model_training:")
        page_link("app_pages/network.py", "See what the 512 units become after training", ":material/hub:")


def step_compile() -> None:
    code, result = header(4)
    facts = lesson_model_facts()
    with code:
        show_code(
            lesson_text.CODE["compile"],
            [
                "# the end of build_model (mnist_core/model.py)\n"
                + source_excerpt("mnist_core.model", "build_model", "model.compile(", "    )"),
                source_of("mnist_core.model:make_optimizer"),
            ],
            "`build_model` compiles the network it builds; the optimizer comes from the config:",
        )
    with result:
        settings = (facts["optimizer"], facts["learning_rate"], facts["loss"], facts["metrics"])
        st.dataframe(lesson_text.compile_table(*settings), hide_index=True, width="stretch")
        st.markdown(
            "*Sparse categorical cross-entropy* is −log(probability given to the right digit), "
            "so confident right answers cost almost nothing and confident wrong ones cost a lot:"
        )
        st.dataframe(lesson_text.loss_table(), hide_index=True, width="stretch")
        page_link(
            "app_pages/train.py", "Try Adam or SGD and other learning rates", ":material/model_training:"
        )


@st.cache_resource(show_spinner=False)
def dataset_summary() -> list[dict]:
    """Name, shape, dtype, min and max of the four arrays: once per process (a min and a max
    over 47 million training pixels are not worth repeating for every visitor)."""
    dataset = load_dataset()
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    return array_summary(dict(zip(lesson_text.LESSON_NAMES, arrays, strict=True)))


@st.cache_resource(show_spinner=False)
def prepared_strip():
    """The strip of test image 0 as the network receives it (a Plotly figure), built once."""
    return vector_strip_figure(prepared_test_facts()["first"], title=None)


@st.cache_resource(show_spinner=False)
def prepared_test_facts() -> dict:
    """Shape, dtype and range of ``flatten_and_scale(test_images)``, and its first row (784,).

    Computed once per process, so a rerun does not allocate the 31 MB float copy again.
    """
    prepared = flatten_and_scale(load_dataset().x_test)
    first = prepared[0].copy()
    first.flags.writeable = False
    return {
        "shape": str(prepared.shape),
        "dtype": str(prepared.dtype),
        "min": float(prepared.min()),
        "max": float(prepared.max()),
        "first": first,
    }


def step_prepare(dataset: Dataset) -> None:
    code, result = header(5)
    prepared = prepared_test_facts()
    with code:
        show_code(
            lesson_text.CODE["prepare"],
            [source_of(flatten_and_scale)],
            "One function, used for training, evaluation and prediction alike:",
        )
    with result:
        st.dataframe(lesson_text.prepare_table(dataset.x_test, prepared), hide_index=True, width="stretch")
        st.caption(f"Test image 0 (a {dataset.y_test[0]}) as the network receives it:")
        st.plotly_chart(prepared_strip(), width="stretch", key="home_strip")
        page_link("app_pages/dataset.py", "See any image reshaped, pixel by pixel", ":material/grid_view:")
        page_link("app_pages/draw.py", "How your own drawing is brought to MNIST's format", ":material/draw:")


def step_fit(dataset: Dataset) -> None:
    config = preset("seed")
    code, result = header(6)
    with code:
        show_code(
            lesson_text.CODE["fit"],
            [source_of("mnist_core.training:train")],
            "`train` builds the network, calls Keras' `fit` and reports progress through "
            "callbacks (the progress bar here, the live charts on the Train page):",
        )
    with result:
        render_fit(config)
        page_link(
            "app_pages/train.py",
            "Change the network and compare runs on live charts",
            ":material/model_training:",
        )


def render_fit(config: ModelConfig) -> None:
    """The Fit button, then the lesson's run: live while it trains (as on Train), then its outcome."""
    job_queue().start_worker()  # the worker loads TensorFlow in the background, before the click
    run = lesson_run()
    training = run is not None and not run.finished
    label = "Train the lesson's network" if run is None else "Train it again"
    if st.button(label, type="primary", icon=":material/play_arrow:", key="home_fit", disabled=training):
        started = start_or_explain(config)
        if started is not None:
            st.session_state[HOME_RUN_KEY] = started.id
            st.rerun()  # draw the page (and the sidebar's status) with the new run
    measured = job_queue().speed.seconds_for(config)
    timing = f" It takes {duration_text(measured)} on this server (measured here)." if measured else ""
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
    try:
        _, metadata = load_default()
    except MnistLabError:
        return
    history = TrainingHistory.from_dict(metadata.get("history") or {})
    if history.epoch:
        st.caption("How the shipped default model's training went (from `models/default.json`):")
        show_epoch_table(history)


def show_lesson_run(run: Run) -> None:
    if run.status in (DIVERGED, JobStatus.FAILED):
        st.error(f"**{run.name} {run.status}.** {run.message}", icon=":material/error:")
        return
    if run.status == STOPPED:
        st.warning(f"**{run.name} stopped early.** {run.message}", icon=":material/pause_circle:")
    if not run.history.batch_step:
        return
    show_epoch_table(run.history)
    if run.history.accuracy:
        first, second = st.columns(2)
        first.metric("Training accuracy", f"{run.history.accuracy[-1]:.2%}", border=True)
        second.metric("Validation accuracy", f"{run.history.val_accuracy[-1]:.2%}", border=True)
    if run.status == COMPLETED:
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


def step_predict(dataset: Dataset, model: ActiveModel | None) -> None:
    code, result = header(7)
    with code:
        show_code(
            lesson_text.CODE["predict"],
            [source_of(DenseNetwork.probabilities)],
            "MNIST Lab runs the trained network itself, in NumPy: a few matrix products, no TensorFlow "
            "in the web server:",
        )
    if model is None:
        result.info("No model to predict with: train one in step 6.", icon=":material/info:")
        return
    probabilities = model.network.probabilities(flatten_and_scale(dataset.x_test[:FIRST]))
    truth = dataset.y_test[:FIRST].astype(int)
    rows = lesson_text.first_predictions_table(probabilities, truth)
    with code:
        printout(lesson_text.prediction_printout(probabilities[0], int(truth[0])))
    with result:
        which_model_note(model)
        predicted = probabilities.argmax(axis=1)
        st.image(
            compose_grid(dataset.x_test[:FIRST], predicted, truth, list(range(FIRST)), columns=5),
            caption="Green frame: right. Red: wrong. The small number is the image's index in test_images.",
            width="stretch",
            alt="The first ten test images, each framed green if predicted right, red if wrong.",
        )
        probability = st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
        st.dataframe(rows, hide_index=True, width="stretch", column_config={"probability": probability})
        st.caption(f"{sum(row['right'] == '✓' for row in rows)} of the first {FIRST} right.")
        page_link("app_pages/predictions.py", "All 10,000 test predictions", ":material/fact_check:")


def step_evaluate(model: ActiveModel | None) -> None:
    code, result = header(8)
    with code:
        show_code(
            lesson_text.CODE["evaluate"],
            [source_of(mnist_core.evaluate), source_of(mnist_core.evaluate_probabilities)],
            "One prediction pass gives loss, accuracy and the confusion matrix; it runs once "
            "per model and is reused by every page:",
        )
    if model is None:
        result.info("No model to evaluate: train one in step 6.", icon=":material/info:")
        return
    with result, st.spinner("Scoring 10,000 test images…"):
        evaluation = evaluation_of(model)
    with code:
        printout(lesson_text.accuracy_printout(evaluation.accuracy))
    mistakes = int((evaluation.predicted != evaluation.labels).sum())
    history, config = training_record(model)
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
        page_link("app_pages/predictions.py", "Confusion matrix and mistakes", ":material/fact_check:")
        page_link("app_pages/draw.py", "Draw a digit and test it yourself", ":material/draw:")


def training_record(model: ActiveModel) -> tuple[TrainingHistory, ModelConfig | None]:
    """The model's training curves and settings: from its run, or the default's sidecar."""
    if model.run is not None:
        return model.run.history, model.run.config
    try:
        return lesson_text.recorded_training(load_default()[1])
    except MnistLabError:
        return TrainingHistory(), None


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
