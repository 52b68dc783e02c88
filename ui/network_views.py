"""The Inside-the-network page's per-model work, done once per model and shared read-only by
every session (``st.cache_resource``): unit statistics on the test set and the map of the test
digits; its figures, built once per input (every new session opens on the same one); and the
templates view (a fragment: its slider reruns only it).

Keyed by the model key (DEFAULT_KEY or a run's unique id), like ui/prediction_views.py.
"""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from mnist_core.charts import network as charts
from mnist_core.charts.gallery import png_data_url
from mnist_core.charts.network import templates_sheet
from mnist_core.inspection import network_map
from mnist_core.inspection.activations import Explanation, explain, hidden_activations
from mnist_core.inspection.units import unit_statistics
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH
from ui.session import DEFAULT_KEY, ActiveModel, model_record


def shared_figures(build, entries: int = 64):
    """``build`` (a figure function of mnist_core.charts.network), its figures kept per arguments
    (arrays by their values) and shared read-only by every session: building a Plotly figure
    validates every property, tens of ms of server CPU, while ``st.plotly_chart`` only copies it."""
    return st.cache_resource(show_spinner=False, max_entries=entries)(build)


activation_figure = shared_figures(charts.activation_figure)
weights_figure = shared_figures(charts.weights_figure)
class_bar_figure = shared_figures(charts.class_bar_figure, 128)
top_images_figure = shared_figures(charts.top_images_figure)
pixel_parts_figure = shared_figures(charts.pixel_parts_figure)
map_figure = shared_figures(charts.map_figure, 16)  # 10,000 points each


@st.cache_resource(show_spinner=False, max_entries=64)
def test_image_explanation(model_key: str, test: int, _active: ActiveModel, _dataset) -> Explanation:
    """``explain`` of test image ``test`` (its pixels / 255), once per model and image, shared
    read-only: every new session opens on the same image, and explaining it takes float64 copies
    of every weight matrix."""
    explanation = explain(_active.network, _dataset.x_test[test] / 255.0)
    for value in vars(explanation).values():
        for array in value if isinstance(value, tuple) else (value,):
            if isinstance(array, np.ndarray):
                array.flags.writeable = False
    return explanation


@st.cache_resource(show_spinner="Measuring every unit on the 10,000 test images…", max_entries=8)
def layer_statistics(model_key: str, _active: ActiveModel, _dataset) -> list:
    """Per hidden layer, ``UnitStatistics`` on the test set (small arrays), once per model."""
    layers = hidden_activations(_active.network, _dataset.x_test)
    names = _active.network.activations
    return [unit_statistics(values, _dataset.y_test, names[index]) for index, values in enumerate(layers)]


@st.cache_resource(show_spinner=False, max_entries=8)
def map_slot(model_key: str) -> dict:
    """Where one model's map is kept once computed (filled by ``activation_map``), with its lock."""
    return {"lock": threading.Lock()}


def activation_map(active: ActiveModel, dataset) -> network_map.ActivationMap:
    slot = map_slot(active.key)
    with slot["lock"]:
        if slot.get("map") is None and active.key == DEFAULT_KEY:
            slot["map"] = network_map.load_shipped(DEFAULT_MODEL_PATH, active.network)
        if slot.get("map") is None:
            bar = st.progress(0.0, text="Laying out the 10,000 test digits (once per model)…")
            features = hidden_activations(active.network, dataset.x_test)[-1]
            identity = network_map.fingerprint(active.network)
            slot["map"] = network_map.build_map(features, dataset.y_test, identity,
                                                progress=lambda done: bar.progress(min(done, 1.0)))
            bar.empty()
    return slot["map"]


@st.fragment
def render_templates(active: ActiveModel) -> None:
    """The recorded first-layer pictures, one epoch at a time (a fragment: the slider reruns only this)."""
    st.subheader("Watch the templates form")
    history, _ = model_record(active)
    templates = history.templates
    if not templates.epochs:
        st.info("This model's training did not record its first-layer weights; train a run on the Train "
                "page to watch them form.", icon=":material/movie:")
        return
    st.caption(f"The incoming weights of {len(templates.units)} fixed first-layer units, from the random "
               "start to the end of training: drag the slider.")
    change = st.toggle("Show what training changed (weights minus the random start)",
                       key="network_template_change",
                       help="The random starting weights hide the small changes training makes at first.")
    frames = templates.frames()
    frames = frames - frames[0] if change else frames
    labels = ["start" if epoch == 0 else f"after epoch {epoch}" for epoch in templates.epochs]
    shown = st.select_slider("Epoch", options=range(len(labels)), value=len(labels) - 1,
                             format_func=labels.__getitem__, key="network_template_epoch")
    peak = float(np.percentile(np.abs(frames), 99.5))  # one scale for every epoch, so growth shows
    st.image(png_data_url(templates_sheet(frames[shown], peak)), width="content",
             alt=f"Weight maps of units {', '.join(map(str, templates.units))} {labels[shown]}",
             caption=f"Units {', '.join(map(str, templates.units))}, left to right, row by row. Red: "
                     f"weight above 0, blue: below; the scale ends at ±{peak:.3f} for every epoch.")
