"""Home: the lesson, as a guided walk. Each step shows the real code next to its live result.

The eight steps of the "hello world of deep learning" (Chollet, Deep Learning with Python,
ch. 2). Left: the lesson's code and the ``mnist_core`` source that MNIST Lab actually runs.
Right: what that code produced, just now, in this session. The Fit step trains only when
its button is pressed; later steps use that run, or else the active model.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

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
from mnist_core import (
    COMPLETED,
    DIVERGED,
    STOPPED,
    DenseNetwork,
    MnistLabError,
    ModelConfig,
    TrainingHistory,
    build_model,
    flatten_and_scale,
    preset,
    train,
)
from mnist_core.charts import dataset as dataset_charts
from mnist_core.gallery import compose_grid
from mnist_core.jobs import JobStatus
from mnist_core.model import make_optimizer
from mnist_core.run_text import duration_text, elapsed_text, plural, settings_summary

HOME_RUN_KEY = "home_run"  # session_state: id of the run trained by the Fit step, or absent
FIRST = 10  # step 7 predicts the first ten test images, as the lesson does
LONG_SOURCE_LINES = 24  # sources longer than this scroll in a box ...
LONG_SOURCE_HEIGHT = 440  # ... this many pixels high
REPO_ROOT = Path(mnist_core.__file__).resolve().parent.parent
BOOK_ACCURACY = 0.978  # Chollet's test accuracy for this network

LESSON = {  # the lesson's own code, step by step (Keras 3 spelling)
    "load": """from tensorflow.keras.datasets import mnist

(train_images, train_labels), (test_images, test_labels) = mnist.load_data()""",
    "shapes": """train_images.shape
len(train_labels)
train_labels
test_images.shape
len(test_labels)
test_labels""",
    "build": """from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    layers.Dense(512, activation="relu"),
    layers.Dense(10, activation="softmax"),
])""",
    "compile": """model.compile(
    optimizer="rmsprop",
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)""",
    "prepare": """train_images = train_images.reshape((60000, 28 * 28))
train_images = train_images.astype("float32") / 255
test_images = test_images.reshape((10000, 28 * 28))
test_images = test_images.astype("float32") / 255""",
    "fit": """model.fit(train_images, train_labels, epochs=5, batch_size=128)""",
    "predict": """test_digits = test_images[0:10]
predictions = model.predict(test_digits)
predictions[0]           # ten probabilities, one per digit
predictions[0].argmax()  # the most likely digit
test_labels[0]           # the right answer""",
    "evaluate": """test_loss, test_acc = model.evaluate(test_images, test_labels)
print(f"test_acc: {test_acc}")""",
}


# --- helpers ----------------------------------------------------------------------------------


def page_link(page: str, label: str, icon: str) -> None:
    """A link to another page, or a plain note while that page is not in the navigation."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        st.caption(f"{label} (that page is not available in this version of the app).")


def source_of(function) -> str:
    """The function's source, headed by the file it lives in."""
    path = Path(inspect.getsourcefile(function)).resolve()
    try:
        where = path.relative_to(REPO_ROOT)
    except ValueError:
        where = path.name
    return f"# {where}\n" + inspect.getsource(function)


def source_excerpt(function, first_line_marker: str, last_line: str) -> str:
    """The lines of a function's source from the one containing a marker to ``last_line``."""
    lines = inspect.getsource(function).splitlines()
    start = next(i for i, line in enumerate(lines) if first_line_marker in line)
    end = next(i for i in range(start, len(lines)) if lines[i] == last_line)
    indent = len(lines[start]) - len(lines[start].lstrip())
    return "\n".join(line[indent:] for line in lines[start : end + 1])


def step_header(number: int, title: str, explanation: str) -> tuple:
    """The step's title and plain-words explanation; returns (code column, result column)."""
    st.subheader(f"{number} · {title}", anchor=f"step-{number}", divider="gray")
    st.markdown(explanation)
    return st.columns([1, 1], gap="large")


def show_code(lesson: str, real: list[str], note: str) -> None:
    """Two tabs: the lesson's snippet, and the mnist_core source the app runs for this step.

    Long sources scroll inside a box of ``LONG_SOURCE_HEIGHT`` pixels.
    """
    lesson_tab, real_tab = st.tabs(["The lesson's code", "What MNIST Lab runs"])
    with lesson_tab:
        st.code(lesson, language="python", wrap_lines=True)
    with real_tab:
        st.caption(note)
        for text in real:
            long = text.count("\n") > LONG_SOURCE_LINES
            st.code(
                text, language="python", height=LONG_SOURCE_HEIGHT if long else "content", wrap_lines=True
            )


def show_output(text: str) -> None:
    """What the lesson's lines print, computed just now, under the code that prints it."""
    st.caption("What those lines print, just now:")
    st.code(text, language="python", wrap_lines=True)


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
    if model.run is not None and model.run.id == st.session_state.get(HOME_RUN_KEY):
        st.caption(f":material/model_training: Result of **{model.name}**, the network you trained above.")
    elif model.run is not None:
        st.caption(
            f":material/model_training: Result of **{model.name}**, the active model. Train in step 6 "
            "to see your own network's answer here."
        )
    else:
        st.caption(
            ":material/inventory_2: Result of the **shipped default model** (`models/default.keras`). "
            "Press *Train* in step 6 to see your own network's answer here instead."
        )


def epoch_table(history: TrainingHistory) -> list[dict]:
    """One row per finished epoch, with the figures Keras' ``fit`` prints."""
    return [
        {
            "epoch": epoch,
            "loss": history.loss[position],
            "accuracy": history.accuracy[position],
            "val_loss": history.val_loss[position],
            "val_accuracy": history.val_accuracy[position],
        }
        for position, epoch in enumerate(history.epoch)
    ]


def show_epoch_table(history: TrainingHistory, target=None) -> None:
    """The epoch table, with accuracies as percentages, in ``target`` (a placeholder) or here."""
    (target or st).dataframe(
        epoch_table(history),
        hide_index=True,
        width="stretch",
        column_config={
            "loss": st.column_config.NumberColumn(format="%.4f", help="training loss"),
            "accuracy": st.column_config.NumberColumn(format="%.4f", help="training accuracy"),
            "val_loss": st.column_config.NumberColumn(format="%.4f", help="validation loss"),
            "val_accuracy": st.column_config.NumberColumn(format="%.4f", help="validation accuracy"),
        },
    )


def network_diagram(layers: list[dict]) -> str:
    """Graphviz DOT of the built layers, top to bottom, ending in the ten probabilities."""
    nodes = []
    for layer in layers:
        width = layer["output shape"].strip("()").split(",")[-1].strip()
        if layer["type"] == "InputLayer":
            text = f"{layer['layer']}\\n{width} pixel values"
        else:
            text = (
                f"{layer['layer']}\\nDense · {width} units · {layer['activation']}"
                f"\\n{layer['parameters']:,} weights"
            )
        nodes.append(text)
    nodes.append("10 probabilities\\none per digit 0–9")
    lines = [
        "digraph {",
        '  rankdir=TB; bgcolor="transparent"; ranksep=0.25;',
        '  node [shape=box, style="rounded,filled", fillcolor="#EEF2FF", color="#4F46E5", '
        'fontname="sans-serif", fontsize=11];',
        '  edge [color="#6B7280", arrowsize=0.7];',
    ]
    lines += [f'  n{index} [label="{text}"];' for index, text in enumerate(nodes)]
    lines += [f"  n{index} -> n{index + 1};" for index in range(len(nodes) - 1)]
    return "\n".join([*lines, "}"])


@st.cache_resource(show_spinner="Building the lesson's network…")
def lesson_model_facts() -> dict:
    """Layers and compile settings of a freshly built lesson network (built once per process)."""
    model = build_model(preset("seed"))
    layers = [
        {
            "layer": layer.name,
            "type": type(layer).__name__,
            "output shape": str(tuple(layer.output.shape)),
            "activation": getattr(getattr(layer, "activation", None), "__name__", "—"),
            "parameters": int(layer.count_params()),
        }
        for layer in model.layers
    ]
    compiled = model.get_compile_config()
    return {
        "layers": layers,
        "total": int(model.count_params()),
        "optimizer": compiled["optimizer"]["class_name"],
        "learning_rate": float(compiled["optimizer"]["config"]["learning_rate"]),
        "loss": compiled["loss"],
        "metrics": list(compiled["metrics"]),
    }


# --- the steps ------------------------------------------------------------------------------


def step_load(dataset: Dataset) -> None:
    code, result = step_header(
        1,
        "Load MNIST",
        "MNIST is 70,000 small pictures of handwritten digits, each labelled with the digit it "
        "shows. The task: look at a picture, say which digit it is. One line of Keras gets it.",
    )
    with code:
        show_code(
            LESSON["load"],
            [source_of(mnist_core.load_mnist)],
            "MNIST Lab reads a local copy when `MNIST_PATH` is set, else Keras' download, and "
            "checks what it read. The page caches the arrays once per server, read-only.",
        )
    with result:
        first, second = st.columns(2)
        first.metric("Images loaded", f"{len(dataset.x_train) + len(dataset.x_test):,}", border=True)
        second.metric("Labels", "digits 0–9", border=True)
        st.caption(f"Read from `{dataset.source}`. The first ten training images:")
        st.image(
            dataset_charts.tile_strip(dataset.x_train[:FIRST], columns=5, scale=2),
            width="stretch",
            alt="The first ten training images, handwritten digits "
            + " ".join(str(label) for label in dataset.y_train[:FIRST]),
        )
        st.markdown(
            "Their labels, `train_labels[:10]`: "
            + " ".join(f"**{label}**" for label in dataset.y_train[:FIRST])
        )
        page_link("app_pages/dataset.py", "Explore the dataset", ":material/grid_view:")


def step_shapes(dataset: Dataset) -> None:
    code, result = step_header(
        2,
        "Look at the shapes",
        "Before training anything, check what you have. The images are a stack of 28 × 28 "
        "grids of bytes; the labels are one digit per image. 60,000 are for training and "
        "10,000 are kept aside to test the network on digits it never saw.",
    )
    arrays = dict(
        zip(
            dataset_charts.LESSON_NAMES,
            (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test),
            strict=True,
        )
    )
    with code:
        show_code(
            LESSON["shapes"],
            [source_of(mnist_core.validate_mnist)],
            "MNIST Lab refuses data that does not have these shapes, this dtype and labels 0–9:",
        )
        show_output(
            dataset_charts.lesson_printout(
                dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test, every_array=False
            )
        )
    with result:
        st.dataframe(dataset_charts.array_summary(arrays), hide_index=True, width="stretch")
        first, second, third = st.columns(3)
        first.metric("Training images", f"{len(dataset.x_train):,}", border=True)
        second.metric("Test images", f"{len(dataset.x_test):,}", border=True)
        third.metric("Pixels per image", f"{dataset.x_train[0].size}", border=True)
        st.caption(
            "`uint8` means whole numbers from 0 to 255: one byte per pixel, 0 for background, "
            "255 for full ink. Labels are the digits 0 to 9."
        )
        page_link(
            "app_pages/dataset.py", "Class counts, the average digit, pixel values", ":material/grid_view:"
        )


def step_build() -> None:
    code, result = step_header(
        3,
        "Build the network: two dense layers",
        "A *dense* layer connects every input to every unit. The first layer has 512 units, "
        "each computing a weighted sum of all 784 pixels followed by `relu` (negatives become "
        "0). The second has 10 units, one per digit; `softmax` turns their scores into ten "
        "probabilities that add up to 1. Training will tune every weight.",
    )
    facts = lesson_model_facts()
    with code:
        show_code(
            LESSON["build"],
            [source_of(build_model)],
            "The same network with Keras' Functional API. The lesson's preset has one hidden "
            "layer of 512, no dropout and no augmentation, so only the Input, `hidden_1` and "
            "`digit` layers are built:",
        )
    with result:
        st.graphviz_chart(
            network_diagram(facts["layers"]),
            width="content",
            alt="The lesson's network: 784 pixels, a dense layer of 512 units, a dense layer of 10.",
        )
        st.dataframe(
            facts["layers"],
            hide_index=True,
            width="stretch",
            column_config={"parameters": st.column_config.NumberColumn(format="localized")},
        )
        hidden = next(layer for layer in facts["layers"] if layer["type"] == "Dense")
        st.metric("Weights to learn", f"{facts['total']:,}", border=True)
        st.caption(
            f"`{hidden['layer']}` alone holds {hidden['parameters']:,} = 784 × 512 weights + 512 "
            "biases. Before training they are random, so the network guesses: about 1 in 10 right."
        )
        page_link("app_pages/train.py", "Try more layers, more units or dropout", ":material/model_training:")


def step_compile() -> None:
    code, result = step_header(
        4,
        "Compile: choose how it learns",
        "Three choices. The **loss** measures how wrong a prediction is; training lowers it. "
        "The **optimizer** decides how to nudge each weight to lower the loss (RMSprop adapts "
        "the step size per weight). The **metric** is what we humans watch: the share of "
        "images classified right.",
    )
    facts = lesson_model_facts()
    with code:
        show_code(
            LESSON["compile"],
            [
                "# the end of build_model (mnist_core/model.py)\n"
                + source_excerpt(build_model, "model.compile(", "    )"),
                source_of(make_optimizer),
            ],
            "`build_model` compiles the network it builds; the optimizer comes from the config:",
        )
    with result:
        st.dataframe(
            [
                {
                    "setting": "optimizer",
                    "value": f"{facts['optimizer']} (learning rate {facts['learning_rate']:g})",
                },
                {"setting": "loss", "value": facts["loss"]},
                {"setting": "metrics", "value": ", ".join(facts["metrics"])},
            ],
            hide_index=True,
            width="stretch",
        )
        st.markdown(
            "*Sparse categorical cross-entropy* is −log(probability given to the right digit), "
            "so confident right answers cost almost nothing and confident wrong ones cost a lot:"
        )
        st.dataframe(
            [
                {"probability on the right digit": p, "loss = −log(p)": round(-math.log(p), 3)}
                for p in (0.99, 0.9, 0.5, 0.1, 0.01)
            ],
            hide_index=True,
            width="stretch",
        )
        page_link(
            "app_pages/train.py", "Try Adam or SGD and other learning rates", ":material/model_training:"
        )


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
    code, result = step_header(
        5,
        "Prepare the data: reshape to 784, scale to [0, 1]",
        "A dense layer wants each image as one flat row of numbers, so each 28 × 28 grid "
        "becomes 784 values, row after row. Bytes 0–255 are divided by 255 to become floats "
        "between 0 and 1, a range in which training behaves well.",
    )
    prepared = prepared_test_facts()
    with code:
        show_code(
            LESSON["prepare"],
            [source_of(flatten_and_scale)],
            "One function, used for training, evaluation and prediction alike:",
        )
    with result:
        st.dataframe(
            [
                {
                    "step": "test_images before",
                    "shape": str(dataset.x_test.shape),
                    "dtype": str(dataset.x_test.dtype),
                    "min": f"{dataset.x_test.min()}",
                    "max": f"{dataset.x_test.max()}",
                },
                {
                    "step": "after flatten_and_scale",
                    "shape": prepared["shape"],
                    "dtype": prepared["dtype"],
                    "min": f"{prepared['min']:.1f}",
                    "max": f"{prepared['max']:.1f}",
                },
            ],
            hide_index=True,
            width="stretch",
        )
        st.caption(f"Test image 0 (a {dataset.y_test[0]}) as the network receives it:")
        st.plotly_chart(
            dataset_charts.vector_strip_figure(prepared["first"]), width="stretch", key="home_strip"
        )
        page_link("app_pages/dataset.py", "See any image reshaped, pixel by pixel", ":material/grid_view:")
        page_link("app_pages/draw.py", "How your own drawing is brought to MNIST's format", ":material/draw:")


def step_fit(dataset: Dataset) -> None:
    config = preset("seed")
    code, result = step_header(
        6,
        "Fit: train the network",
        f"Training shows the network the 60,000 images in batches of {config.batch_size}. After "
        "each batch, it compares its answers with the labels (the loss) and nudges all weights "
        f"to do a little better. One pass over the data is an *epoch*; the lesson does "
        f"{config.epochs}. MNIST Lab also holds back the last {config.validation_split:.0%} of the "
        "training images to report *validation* accuracy on images the network is not trained on.",
    )
    with code:
        show_code(
            LESSON["fit"],
            [source_of(train)],
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
    st.caption(f"{settings_summary(config)}.{timing} It trains on the server's training worker; you can "
               "leave this page meanwhile.")
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
    code, result = step_header(
        7,
        "Predict: what does it say about new images?",
        "The trained network outputs ten probabilities for each image; the largest is its "
        "answer. Here are the first ten **test** images, which it never saw while training, "
        "with its answer and the true label.",
    )
    with code:
        show_code(
            LESSON["predict"],
            [source_of(DenseNetwork.probabilities)],
            "MNIST Lab calls `predict_on_batch`, which is much faster than `predict` for a few images:",
        )
    if model is None:
        result.info("No model to predict with: train one in step 6.", icon=":material/info:")
        return
    probabilities = model.network.probabilities(flatten_and_scale(dataset.x_test[:FIRST]))
    predicted = probabilities.argmax(axis=1)
    truth = dataset.y_test[:FIRST].astype(int)
    with code:
        show_output(prediction_printout(probabilities[0], int(truth[0])))
    with result:
        which_model_note(model)
        st.image(
            compose_grid(dataset.x_test[:FIRST], predicted, truth, np.arange(FIRST), columns=5),
            caption="Green frame: right. Red: wrong. The small number is the image's index in test_images.",
            width="stretch",
            alt="The first ten test images, each framed green if predicted right, red if wrong.",
        )
        st.dataframe(
            [
                {
                    "test image": index,
                    "true label": int(truth[index]),
                    "predicted": int(predicted[index]),
                    "probability": float(probabilities[index].max()),
                    "right": "✓" if predicted[index] == truth[index] else "✗",
                }
                for index in range(FIRST)
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "probability": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0)
            },
        )
        st.caption(f"{int((predicted == truth).sum())} of the first {FIRST} right.")
        page_link(
            "app_pages/predictions.py",
            "All 10,000 test predictions and every mistake",
            ":material/fact_check:",
        )


def prediction_printout(probabilities: np.ndarray, label: int) -> str:
    """The lesson's lines about test image 0, with this model's probabilities (10,)."""
    best = int(probabilities.argmax())
    with np.printoptions(precision=3):
        printed = repr(probabilities)
    return (
        f">>> predictions[0]\n{printed}\n>>> predictions[0].argmax()\n{best}\n"
        f">>> predictions[0][{best}]\n{probabilities[best]:.4f}\n>>> test_labels[0]\n{label}"
    )


def step_evaluate(model: ActiveModel | None) -> None:
    code, result = step_header(
        8,
        "Evaluate on the whole test set",
        "Ten images prove little. The real score is accuracy on all 10,000 test images. It is "
        "usually a little lower than on the training images: the network partly memorised its "
        "training set (*overfitting*), and the gap measures by how much.",
    )
    with code:
        show_code(
            LESSON["evaluate"],
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
        show_output(f'>>> print(f"test_acc: {{test_acc}}")\ntest_acc: {evaluation.accuracy:.4f}')
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
            st.markdown(overfitting_note(train_accuracy, evaluation.accuracy, config))
        if config is not None and config == preset("seed").replace(seed=config.seed):
            st.caption(
                f"The book reports {BOOK_ACCURACY:.1%} for this network; another random start "
                "(seed) gives a few tenths of a point more or less."
            )
        page_link("app_pages/predictions.py", "Confusion matrix and mistakes", ":material/fact_check:")
        page_link("app_pages/draw.py", "Draw a digit and test it yourself", ":material/draw:")


def training_record(model: ActiveModel) -> tuple[TrainingHistory, ModelConfig | None]:
    """The model's training curves and settings: from its run, or the default's sidecar."""
    if model.run is not None:
        return model.run.history, model.run.config
    try:
        _, metadata = load_default()
        config = ModelConfig.from_dict(metadata["config"]) if metadata.get("config") else None
    except (MnistLabError, TypeError):
        return TrainingHistory(), None
    return TrainingHistory.from_dict(metadata.get("history") or {}), config


def overfitting_note(train_accuracy: float, test_accuracy: float, config: ModelConfig | None) -> str:
    """A sentence on the gap between training and test accuracy, for this model."""
    gap = (train_accuracy - test_accuracy) * 100
    if gap > 0:
        return (
            f"Training accuracy is {gap:.2f} points above test accuracy: that gap is the "
            "overfitting the lesson warns about."
        )
    handicaps = [
        name
        for name, used in (
            ("dropout", config and config.dropout),
            ("augmentation", config and config.augment),
        )
        if used
    ]
    if handicaps:
        return (
            f"Here the test score is higher. This model trains with {' and '.join(handicaps)}, "
            "which handicap it during training only, and Keras measures training accuracy "
            "with them switched on: the usual overfitting gap is hidden."
        )
    return (
        "Here the test score is as high or higher: Keras' training accuracy is an average over "
        "the last epoch, measured while the weights were still improving."
    )


def render_intro() -> None:
    st.title("The hello world of deep learning")
    st.markdown(
        "Teach a computer to read handwritten digits, in eight steps and about twenty lines of "
        "Keras. Each step shows **the code** on the left (the lesson's, and in a second tab the "
        "source MNIST Lab runs) and **what it just produced** on the right. No training happens "
        "until you press the button in step 6."
    )
    st.markdown(
        " · ".join(
            f"[{number} {name}](#step-{number})"
            for number, name in enumerate(
                ["Load", "Shapes", "Build", "Compile", "Prepare", "Fit", "Predict", "Evaluate"], start=1
            )
        )
    )


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
