"""Inside the network: what the dense network computes for one digit, and what it has learned.

Layout only: the maths is in mnist_core.inspection (activations, network_map), the figures in
mnist_core.charts.network. What is shown (input, layer, unit, second class) lives in the URL's
query parameters, so a link opens the same view.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from mnist_core.charts.gallery import png_data_url
from mnist_core.inspection.activations import explain, incoming_weights
from mnist_core.inspection.selection import Selection, complete_selection
from mnist_core.inspection.units import active_count
from mnist_core.text.network import active_rule_text, pushing_units_table
from mnist_core.text.reading import confidence_text
from mnist_core.text.runs import MODEL_PARAM, RUN_DOES_NOT_TRAVEL
from ui import network_state as state
from ui.network_views import (
    activation_figure,
    activation_map,
    class_bar_figure,
    layer_statistics,
    map_figure,
    pixel_parts_figure,
    render_templates,
    test_image_explanation,
    top_images_figure,
    weights_figure,
)
from ui.resources import dataset_or_stop
from ui.session import (
    DRAWN_INPUT_KEY,
    ActiveModel,
    evaluation_of,
    linked_model,
)

CHART = {"displayModeBar": False}


def render_input(selection: Selection, dataset, image: np.ndarray, explanation, evaluation) -> None:
    controls, picture, verdict = st.columns([3, 2, 4], vertical_alignment="center")
    with controls:
        # While the drawing is shown the box is empty: no test image is selected.
        st.session_state[state.TEST_WIDGET] = None if selection.drawing else selection.test
        st.number_input("Test image # (0–9,999)", 0, len(dataset.x_test) - 1, value=None, step=1,
                        key=state.TEST_WIDGET, on_change=state.pick_typed_test,
                        placeholder="none: your drawing is shown")
        random_column, drawing_column = st.columns(2)
        random_column.button("Random", icon=":material/casino:", key="network_random", width="stretch",
                             help="A random test image",
                             on_click=lambda: state.update(test=int(np.random.default_rng().integers(
                                 len(dataset.x_test))), drawing=False))
        if selection.drawing:
            drawing_column.button("Back", icon=":material/undo:", key="network_back", width="stretch",
                                  on_click=lambda: state.update(drawing=False),
                                  help=f"Back to test image #{selection.test}, shown before your drawing.")
        else:
            drawing_column.button("My drawing", icon=":material/draw:", key="network_drawing",
                                  width="stretch", disabled=DRAWN_INPUT_KEY not in st.session_state,
                                  on_click=lambda: state.update(drawing=True),
                                  help="The digit you last drew on the Draw page.")
    shown = "Your drawing (28×28)" if selection.drawing else f"Test image #{selection.test}"
    pixels = (np.kron(image, np.ones((6, 6))).clip(0, 1) * 255).astype(np.uint8)  # as st.image scales floats
    picture.image(png_data_url(pixels), width=150, caption=shown,
                  alt=f"{shown}, the input the network reads")
    with verdict:
        predicted = explanation.predicted
        truth = "" if selection.drawing else f" · true digit **{dataset.y_test[selection.test]}**"
        sure = confidence_text(explanation.probabilities[predicted])
        st.markdown(f"The network reads **{predicted}** ({sure}){truth}.")
        st.caption("Each hidden unit computes a weighted sum of its inputs plus a bias, then its activation. "
                   "Click a square in a grid, or pick a unit below the grids, to look at that unit.")
        st.page_link("app_pages/lab.py", label="Move, turn or attack this digit in the lab",
                     icon=":material/science:",
                     query_params={"input": "drawing"} if selection.drawing else {"test": selection.test})


def render_activations(explanation, selection: Selection, names: tuple[str, ...]) -> None:
    st.subheader("Activations, one square per unit")
    columns = st.columns(len(explanation.activations))
    for layer, (column, values) in enumerate(zip(columns, explanation.activations, strict=True)):
        title = (f"Hidden layer {layer + 1} ({names[layer]}): {active_count(values, names[layer])} of "
                 f"{values.size} units {active_rule_text(names[layer])}")
        key = f"network_layer_{layer}"
        selected = selection.unit if layer == selection.layer else None
        column.plotly_chart(activation_figure(values, selected, title),
                            key=key, on_select=lambda key=key, layer=layer: state.on_click(key, layer=layer),
                            selection_mode="points", config=CHART)


def render_unit_picker(explanation, selection: Selection) -> None:
    """The keyboard's way to what a click on a grid square does: a layer and a unit number."""
    widths = [values.size for values in explanation.activations]
    st.session_state[state.LAYER_WIDGET] = selection.layer + 1
    st.session_state[state.UNIT_WIDGET] = selection.unit
    layer_column, unit_column, _ = st.columns([1, 1, 2])
    layer_column.selectbox("Hidden layer", range(1, len(widths) + 1), key=state.LAYER_WIDGET,
                           on_change=lambda: state.update(layer=st.session_state[state.LAYER_WIDGET] - 1,
                                                          unit=None))
    unit_column.number_input(f"Unit (0–{widths[selection.layer] - 1})", min_value=0,
                             max_value=widths[selection.layer] - 1, step=1, key=state.UNIT_WIDGET,
                             on_change=lambda: state.update(
                                 unit=int(st.session_state[state.UNIT_WIDGET] or 0)))


def render_unit(active: ActiveModel, dataset, explanation, selection: Selection, statistics) -> None:
    layer, unit = selection.layer, selection.unit
    predicted, compare = explanation.predicted, selection.compare
    stats = statistics[layer]
    st.subheader(f"Unit {unit} of hidden layer {layer + 1}")
    weights, means, tops, parts = st.columns(4)
    if layer == 0:
        title = "Incoming weights, one per pixel"
    else:
        title = f"Incoming weights from layer {layer}'s units (its grid)"
    weights.plotly_chart(weights_figure(incoming_weights(active.network, layer, unit), title), config=CHART,
                         key="network_unit_weights")
    weights.caption("Red pixels push the unit up when inked, blue push it down." if layer == 0 else
                    "Laid out like the grid above: red, the unit rises with that unit; blue, it falls.")
    means.plotly_chart(class_bar_figure(stats.class_means[unit], "Mean activation per digit",
                                        highlight=[int(np.argmax(stats.class_means[unit]))]), config=CHART)
    means.caption(f"Over the test set, by true digit. Active on {stats.active_share[unit]:.0%} of the "
                  "images.")
    key = "network_top_images"
    tops.plotly_chart(top_images_figure(dataset.x_test[stats.top_images[unit]], stats.top_images[unit],
                                        stats.top_values[unit]),
                      key=key, on_select=lambda: state.on_click(key), selection_mode="points", config=CHART)
    tops.caption("The 9 test images that excite it most. Click one to look inside it.")
    tops.selectbox("Look inside one of them", [int(index) for index in stats.top_images[unit]], index=None,
                   key=state.TOP_WIDGET, placeholder="Test image #…", format_func="Test image #{}".format,
                   on_change=state.pick_top_image)
    contribution = explanation.unit_contributions(layer)[unit]
    parts.plotly_chart(class_bar_figure(contribution, "Its part of each logit, this input",
                                        highlight=[predicted, compare], value_format="+.3f"), config=CHART)
    value = explanation.activations[layer][unit]
    parts.caption(f"Activation {value:.3f} × its effective weight on each class score (through the units "
                  "that are on)." + (" It is off for this input, so it adds nothing." if value == 0 else ""))


def render_why(explanation, selection: Selection, layer: int) -> None:
    predicted, compare = explanation.predicted, selection.compare
    st.subheader(f"Why {'an' if predicted == 8 else 'a'} {predicted}? Each class score, pixel by pixel")
    st.selectbox("Compare with the score of", [digit for digit in range(10) if digit != predicted], width=220,
                 key=state.COMPARE_WIDGET,
                 on_change=lambda: state.update(compare=st.session_state[state.COMPARE_WIDGET]))
    how = ("pixel × gradient: with the units that are on held fixed, the ReLU network is linear, so the "
           "parts add up exactly" if explanation.exact else
           "pixel × each unit's secant slope (f(z) − f(0)) / z instead of its gradient, because "
           f"{', '.join(sorted(set(explanation.activation_names)))} is curved: the parts add up exactly, but "
           "they are not gradients")
    st.caption(f"The score is the **logit**, the value before the softmax. Each pixel's part is {how}. "
               "The biases' part is shown apart. Black line: the digit's outline.")
    columns = st.columns(2)  # one per score: its pixels, then the units pushing it, as wide as the column
    for column, (slot, digit) in zip(columns, enumerate((predicted, compare)), strict=True):
        parts = explanation.pixel_contributions(digit)
        title = f"Logit {digit} = {explanation.logits[digit]:.2f}"
        column.plotly_chart(pixel_parts_figure(parts, explanation.pixels.reshape(28, 28), title),
                            config=CHART, key=f"network_pixels_{slot}")
        column.caption(f"Pixels {parts.sum():+.3f} + biases {explanation.bias_total(digit):+.3f} "
                       f"= {parts.sum() + explanation.bias_total(digit):.3f}")
        rows = [(unit, float(explanation.activations[layer][unit]), part)
                for unit, part in explanation.top_units(layer, digit, 8)]
        column.markdown(f"**Layer {layer + 1} units pushing toward {digit}**")
        # a Markdown table: no data-grid bundle for a fresh browser to fetch (about 20 files)
        column.markdown(pushing_units_table(rows))


def render_map(active: ActiveModel, dataset, evaluation, explanation, selection: Selection) -> None:
    st.subheader("Where it sits among the 10,000 test digits")
    st.caption("A 2-D map of the last hidden layer: digits the network sees alike sit together (t-SNE on "
               "1,000 landmarks, the rest placed from their nearest ones). × marks a mistake; the star is "
               "this input, placed from its nearest neighbours in activation space. Click a point to look "
               "inside it; drag to pan.")
    atlas = activation_map(active, dataset)
    current = (atlas.positions[selection.test] if not selection.drawing
               else atlas.place(explanation.activations[-1][None])[0])
    st.plotly_chart(map_figure(atlas.positions, dataset.y_test, evaluation.predicted, current,
                               "your drawing" if selection.drawing else f"#{selection.test}"),
                    key="network_map", on_select=lambda: state.on_click("network_map"),
                    selection_mode="points", config=CHART)


@st.fragment
def render_inside(active: ActiveModel, dataset, explanation, shown_input: tuple) -> None:
    """Activations, the selected unit and the score decomposition. A fragment: a unit click or a
    second class reruns only this; a click on a top image (a new input) reruns the page."""
    selection = st.session_state[state.STATE_KEY]
    if (selection.test, selection.drawing) != shown_input:
        st.rerun(scope="app")
    render_activations(explanation, selection, active.network.activations[:-1])
    render_unit_picker(explanation, selection)
    render_unit(active, dataset, explanation, selection, layer_statistics(active.key, active, dataset))
    render_why(explanation, selection, selection.layer)
    state.write_params(selection, active.key)


st.title("Inside the network")
active, run_stayed_behind = linked_model(st.query_params.get(MODEL_PARAM))
if active is None:
    st.stop()
if run_stayed_behind:
    st.warning(RUN_DOES_NOT_TRAVEL, icon=":material/link_off:")
dataset = dataset_or_stop()
names = active.network.activations[:-1]
if not names:
    st.info("This model has no hidden layer: its 10 class scores are weighted sums of the pixels.")
st.caption(f"{active.name}: {' → '.join(['784 pixels', *map(str, active.network.hidden_units), '10'])}.")
selection = state.current_selection(len(dataset.x_test), active.network.hidden_units)
drawn = st.session_state.get(DRAWN_INPUT_KEY)
if selection.drawing and drawn is not None:
    image, explanation = drawn, explain(active.network, drawn)
else:  # a test image: explained once per model and image for every session
    image = dataset.x_test[selection.test] / 255.0
    explanation = test_image_explanation(active.key, selection.test, active, dataset)
selection = st.session_state[state.STATE_KEY] = complete_selection(selection, explanation)
st.session_state[state.COMPARE_WIDGET] = selection.compare
evaluation = evaluation_of(active)
render_input(selection, dataset, image, explanation, evaluation)
if names:
    render_inside(active, dataset, explanation, (selection.test, selection.drawing))
    render_map(active, dataset, evaluation, explanation, selection)
render_templates(active)
state.write_params(selection, active.key)
