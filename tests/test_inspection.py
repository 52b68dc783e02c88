"""Looking inside the network: activations, unit statistics, top images, exact decompositions, URL state."""

import numpy as np
import pytest

from mnist_core import DenseNetwork, load_default_network
from mnist_core.inspection.activations import explain, hidden_activations, incoming_weights, unit_slopes
from mnist_core.inspection.selection import DRAWING, LinkNote, Selection, complete_selection, parse_selection
from mnist_core.inspection.units import active_count, unit_statistics
from mnist_core.text.network import link_note_text, pushing_units_table

ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu", "linear"]


def random_network(activation: str, hidden=(64, 32), seed: int = 0) -> DenseNetwork:
    rng = np.random.default_rng(seed)
    widths = [784, *hidden, 10]
    layers = [(rng.normal(0, 1 / np.sqrt(a), (a, b)), rng.normal(0, 0.3, b), activation)
              for a, b in zip(widths[:-1], widths[1:], strict=True)]
    layers[-1] = (*layers[-1][:2], "softmax")
    return DenseNetwork.from_arrays(layers)


@pytest.fixture(scope="module")
def shipped():
    network, _ = load_default_network()
    return network


# ---------------------------------------------------------------- the exact decomposition


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(64,), (64, 32), (48, 32, 16)], ids=["1 layer", "2 layers", "3 layers"])
def test_pixel_parts_plus_biases_sum_to_every_logit(activation, hidden, rng):
    network = random_network(activation, hidden)
    image = rng.random((28, 28)).astype("float32")
    explanation = explain(network, image)
    np.testing.assert_allclose(explanation.logits, network.logits(image)[0], atol=1e-4)
    for digit in range(10):
        total = explanation.pixel_contributions(digit).sum() + explanation.bias_total(digit)
        assert total == pytest.approx(explanation.logits[digit], abs=1e-4)
    assert explanation.exact == (activation in ("relu", "linear"))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_unit_parts_plus_later_biases_sum_to_every_logit(activation, rng):
    network = random_network(activation, (64, 32, 16))
    explanation = explain(network, rng.random(784))
    for layer in range(3):
        total = explanation.unit_contributions(layer).sum(0) + explanation.bias_terms[layer + 1:].sum(0)
        np.testing.assert_allclose(total, explanation.logits, atol=1e-4)


def test_relu_pixel_parts_are_input_times_gradient(shipped, mnist):
    """For ReLU the effective weight is the gradient of the logit: check by finite differences."""
    image = mnist[1][0][0].astype("float64") / 255
    explanation = explain(shipped, image)
    digit = explanation.predicted
    pixels = np.flatnonzero(image.ravel() > 0.3)[:5]
    for pixel in pixels:
        nudged = image.ravel().copy()
        nudged[pixel] += 1e-3
        slope = (shipped.logits(nudged)[0, digit] - shipped.logits(image)[0, digit]) / 1e-3
        assert slope == pytest.approx(explanation.pixel_weights[pixel, digit], abs=2e-2)


def test_shipped_model_decomposition_on_test_images(shipped, mnist):
    _, (x_test, _) = mnist
    for image in x_test[:20]:
        explanation = explain(shipped, image / 255.0)
        predicted = explanation.predicted
        total = explanation.pixel_contributions(predicted).sum() + explanation.bias_total(predicted)
        assert total == pytest.approx(explanation.logits[predicted], abs=1e-4)
        assert predicted == int(np.argmax(shipped.probabilities(image / 255.0)))


def test_top_units_are_the_largest_positive_parts(shipped, mnist):
    explanation = explain(shipped, mnist[1][0][0] / 255.0)
    parts = explanation.unit_contributions(1)[:, 7]
    top = explanation.top_units(1, 7, 5)
    assert [unit for unit, _ in top] == list(np.argsort(-parts)[:5])
    assert all(part > 0 for _, part in top)


def test_slopes_of_each_activation():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(unit_slopes(z, "relu"), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(unit_slopes(z, "tanh")[[0, 4]], np.tanh(2) / 2)
    assert unit_slopes(z, "sigmoid")[2] == 0.25 and unit_slopes(z, "linear").tolist() == [1] * 5


def test_explain_refuses_a_batch_and_bad_digits(shipped):
    with pytest.raises(ValueError, match="one image"):
        explain(shipped, np.zeros((2, 784)))
    with pytest.raises(ValueError, match="0-9"):
        explain(shipped, np.zeros(784)).pixel_contributions(10)


# ---------------------------------------------------------------- activations and units


def test_active_count_follows_the_activation():
    values = np.array([0.0, 0.2, 0.7, -0.1])
    assert active_count(values, "relu") == 2 and active_count(values, "sigmoid") == 1


def test_hidden_activations_match_layer_outputs(shipped, mnist):
    images = mnist[1][0][:50]
    layers = hidden_activations(shipped, images, chunk=16)
    expected = shipped.layer_outputs(images / 255.0)[:-1]
    assert [layer.shape for layer in layers] == [(50, 512), (50, 512)]
    for got, want in zip(layers, expected, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_incoming_weights_shapes(shipped):
    first = incoming_weights(shipped, 0, 37)
    assert first.shape == (28, 28) and first.dtype == np.float32
    np.testing.assert_array_equal(first.ravel(), shipped.kernels[0][:, 37])
    assert incoming_weights(shipped, 1, 5).shape == (512,)
    with pytest.raises(ValueError, match="512 units"):
        incoming_weights(shipped, 0, 512)


def test_unit_statistics_class_means_and_top_images(rng):
    activations = rng.random((300, 6)).astype("float32")
    labels = rng.integers(0, 10, 300)
    activations[17, 2] = 5.0  # the image that excites unit 2 most
    stats = unit_statistics(activations, labels, "relu")
    assert stats.class_means.shape == (6, 10) and stats.top_images.shape == (6, 9)
    for digit in range(10):
        expected = activations[labels == digit].mean(0)
        np.testing.assert_allclose(stats.class_means[:, digit], expected, rtol=1e-5)
    assert stats.top_images[2, 0] == 17 and stats.top_values[2, 0] == 5.0
    for unit in range(6):
        np.testing.assert_array_equal(stats.top_images[unit], np.argsort(-activations[:, unit])[:9])
        assert (np.diff(stats.top_values[unit]) <= 0).all()
    np.testing.assert_allclose(stats.active_share, (activations > 0).mean(0))


def test_shipped_units_mean_activation_peaks_on_digits_they_push(shipped, mnist):
    """Sanity of the real statistics: a last-layer unit whose top output weight is digit d is, on
    average, most active for some digit whose logit it raises."""
    _, (x_test, y_test) = mnist
    stats = unit_statistics(hidden_activations(shipped, x_test[:2000])[-1], y_test[:2000], "relu")
    top_unit = int(np.argmax(shipped.kernels[-1][:, 3]))
    assert shipped.kernels[-1][top_unit, int(np.argmax(stats.class_means[top_unit]))] > 0


# ---------------------------------------------------------------- the URL


@pytest.mark.parametrize("params, expected, notes", [
    ({}, Selection(), 0),
    ({"test": "1234", "unit": "37"}, Selection(test=1234, unit=37), 0),
    ({"test": "9999", "layer": "2", "unit": "511", "vs": "3"}, Selection(9999, False, 1, 511, 3), 0),
    ({"test": "10000"}, Selection(), 1),
    ({"test": "-1"}, Selection(), 1),
    ({"test": "abc", "unit": "12"}, Selection(unit=12), 1),
    ({"test": "1.5"}, Selection(), 1),
    ({"layer": "3", "unit": "5"}, Selection(unit=5), 1),
    ({"unit": "512"}, Selection(), 1),
    ({"vs": "12", "test": "7"}, Selection(test=7), 1),
    ({"input": DRAWING}, Selection(drawing=True), 0),
    ({"input": "camera"}, Selection(), 1),
], ids=["empty", "test+unit", "all", "test too big", "negative", "not a number", "float", "no layer 3",
        "unit too big", "vs not a digit", "drawing", "unknown input"])
def test_parse_selection(params, expected, notes):
    selection, messages = parse_selection(params, 10_000, (512, 512), has_drawing=True)
    assert selection == expected and len(messages) == notes
    if notes:
        assert all(isinstance(message, LinkNote) and "`" in link_note_text(message) for message in messages)
    if not notes:
        assert parse_selection(selection.to_params(), 10_000, (512, 512), True) == (selection, [])


def test_a_drawing_link_without_a_drawing_falls_back_with_a_note():
    selection, notes = parse_selection({"input": DRAWING}, 10_000, (512,), has_drawing=False)
    assert selection == Selection() and notes == [LinkNote("no_drawing", "input", DRAWING)]
    assert "no drawing" in link_note_text(notes[0])


def test_complete_selection_fills_defaults_and_drops_units_the_network_lacks(shipped, mnist):
    explanation = explain(shipped, mnist[1][0][0] / 255.0)  # a 7
    predicted, runner_up = explanation.predicted, int(np.argsort(explanation.logits)[-2])
    filled = complete_selection(Selection(test=0), explanation)
    assert filled.unit == explanation.top_units(0, predicted, 1)[0][0] and filled.compare == runner_up
    kept = Selection(test=0, layer=1, unit=300, compare=2)
    assert complete_selection(kept, explanation) == kept
    assert complete_selection(Selection(compare=predicted), explanation).compare == runner_up
    small = explain(random_network("relu", (64,)), mnist[1][0][0] / 255.0)
    reset = complete_selection(Selection(layer=1, unit=300, compare=3), small)
    assert reset.layer == 0 and reset.unit < 64 and reset.compare == 3


@pytest.mark.parametrize(("note", "text"), [
    (LinkNote("unknown_input", "input", "photo"),
     "`input=photo` is unknown (use `input=drawing` or `test=<index>`): showing a test image instead."),
    (LinkNote("not_whole", "test", "x", "test", 0, 9999),
     "`test=x` is not a whole number (a test image index must be 0–9999): showing the default instead."),
    (LinkNote("out_of_range", "unit", "600", "unit", 0, 511, layer=2),
     "`unit=600` is out of range (a unit of hidden layer 2 must be 0–511): showing the default instead."),
])
def test_link_notes_in_words(note, text):
    assert link_note_text(note) == text


def test_pushing_units_table_prints_each_unit_with_three_decimals():
    table = pushing_units_table([(37, 1.23456, 0.5), (5, 0.0104, 0.00049)])
    assert table.splitlines() == ["| unit | activation | part |", "|---:|---:|---:|",
                                  "| 37 | 1.235 | +0.500 |", "| 5 | 0.010 | +0.000 |"]
    assert pushing_units_table([]) == "No unit of this layer pushes it up for this input."
