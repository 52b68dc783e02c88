"""AppTest of the Home lesson and the Dataset explorer, through their own widgets.

Home: the lesson's shapes, the first ten test predictions and the test score appear without
any training; the Fit button trains the seed preset once and later steps switch to it; a
missing dataset or an unusable default model is explained, never a traceback.
Dataset: the digit filter and the shuffle change the sample grid.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import mnist_core
import mnist_core.serving.model_files
import ui.job_view
import ui.resources
import ui.session
from mnist_core.charts.gallery import tile_strip
from tests.apptest import data_url_pixels, image_urls, markdown_table_rows

FIRST_TEST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def dataframe_with(at: AppTest, column: str):
    """The first dataframe on the page that has ``column``."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no dataframe with a {column!r} column")


def metric_value(at: AppTest, label: str) -> str:
    values = [metric.value for metric in at.main.metric if metric.label == label]
    assert values, f"no metric labelled {label!r}; have {[metric.label for metric in at.main.metric]}"
    return values[0]


def all_text(at: AppTest) -> str:
    """Every markdown, caption, info, warning and error text of the main area, joined."""
    parts = [
        element.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success")
        for element in getattr(at.main, kind)
    ]
    return "\n".join(parts)


# --- Home ---------------------------------------------------------------------------------


def test_home_shows_the_lessons_shapes_predictions_and_score_without_training(app_test, mnist):
    at = app_test("app_pages/home.py")

    shapes = dataframe_with(at, "shape").set_index("array")["shape"].to_dict()
    assert shapes == {
        "train_images": "(60000, 28, 28)",
        "train_labels": "(60000,)",
        "test_images": "(10000, 28, 28)",
        "test_labels": "(10000,)",
    }
    printout = next(code.value for code in at.code if code.value.startswith(">>> train_images.shape"))
    assert (
        ">>> train_images.shape\n(60000, 28, 28)" in printout and ">>> len(train_labels)\n60000" in printout
    )
    assert metric_value(at, "Training images") == "60,000"
    assert metric_value(at, "Test images") == "10,000"
    assert "**5** **0** **4** **1** **9** **2** **1** **3** **1** **4**" in all_text(at)
    strip, first_test = [data_url_pixels(url) for url in image_urls(at)]  # PNG data: URLs, no media files
    assert np.array_equal(strip, tile_strip(mnist[0][0][:10], columns=5, scale=2))
    assert first_test.ndim == 3  # the first ten test images, framed green or red

    layers = dataframe_with(at, "parameters").set_index("layer")["parameters"].to_dict()
    assert layers["hidden_1"] == 784 * 512 + 512 and layers["digit"] == 512 * 10 + 10
    prepared = dataframe_with(at, "step").iloc[-1]  # the reshape-and-scale step, after
    assert (prepared["shape"], prepared["dtype"], prepared["max"]) == ("(10000, 784)", "float32", "1.0")

    predictions = dataframe_with(at, "predicted")
    assert predictions["test image"].tolist() == list(range(10))
    assert predictions["true label"].tolist() == FIRST_TEST_LABELS
    right = predictions["predicted"] == predictions["true label"]
    assert predictions["right"].tolist() == ["✓" if ok else "✗" for ok in right]
    assert right.sum() >= 8, "a trained model gets nearly all of the first ten test digits"
    assert f"{int(right.sum())} of the first 10 right." in all_text(at)
    console = next(code.value for code in at.code if code.value.startswith(">>> predictions[0]"))
    assert f">>> predictions[0].argmax()\n{predictions['predicted'][0]}" in console
    assert console.endswith(">>> test_labels[0]\n7")

    accuracy = float(metric_value(at, "Test accuracy").rstrip("%")) / 100
    assert 0.95 < accuracy <= 1.0
    assert "shipped default model" in all_text(at)  # the note says which model produced it

    linked = {link.proto.page for link in at.main.get("page_link")}
    assert {"dataset", "train", "predictions", "draw"} <= linked  # url paths of the four pages
    assert len(at.main.get("page_link")) >= 8, "every step links to the page that goes deeper"

    at.run()  # a rerun never trains
    assert not at.exception
    assert (
        ui.session.RUNS_KEY not in at.session_state or not at.session_state[ui.session.RUNS_KEY]
    )
    assert "home_run" not in at.session_state


@pytest.fixture
def keras_queue(monkeypatch):
    """The app's training queue as the app builds it (the Keras trainer, its limits), but for the
    worker's CPU priority: it keeps the test's, as ``instant_training``'s does, rather than the
    app's lower one (WORKER_NICENESS, checked in tests/test_jobs.py), with which the run the test
    waits for got the least CPU beside the other tests. Closed after the test. Yields that JobQueue."""
    from mnist_core.training.queue import JobQueue

    queue = JobQueue(niceness=0)
    monkeypatch.setattr(ui.resources, "job_queue", lambda: queue)
    yield queue
    queue.close()


@pytest.mark.slow
def test_home_fit_trains_the_lesson_network_once_and_later_steps_use_it(app_test, keras_queue):
    """The one real-training AppTest: the seed preset trains in the Keras worker process, on all of
    MNIST, and reaches 97 % on the 10,000 test images (the lesson's claim, checked only here)."""
    at = app_test("app_pages/home.py")
    at.button(key="home_fit").click()
    at.run(timeout=300)
    runs = at.session_state[ui.session.RUNS_KEY]
    assert len(runs) == 1
    (run,) = runs.values()
    assert not run.finished and at.button(key="home_fit").disabled  # queued: the page never trains
    assert at.button(key="home_fit").label in ("Waiting in line…", "Training…")  # not "Train it again"
    deadline = time.monotonic() + 900
    while not run.finished:  # rerun as often as the step's polling fragment does
        assert time.monotonic() < deadline, "the lesson's run did not finish in 15 minutes"
        time.sleep(ui.job_view.POLL_SECONDS)
        at.run(timeout=300)
        assert not at.exception, [exception.message for exception in at.exception]
    assert any(f"{run.name} finished training" in toast.value for toast in at.toast)
    assert at.session_state["home_run"] == run.id
    assert run.config == mnist_core.preset("seed")
    assert run.status == mnist_core.JobStatus.COMPLETED and run.usable and run.seconds > 0
    assert run.history.epoch == [1, 2, 3, 4, 5]
    epochs = dataframe_with(at, "val_accuracy")
    assert epochs["epoch"].tolist() == [1, 2, 3, 4, 5]
    assert np.allclose(epochs["accuracy"], run.history.accuracy)

    assert f"{run.name} (trained in step 6)" in all_text(at)
    assert run.evaluation is not None, "step 8 scored the new run"
    assert metric_value(at, "Test accuracy") == f"{run.evaluation.accuracy:.2%}"
    assert run.evaluation.accuracy >= 0.97 and len(run.evaluation.labels) == 10_000
    predictions = dataframe_with(at, "predicted")
    expected = run.evaluation.predicted[:10].tolist()
    assert predictions["predicted"].tolist() == expected, "step 7 predicts with the new run"

    at.run()  # a rerun shows the run again and does not train another
    assert len(at.session_state[ui.session.RUNS_KEY]) == 1
    assert dataframe_with(at, "val_accuracy")["epoch"].tolist() == [1, 2, 3, 4, 5]

    assert at.button(key="home_activate").disabled  # the default was active: the new run took over
    assert at.session_state[ui.session.ACTIVE_KEY] == run.id
    assert any(run.name in markdown.value for markdown in at.sidebar.markdown)

    at.switch_page("app_pages/train.py").run()  # the lesson run is one of the session's runs
    assert not at.exception
    assert run.name in dataframe_with(at, "Run")["Run"].tolist()


def test_home_explains_an_unusable_default_model_and_still_offers_training(
    app_test, fresh_caches, monkeypatch, tmp_path
):
    broken = tmp_path / "default.keras"
    broken.write_bytes(b"not a zip archive")
    monkeypatch.setattr(mnist_core.serving.model_files, "DEFAULT_MODEL_PATH", broken)
    at = app_test("app_pages/home.py")
    assert any("default model could not be loaded" in error.value for error in at.error)
    assert any("No model to predict with" in info.value for info in at.info)
    assert any("No model to evaluate" in info.value for info in at.info)
    assert at.button(key="home_fit").label == "Train the lesson's network"
    assert dataframe_with(at, "shape")["shape"].tolist()[0] == "(60000, 28, 28)"  # the rest still works


def test_home_explains_missing_data_with_how_to_set_mnist_path(app_test, fresh_caches, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_PATH", str(tmp_path / "nowhere" / "mnist.npz"))
    at = app_test("app_pages/home.py")
    assert any("MNIST could not be loaded" in error.value for error in at.error)
    assert any("MNIST_PATH" in info.value for info in at.info)
    assert not at.dataframe, "the page stops after explaining"


# --- Dataset ------------------------------------------------------------------------------


def grid(at: AppTest) -> dict:
    """What the sample grid shows, from session state, checked against the image captions."""
    shown = at.session_state["dataset_grid"]
    (images,) = [image for image in at.image if len(image.captions) > 1]
    assert images.captions == [
        f"{label} · #{index}" for label, index in zip(shown["labels"], shown["indices"], strict=True)
    ]
    return shown


def test_dataset_shows_the_four_arrays_as_the_lesson_prints_them(app_test):
    at = app_test("app_pages/dataset.py")
    summary = {row["array"]: row for row in markdown_table_rows(at, "array")}
    assert list(summary) == ["train_images", "train_labels", "test_images", "test_labels"]
    assert summary["train_images"]["shape"] == "(60000, 28, 28)"
    assert summary["test_labels"]["shape"] == "(10000,)"
    assert {row["dtype"] for row in summary.values()} == {"uint8"}
    assert summary["train_labels"]["max"] == "9" and summary["train_images"]["max"] == "255"
    assert any("(60000, 28, 28)" in code.value and "dtype('uint8')" in code.value for code in at.code)
    assert len(at.get("plotly_chart")) == 5  # counts, pixel heat-map, 784 strip, means, histogram


def test_dataset_digit_filter_and_shuffle_change_the_grid(app_test, mnist):
    (x_train, y_train), (_, y_test) = mnist
    at = app_test("app_pages/dataset.py")
    first = grid(at)
    assert first["digit"] is None and first["indices"] == list(range(40))
    assert first["labels"][:10] == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]

    at.segmented_control(key="dataset_digit").set_value(3).run()
    threes = grid(at)
    assert threes["digit"] == 3 and set(threes["labels"]) == {3}
    assert threes["indices"] == np.flatnonzero(y_train == 3)[:40].tolist()

    first_caption = f"{threes['labels'][0]} · #{threes['indices'][0]}"
    tiles = [data_url_pixels(url) for url in image_urls(at, first_caption)]
    assert len(tiles) == 40  # PNG data: URLs (no media file per tile), pixel for pixel the images, 3x
    for tile, index in zip(tiles, threes["indices"], strict=True):
        assert np.array_equal(tile, np.kron(x_train[index], np.ones((3, 3), "uint8")))

    at.button(key="dataset_shuffle").click().run()
    shuffled = grid(at)
    assert set(shuffled["labels"]) == {3} and len(shuffled["indices"]) == 40
    assert shuffled["indices"] != threes["indices"]
    assert all(y_train[index] == 3 for index in shuffled["indices"])

    at.segmented_control(key="dataset_split").set_value("test").run()
    at.select_slider(key="dataset_count").set_value(20).run()
    test_threes = grid(at)
    assert test_threes["split"] == "test" and len(test_threes["indices"]) == 20
    assert all(y_test[index] == 3 for index in test_threes["indices"])
    assert not at.exception


def test_dataset_picked_image_drives_the_pixel_view(app_test, mnist):
    (x_train, y_train), _ = mnist
    at = app_test("app_pages/dataset.py")
    at.segmented_control(key="dataset_digit").set_value(8).run()
    picked = grid(at)["indices"][5]
    at.selectbox(key="dataset_image").set_value(picked).run()
    assert metric_value(at, "Label") == "8"
    assert metric_value(at, "Inked pixels") == f"{int((x_train[picked] > 0).sum())}"
    assert any(f"image #{picked}" in text.value for text in at.markdown)  # the reshape step follows
    before, after = markdown_table_rows(at, "step")
    brightest = x_train[picked].max()
    assert (before["shape"], before["dtype"], before["max"]) == ("(28, 28)", "uint8", str(brightest))
    assert (after["shape"], after["dtype"], after["max"]) == ("(784,)", "float32", f"{brightest / 255:.3f}")
