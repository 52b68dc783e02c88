"""AppTest of the Predictions page, checked against predictions made here.

The page gets its evaluation from ui.session.evaluation_of (cached per model). The tests
compute their own reference: the same model file read by ``DenseNetwork`` (which
tests/test_inference.py checks against Keras' ``model.predict`` on all 10,000 test images), on
the test images scaled here, no mnist_core preprocessing and no cache. The grid exposes the test indices it
shows in ``st.session_state['predictions_shown']``; the inspector's options are the same list.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import mnist_core
import ui.resources
import ui.session
from mnist_core import ModelConfig
from mnist_core.charts.gallery import framed_tiles, tile_box
from tests.apptest import data_url_pixels, image_urls

PAGE = "app_pages/predictions.py"
SHOWN = "predictions_shown"
PAGE_SIZE = 100


def back_to_the_page(at: AppTest) -> AppTest:
    """``at``'s session switched back to the Predictions page, run, without an exception."""
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [exception.message for exception in at.exception]
    return at


def shown(at: AppTest) -> list[int]:
    """The test indices on the grid's current page, checked against the inspector's options."""
    indices = [int(index) for index in at.session_state[SHOWN]]
    options = at.selectbox(key="predictions_inspect").options  # formatted "#i · pred P · true T"
    assert [option.split(" ")[0] for option in options] == [f"#{index}" for index in indices]
    return indices


def metric(at: AppTest, label: str) -> str:
    (found,) = [element for element in at.main.metric if element.label == label]
    return found.value


@pytest.fixture(scope="module")
def reference(mnist) -> dict:
    """The shipped model's probabilities (10000, 10) on the test set."""
    (_, _), (x_test, y_test) = mnist
    network = mnist_core.DenseNetwork.from_keras_file(mnist_core.DEFAULT_MODEL_PATH)
    probabilities = network.probabilities(x_test.reshape(len(x_test), 784).astype("float32") / 255.0)
    return reference_of(probabilities, y_test)


def reference_of(probabilities: np.ndarray, labels: np.ndarray) -> dict:
    predicted = probabilities.argmax(axis=1)
    return {
        "probabilities": probabilities,
        "predicted": predicted,
        "labels": labels.astype(np.int64),
        "confidence": probabilities.max(axis=1),
        "mistakes": np.flatnonzero(predicted != labels),
        "accuracy": float((predicted == labels).mean()),
    }


@pytest.fixture
def fresh_default_evaluation():
    """No cached evaluation of the default model, so this test's session computes it."""
    ui.session._default_evaluation.clear()
    yield
    ui.session._default_evaluation.clear()


@pytest.fixture
def evaluations(monkeypatch) -> list:
    """The networks the app scored on the test set, in order: the real ``evaluate``, recorded."""
    scored = []

    def recording_evaluate(network, images, labels):
        scored.append(network)
        return mnist_core.evaluate(network, images, labels)

    monkeypatch.setattr(ui.session, "evaluate", recording_evaluate)
    return scored


def test_fresh_session_shows_the_default_models_test_figures(app_test, reference):
    at = app_test(PAGE)
    assert not at.error, [error.value for error in at.error]
    assert metric(at, "Test accuracy") == f"{reference['accuracy']:.2%}"
    assert metric(at, "Mistakes") == f"{len(reference['mistakes']):,} of 10,000"
    assert any("Default model (shipped)" in markdown.value for markdown in at.markdown)
    assert shown(at) == list(range(PAGE_SIZE)), "unfiltered, by index: test images 0-99"


def test_first_ten_block_shows_ten_predictions_with_their_true_labels(app_test, reference, mnist):
    at = app_test(PAGE)
    right = reference["predicted"][:10] == reference["labels"][:10]
    tiles = [data_url_pixels(url) for url in image_urls(at)[:10]]  # PNG data: URLs, no media files
    assert np.array_equal(tiles, framed_tiles(mnist[1][0][:10], right, scale=2, border=3))
    first_ten = [element for element in at.main.metric if element.label.startswith("#")]
    assert len(first_ten) == 10
    for index, element in enumerate(first_ten):
        assert element.label == f"#{index} · true {reference['labels'][index]}"
        assert element.value == str(reference["predicted"][index])
    code = at.code[0].value
    assert f"predictions[0].argmax()   # {reference['predicted'][0]}" in code


def test_mistakes_filter_shows_only_mistakes_on_every_page(app_test, reference):
    at = app_test(PAGE)
    at.toggle(key="predictions_mistakes_only").set_value(True).run()
    mistakes = reference["mistakes"]
    seen = []
    for page in range(-(-len(mistakes) // PAGE_SIZE)):
        indices = shown(at)
        assert indices == mistakes[page * PAGE_SIZE : (page + 1) * PAGE_SIZE].tolist()
        assert all(reference["predicted"][i] != reference["labels"][i] for i in indices)
        seen += indices
        if page < len(mistakes) // PAGE_SIZE:
            at.button(key="predictions_next").click().run()
    assert seen == mistakes.tolist(), "paging walks through every mistake once"
    assert at.button(key="predictions_next").disabled, "no page after the last"
    assert any(f"of {len(mistakes):,} matching" in caption.value for caption in at.caption)


def test_most_confident_mistakes_come_first_and_inspector_shows_one(app_test, reference):
    at = app_test(PAGE)
    at.selectbox(key="predictions_order").set_value("confident_mistakes").run()
    wrong = reference["mistakes"]
    ranked = wrong[np.argsort(-reference["confidence"][wrong], kind="stable")]
    right = np.setdiff1d(np.arange(len(reference["labels"])), wrong)  # then the right ones, by index
    assert shown(at) == np.concatenate([ranked, right])[:PAGE_SIZE].tolist()
    worst = int(ranked[0])
    assert metric(at, "Prediction") == str(reference["predicted"][worst]), "the inspector opens on the first"
    assert metric(at, "True digit") == str(reference["labels"][worst])

    other = int(ranked[5])
    at.selectbox(key="predictions_inspect").set_value(other).run()
    assert metric(at, "Prediction") == str(reference["predicted"][other])
    assert any(f"Test image #{other}" in image.captions for image in at.image)
    # the grid's outline (a figure shared by every session on this page and tile) moved to that tile
    left, top, right, bottom = tile_box(shown(at).index(other))
    [outline] = json.loads(at.get("plotly_chart")[1].proto.spec)["layout"]["shapes"]
    corners = outline["x0"], outline["y0"], outline["x1"], outline["y1"]
    assert corners == (left - 2, top - 2, right + 2, bottom + 2)


def test_selecting_a_confusion_matrix_cell_filters_the_grid_to_that_pair(app_test, reference):
    """The matrix's click callback writes the cell into the filter keys; do the same here."""
    labels, predicted = reference["labels"], reference["predicted"]
    confusion = np.bincount(labels * 10 + predicted, minlength=100).reshape(10, 10)
    np.fill_diagonal(confusion, 0)
    true_digit, predicted_digit = divmod(int(confusion.argmax()), 10)
    expected = np.flatnonzero((labels == true_digit) & (predicted == predicted_digit)).tolist()
    assert expected, "the model makes at least one mistake"

    at = app_test(PAGE)
    at.session_state["predictions_true"] = true_digit
    at.session_state["predictions_predicted"] = predicted_digit
    at.run()
    assert not at.exception
    assert shown(at) == expected
    assert at.selectbox(key="predictions_true").value == true_digit
    assert at.selectbox(key="predictions_predicted").value == predicted_digit

    at.button(key="predictions_clear").click().run()
    assert shown(at) == list(range(PAGE_SIZE)), "Show all clears the cell filter"
    assert at.button(key="predictions_clear").disabled


def test_true_digit_filter_and_page_turn(app_test, reference):
    at = app_test(PAGE)
    at.selectbox(key="predictions_true").set_value(3).run()
    threes = np.flatnonzero(reference["labels"] == 3)
    assert shown(at) == threes[:PAGE_SIZE].tolist()
    at.button(key="predictions_next").click().run()
    assert shown(at) == threes[PAGE_SIZE : 2 * PAGE_SIZE].tolist()
    at.selectbox(key="predictions_true").set_value(7).run()
    assert shown(at) == np.flatnonzero(reference["labels"] == 7)[:PAGE_SIZE].tolist(), (
        "a filter goes to page 1"
    )


def test_per_class_table_matches_precision_and_recall(app_test, reference):
    at = app_test(PAGE)
    (table,) = [frame.value for frame in at.dataframe if "Precision" in frame.value.columns]
    labels, predicted = reference["labels"], reference["predicted"]
    for digit in range(10):
        row = table.loc[digit]
        assert row["Images"] == int((labels == digit).sum())
        right = int(((labels == digit) & (predicted == digit)).sum())
        assert row["Precision"] == pytest.approx(right / (predicted == digit).sum())
        assert row["Recall"] == pytest.approx(right / (labels == digit).sum())
        wrong = np.bincount(predicted[(labels == digit) & (predicted != digit)], minlength=10)
        expected = f"{wrong.argmax()} ({wrong.max()}×)" if wrong.max() else "—"
        assert row["Confused with"] == expected


def test_predictions_are_computed_once_per_model_not_per_run(
    app_test, fresh_default_evaluation, evaluations
):
    at = app_test(PAGE)
    assert len(evaluations) == 1, "the cleared cache made this session score"
    at.run()
    at.toggle(key="predictions_mistakes_only").set_value(True).run()
    at.switch_page("app_pages/home.py")
    at.run()
    back_to_the_page(at)
    assert len(evaluations) == 1, "reruns and page switches reuse it"

    app_test(PAGE)
    assert len(evaluations) == 1, "another session reuses the cache"


def test_switching_between_a_session_run_and_the_default_does_not_recompute(
    app_test, mnist, fresh_default_evaluation, evaluations
):
    """A session run (random weights: the page must score whatever it is given)."""
    (_, _), (x_test, y_test) = mnist
    config = ModelConfig(hidden_units=(32,), epochs=1, train_size=3000, seed=1)
    rng = np.random.default_rng(1)
    network = mnist_core.DenseNetwork.from_arrays([
        (rng.normal(0, 0.05, (784, 32)), np.zeros(32), "relu"),
        (rng.normal(0, 0.3, (32, 10)), rng.normal(0, 0.1, 10), "softmax"),
    ])
    run = ui.session.Run(
        id="run-test",
        name="Run 1",
        config=config,
        history=mnist_core.TrainingHistory(epoch=[1], batch_step=[1]),
        status=mnist_core.JobStatus.COMPLETED,
        network=network,
    )
    at = app_test(
        PAGE, session_state={ui.session.RUNS_KEY: {run.id: run}, ui.session.ACTIVE_KEY: run.id}
    )
    hidden = np.maximum(x_test.reshape(-1, 784).astype("float32") / 255.0 @ network.kernels[0]
                        + network.biases[0], 0)
    logits = hidden @ network.kernels[1] + network.biases[1]
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    run_reference = reference_of(probabilities, y_test)
    assert metric(at, "Test accuracy") == f"{run_reference['accuracy']:.2%}"
    assert any("Run 1 (this session)" in markdown.value for markdown in at.markdown)
    assert len(evaluations) == 1 and evaluations[0] is run.network

    at.session_state[ui.session.ACTIVE_KEY] = None
    at.run()
    assert any("Default model (shipped)" in markdown.value for markdown in at.markdown)
    assert len(evaluations) == 2 and evaluations[1] is not run.network, "the default model is scored once"

    for active in (run.id, None, run.id):
        at.session_state[ui.session.ACTIVE_KEY] = active
        at.run()
        assert not at.exception
    assert metric(at, "Test accuracy") == f"{run_reference['accuracy']:.2%}"
    assert len(evaluations) == 2, "switching back and forth scores nothing"


def test_unusable_default_model_explains_what_to_do(app_test, fresh_model_caches, monkeypatch, tmp_path):
    broken = tmp_path / "default.keras"
    broken.write_bytes(b"not a zip archive")
    monkeypatch.setattr(mnist_core.serving.model_files, "DEFAULT_MODEL_PATH", broken)
    at = app_test(PAGE)
    assert any("default model could not be loaded" in error.value for error in at.error)
    assert any("What to do" in info.value and "Train page" in info.value for info in at.info)
    assert not at.main.metric, "no figures without a model"


def test_missing_data_stops_with_how_to_set_mnist_path(app_test, fresh_caches, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "nowhere" / "mnist.npz"))
    at = app_test(PAGE)
    assert any("MNIST could not be loaded" in error.value for error in at.error)
    assert any("MNIST_PATH" in info.value for info in at.info)
    assert not [element for element in at.main.metric if element.label == "Test accuracy"]
