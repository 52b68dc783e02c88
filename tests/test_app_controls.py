"""The secondary controls, used as a user uses them: Predictions' Previous and its probability
bars, Dataset's share, log-scale and In-order switches, Train's compare curve, and the network
page's template epoch slider. Each is checked against numbers computed here."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_core import DEFAULT_MODEL_PATH, DenseNetwork, flatten_and_scale
from tests.apptest import all_finished, poll_until, session_runs, start_training


def values(array) -> np.ndarray:
    """A Plotly JSON array: a list, or Plotly's typed form {"dtype": ..., "bdata": base64}."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def figure(at: AppTest, key: str | None = None, traces: list[str] | None = None) -> dict:
    """The Plotly figure (as JSON) the page last sent: by widget key, or by its traces' names."""
    charts = [json.loads(element.proto.spec) for element in at.get("plotly_chart")
              if key is None or element.proto.id.endswith(f"-{key}")]
    if traces is not None:
        charts = [chart for chart in charts if [trace.get("name") for trace in chart["data"]] == traces]
    assert len(charts) == 1, len(charts)
    return charts[0]


def test_predictions_previous_page_and_the_probability_bars_of_the_inspected_image(app_test, mnist):
    at = app_test("app_pages/predictions.py")
    first_page = [int(index) for index in at.session_state["predictions_shown"]]
    at.button(key="predictions_next").click().run()
    assert at.session_state["predictions_page"] == 2
    assert [int(index) for index in at.session_state["predictions_shown"]] == list(range(100, 200))
    at.button(key="predictions_previous").click().run()
    assert at.session_state["predictions_page"] == 1
    assert [int(index) for index in at.session_state["predictions_shown"]] == first_page == list(range(100))

    at.selectbox(key="predictions_inspect").set_value(42).run()
    bars = figure(at, key="predictions_probabilities")["data"]
    [bar] = bars
    assert values(bar["x"]).tolist() == list(range(10))
    shown = values(bar["y"])
    network = DenseNetwork.from_keras_file(DEFAULT_MODEL_PATH)
    expected = network.probabilities(flatten_and_scale(mnist[1][0][42:43]))[0]
    assert np.allclose(shown, expected, atol=1e-6), (shown, expected)


def test_dataset_share_log_scale_and_in_order(app_test, mnist):
    (_, y_train), (_, y_test) = mnist
    at = app_test("app_pages/dataset.py")
    counts = figure(at, traces=["training set", "test set"])
    assert [values(trace["y"]).sum() for trace in counts["data"]] == [len(y_train), len(y_test)]
    at.toggle(key="dataset_share").set_value(True).run()
    shares = figure(at, traces=["training set", "test set"])
    assert [values(trace["y"]).sum() for trace in shares["data"]] == pytest.approx([100.0, 100.0])

    assert figure(at, traces=["pixels"])["layout"]["yaxis"].get("type") == "log"
    at.toggle(key="dataset_log").set_value(False).run()
    assert figure(at, traces=["pixels"])["layout"]["yaxis"].get("type") in (None, "linear", "-")

    at.button(key="dataset_shuffle").click().run()
    shuffled = list(at.session_state["dataset_grid"]["indices"])
    at.button(key="dataset_in_order").click().run()
    in_order = list(at.session_state["dataset_grid"]["indices"])
    assert in_order == list(range(len(in_order))) != shuffled  # the first images of the split, in order


def test_train_compare_curve_switches_what_the_runs_are_compared_on(app_test, instant_training):
    at = app_test("app_pages/train.py")
    start_training(at, train_epochs=2)
    poll_until(at, all_finished)
    start_training(at, train_epochs=2, train_seed=1)
    poll_until(at, all_finished)
    runs = session_runs(at)
    for curve, curve_of in {
        "Validation accuracy": lambda run: run.history.val_accuracy,
        "Validation loss": lambda run: run.history.val_loss,
    }.items():
        at.selectbox(key="train_compare_curve").set_value(curve).run()
        traces = figure(at, key="train_compare_chart")["data"]
        assert [trace["name"] for trace in traces] == [run.name for run in runs]
        for trace, run in zip(traces, runs, strict=True):
            assert values(trace["y"])[-1] == pytest.approx(curve_of(run)[-1], abs=1e-9), curve


def test_network_template_slider_shows_the_chosen_epoch(app_test):
    """The shipped model's sidecar holds its template frames: the slider starts at the end of
    training and moving it to 0 shows the random start."""

    def sheet_alt() -> str:
        [alt] = [image.alt for element in at.get("image") for image in element.proto.imgs
                 if image.alt.startswith("Weight maps of units")]
        return alt

    at = app_test("app_pages/network.py")
    slider = at.select_slider(key="network_template_epoch")
    assert slider.value == len(slider.options) - 1 and sheet_alt().endswith(slider.options[-1])
    slider.set_value(0).run()
    assert sheet_alt().endswith(" start")
