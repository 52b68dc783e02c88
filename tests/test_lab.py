"""The Break-it page's engine: transformations, attacks, robustness curves and URL state (NumPy
only; the convnet's parity with Keras is in test_convnet.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from scipy import ndimage

from mnist_core.config import MODELS_DIR
from mnist_core.lab import attacks, transforms
from mnist_core.lab.curves import AXES, CurveCache, Curves, compute_curves, load_shipped, transformed
from mnist_core.lab.state import LabState, parse_params, to_params
from mnist_core.lab.transforms import Edits
from mnist_core.serving.model_files import load_network
from mnist_core.serving.network import DenseNetwork


@pytest.fixture(scope="module")
def digits(mnist):
    """The first 200 test digits as float32 (200, 28, 28) in [0, 1], and their labels."""
    (_, _), (x_test, y_test) = mnist
    return x_test[:200] / np.float32(255), y_test[:200].astype(np.int64)


@pytest.fixture(scope="module")
def seed_network():
    return load_network(MODELS_DIR / "seed.keras")[0]


def tiny_dense(seed: int = 0) -> DenseNetwork:
    generator = np.random.default_rng(seed)
    return DenseNetwork.from_arrays([
        (generator.normal(0, 0.1, (784, 16)), generator.normal(0, 0.1, 16), "relu"),
        (generator.normal(0, 0.3, (16, 10)), generator.normal(0, 0.1, 10), "softmax"),
    ])


# ---------------------------------------------------------------------- transformations


@pytest.mark.parametrize(("dx", "dy"), [(3, 0), (0, 3), (-3, 0), (0, -3), (3, -3)])
def test_a_shift_and_its_opposite_give_the_input_back_inside_the_frame(digits, dx, dy):
    images = digits[0][:20]
    back = transforms.shift(transforms.shift(images, dx, dy), -dx, -dy)
    kept = np.zeros((28, 28), dtype=bool)  # the pixels that never left the frame
    kept[max(-dy, 0) : 28 + min(-dy, 0), max(-dx, 0) : 28 + min(-dx, 0)] = True
    np.testing.assert_array_equal(back[:, kept], images[:, kept])
    assert not back[:, ~kept].any()


def test_a_shift_moves_ink_right_and_down():
    image = np.zeros((28, 28), "float32")
    image[10, 10] = 1.0
    moved = transforms.shift(image, 4, -2)
    assert moved[8, 14] == 1.0 and moved.sum() == 1.0


def test_rotation_is_counter_clockwise_and_four_quarter_turns_give_the_input_back(digits):
    line = np.zeros((28, 28), "float32")
    line[2:13, 13:15] = 1.0  # from the centre upwards
    turned = transforms.rotate(line, 90)
    rows, columns = np.nonzero(turned > 0.5)
    assert columns.mean() < 13 and abs(rows.mean() - 13.5) < 1.5  # now points left
    image = digits[0][0]
    np.testing.assert_allclose(transforms.rotate(transforms.rotate(transforms.rotate(
        transforms.rotate(image, 90), 90), 90), 90), image, atol=1e-5)


def test_rotation_is_scipy_ndimage_rotate(digits):
    image = digits[0][1]
    expected = np.clip(ndimage.rotate(image, 35.0, reshape=False, order=1, mode="constant"), 0, 1)
    np.testing.assert_allclose(transforms.rotate(image, 35), expected, atol=1e-5)


def test_scaling_about_the_centre(digits):
    image = digits[0][2]
    np.testing.assert_array_equal(transforms.scale(image, 1.0), image)
    half = transforms.scale(image, 0.5)
    assert 0.2 < half.sum() / image.sum() < 0.3  # a quarter of the area
    centre = np.array(ndimage.center_of_mass(image))
    assert np.abs(np.array(ndimage.center_of_mass(half)) - (13.5 + (centre - 13.5) * 0.5)).max() < 0.5
    with pytest.raises(ValueError):
        transforms.scale(image, 0)


def test_stroke_width_grows_and_shrinks_by_a_pixel_per_step():
    dot = np.zeros((28, 28), "float32")
    dot[10:13, 10:13] = 1.0
    assert transforms.stroke(dot, 1).sum() == 9 + 4 * 3  # a 3x3 square grows one pixel on each side
    assert transforms.stroke(dot, -1).sum() == 1  # and shrinks to its centre
    assert transforms.stroke(dot, -2).sum() == 0


@pytest.mark.parametrize("steps", [-2, -1, 1, 2])
def test_stroke_width_is_scipy_ndimage_grey_dilation_or_erosion_with_a_cross(digits, steps):
    cross = np.zeros((1, 3, 3), dtype=bool)
    cross[0, 1, :] = cross[0, :, 1] = True
    expected = digits[0][:50]
    for _ in range(abs(steps)):
        operation = ndimage.grey_dilation if steps > 0 else ndimage.grey_erosion
        expected = operation(expected, footprint=cross, mode="constant", cval=0.0)
    np.testing.assert_array_equal(transforms.stroke(digits[0][:50], steps), expected)


def test_noise_is_seeded_clipped_and_zero_noise_changes_nothing(digits):
    images = digits[0][:5]
    noisy = transforms.add_noise(images, 0.3)
    np.testing.assert_array_equal(noisy, transforms.add_noise(images, 0.3))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.array_equal(noisy, images)
    np.testing.assert_array_equal(transforms.add_noise(images, 0.0), images)


def test_erasing_a_band_or_a_box():
    ink = np.ones((28, 28), "float32")
    band = transforms.erase(ink, "band", row=14)
    assert (band == 0).sum() == transforms.BAND_HEIGHT * 28 and not band[12:16].any()
    box = transforms.erase(ink, "box", row=5, column=20)
    assert (box == 0).sum() == transforms.BOX_SIDE**2 and not box[1:9, 16:24].any()
    corner = transforms.erase(ink, "box", row=0, column=0)  # half off the frame
    assert (corner == 0).sum() == (transforms.BOX_SIDE // 2) ** 2
    with pytest.raises(ValueError):
        transforms.erase(ink, "circle")


def test_invert_twice_and_the_default_edits_change_nothing(digits):
    image = digits[0][3]
    np.testing.assert_allclose(transforms.invert(transforms.invert(image)), image, atol=1e-7)
    np.testing.assert_array_equal(transforms.apply(image, Edits()), image)
    assert transforms.apply(digits[0][:4], Edits(shift_x=2, rotation=10, invert=True)).shape == (4, 28, 28)


def test_apply_composes_the_edits(digits):
    image = digits[0][4]
    edits = Edits(shift_x=3, rotation=20, scale=0.8, noise=0.1)
    turned = transforms.rotate(transforms.scale(image, 0.8), 20)
    expected = transforms.add_noise(transforms.shift(turned, 3, 0), 0.1)
    np.testing.assert_allclose(transforms.apply(image, edits), expected, atol=1e-6)


# ---------------------------------------------------------------------- gradients and attacks


def test_the_dense_input_gradient_is_exact():
    network = tiny_dense()
    images = np.random.default_rng(1).random((3, 784)).astype("float32")
    labels = np.array([1, 5, 9])
    gradient = network.loss_gradient(images, labels)
    # the lesson's formula: d loss / d x = W1 @ (relu_mask * (W2 @ (p - onehot)))
    hidden = images @ network.kernels[0] + network.biases[0]
    probabilities = network.probabilities(images)
    output = probabilities - np.eye(10)[labels]
    expected = ((output @ network.kernels[1].T) * (hidden > 0)) @ network.kernels[0].T
    np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)
    # and a finite difference agrees
    step, pixel = 1e-2, 300
    nudged = images.astype("float64").copy()
    nudged[:, pixel] += step
    def loss(x):
        return -np.log(network.probabilities(x.astype("float32"))[np.arange(3), labels].astype("float64"))
    np.testing.assert_allclose((loss(nudged) - loss(images)) / step, gradient[:, pixel], rtol=0.05, atol=1e-4)


def test_fgsm_moves_every_pixel_by_epsilon_at_most(digits):
    network = tiny_dense()
    images, labels = digits[0][:10], digits[1][:10]
    attacked = attacks.fgsm(network, images, labels, 0.1)
    change = attacked - images.reshape(10, -1)
    assert np.abs(change).max() <= 0.1 + 1e-6 and attacked.min() >= 0 and attacked.max() <= 1
    np.testing.assert_array_equal(attacks.fgsm(network, images, labels, 0.0), images.reshape(10, -1))


def test_fgsm_at_0_1_brings_the_lesson_network_below_30_percent(mnist, seed_network):
    (_, _), (x_test, y_test) = mnist
    images, labels = x_test[:1000] / np.float32(255), y_test[:1000]
    clean = (seed_network.probabilities(images).argmax(1) == labels).mean()
    attacked = attacks.fgsm(seed_network, images, labels, 0.1)
    accuracy = (seed_network.probabilities(attacked).argmax(1) == labels).mean()
    assert clean > 0.97 and accuracy < 0.30, (clean, accuracy)


def test_the_targeted_attack_succeeds_on_90_percent_of_100_digits_within_0_2(mnist, seed_network):
    (_, _), (x_test, y_test) = mnist
    images, labels = x_test[:100] / np.float32(255), y_test[:100].astype(np.int64)
    targets = (labels + 1) % 10  # "make this 7 read as 8"
    result = attacks.targeted(seed_network, images, targets, budget=0.2)
    assert np.abs(result.images - images.reshape(100, -1)).max() <= 0.2 + 1e-6
    read = seed_network.probabilities(result.images).argmax(1)
    np.testing.assert_array_equal(read == targets, result.success)
    assert result.success.mean() >= 0.9, result.success.mean()


# ---------------------------------------------------------------------- curves


@pytest.mark.parametrize("workers", [1, 2])
def test_the_curves_count_right_answers_at_each_setting(digits, workers):
    """Every setting of every curve against the plain way: transform the images, then score them
    (the curves score a dense network's warps through its first layer instead)."""
    network = tiny_dense()
    images = (digits[0][:60] * 255).round().astype(np.uint8)
    labels = digits[1][:60]
    curves = compute_curves(network, images, labels, workers=workers)
    floats = images / np.float32(255)
    def accuracy(batch):
        return (network.probabilities(batch).argmax(1) == labels).mean()
    for axis, settings in AXES.items():
        for value in settings:
            if axis == "epsilon":
                changed = attacks.fgsm(network, floats, labels, value)
            else:
                changed = transformed(floats, axis, value)
            assert curves.at(axis, value) == pytest.approx(accuracy(changed)), (axis, value)
    assert set(curves.accuracy) == set(AXES) and curves.count == 60


def test_a_convnet_gets_the_same_curves_the_plain_way(digits):
    """Not a DenseNetwork: every setting's images are made and scored."""
    convnet = load_network(MODELS_DIR / "convnet.keras")[0]
    images = (digits[0][:12] * 255).round().astype(np.uint8)
    labels = digits[1][:12]
    curves = compute_curves(convnet, images, labels)
    floats = images / np.float32(255)
    for axis, value in (("shift_x", 4), ("rotation", -30), ("stroke", 1), ("noise", 0.3)):
        expected = (convnet.probabilities(transformed(floats, axis, value)).argmax(1) == labels).mean()
        assert curves.at(axis, value) == pytest.approx(expected), (axis, value)


def test_the_first_layer_products_give_the_probabilities():
    network = tiny_dense()
    images = np.random.default_rng(2).random((7, 784)).astype("float32")
    products = images @ network.kernels[0]
    np.testing.assert_array_equal(network.probabilities_from_products(products),
                                  network.probabilities(images))


@pytest.mark.parametrize(("kind", "value"), [("shift_x", 3), ("shift_x", -8), ("shift_y", 5), ("rotate", 40),
                                             ("rotate", -60), ("scale", 0.6), ("scale", 1.4)])
def test_a_warped_kernel_scores_the_unwarped_image_as_the_kernel_scores_the_warped_one(digits, kind, value):
    kernel = tiny_dense().kernels[0]
    images = digits[0][:20]
    warped = {
        "shift_x": lambda: transforms.shift(images, value, 0),
        "shift_y": lambda: transforms.shift(images, 0, value),
        "rotate": lambda: transforms.rotate(images, value),
        "scale": lambda: transforms.scale(images, value),
    }[kind]()
    expected = warped.reshape(20, 784) @ kernel
    actual = images.reshape(20, 784) @ transforms.warped_kernel(kernel, kind, value)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("kind", "value"), [("rotate", -60.0), ("rotate", 10.0), ("rotate", 35.0),
                                             ("scale", 0.5), ("scale", 1.3)])
def test_the_warp_matrix_is_ndimage_applied_to_each_one_pixel_image(kind, value):
    """Built from four parity masks; the same matrix as the 784 one-pixel images give."""
    side = 28
    if kind == "rotate":
        angle = np.deg2rad(value)
        matrix = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    else:
        matrix = np.eye(2) / value
    centre = np.array([13.5, 13.5])
    offset = centre - matrix @ centre
    # the 784 one-pixel images as one (784, 28, 28) stack, transformed image by image (axis 0 kept)
    stacked = np.zeros((3, 3))
    stacked[0, 0], stacked[1:, 1:] = 1.0, matrix
    columns = ndimage.affine_transform(np.eye(side * side).reshape(-1, side, side), stacked,
                                       offset=np.concatenate([[0.0], offset]), order=1, mode="constant")
    expected = columns.reshape(side * side, -1).T  # (784 out, 784 in)
    expected[np.abs(expected) < 1e-9] = 0.0
    np.testing.assert_array_equal(transforms._warp_matrix(kind, value).toarray(), expected.astype("float32"))


def test_curves_are_saved_tied_to_their_weights(tmp_path, digits):
    network = tiny_dense()
    images = (digits[0][:20] * 255).round().astype(np.uint8)
    curves = compute_curves(network, images, digits[1][:20])
    model_path = tmp_path / "m.keras"
    curves.save(tmp_path / "m.curves.npz")
    loaded = load_shipped(model_path, network)
    assert loaded is not None and loaded.model == curves.model
    np.testing.assert_array_equal(loaded.accuracy["scale"], curves.accuracy["scale"])
    assert load_shipped(model_path, tiny_dense(seed=1)) is None  # other weights: recomputed
    assert load_shipped(tmp_path / "missing.keras", network) is None


def test_the_curve_cache_computes_once_per_model(digits):
    # The app's thread yields the cores to the pages (niceness 10); here it keeps the test's own
    # priority, so a busy machine does not starve the one thing the test waits for.
    cache = CurveCache(niceness=os.nice(0))
    network = tiny_dense()
    images = (digits[0][:20] * 255).round().astype(np.uint8)
    try:
        first = cache.submit(network, images, digits[1][:20])
        assert cache.submit(network, images, digits[1][:20]) is first
        curves = first.result(timeout=120)
        assert isinstance(curves, Curves) and cache.progress(network) == 1.0
    finally:
        cache.close()


def test_seed_accuracy_at_a_4_pixel_shift_is_what_the_shipped_curves_say(mnist, seed_network):
    """Independently of mnist_core.lab: pad on the left, cut on the right, one matrix product."""
    (_, _), (x_test, y_test) = mnist
    moved = np.pad(x_test, ((0, 0), (0, 0), (4, 0)))[:, :, :28].reshape(len(x_test), 784) / 255.0
    kernels, biases = seed_network.kernels, seed_network.biases
    scores = np.maximum(moved @ kernels[0] + biases[0], 0) @ kernels[1] + biases[1]
    accuracy = (scores.argmax(1) == y_test).mean()
    shipped = load_shipped(MODELS_DIR / "seed.keras", seed_network)
    assert shipped is not None, "models/seed.curves.npz is missing or stale: python -m mnist_core.lab.curves"
    assert shipped.at("shift_x", 4) == pytest.approx(accuracy, abs=1e-4)


def test_the_convnet_holds_a_4_pixel_shift_20_points_better_than_the_lesson_network(seed_network):
    convnet = load_network(MODELS_DIR / "convnet.keras")[0]
    seed_curves = load_shipped(MODELS_DIR / "seed.keras", seed_network)
    convnet_curves = load_shipped(MODELS_DIR / "convnet.keras", convnet)
    assert convnet_curves is not None, "models/convnet.curves.npz is missing or stale"
    assert convnet_curves.at("shift_x", 4) - seed_curves.at("shift_x", 4) >= 0.20


# ---------------------------------------------------------------------- URL state


def test_url_values_round_trip():
    state = LabState("test", 42, Edits(shift_x=4, shift_y=-2, rotation=-15, scale=1.2, stroke=1, noise=0.1,
                                      erase="box", erase_row=3, erase_column=20, invert=True), 0.05, 3, 0.1)
    parsed, notes = parse_params(to_params(state), 10_000, has_drawing=False)
    assert parsed == state and notes == []
    assert to_params(LabState()) == {"test": "0"}


@pytest.mark.parametrize(("params", "word"), [
    ({"test": "10000"}, "test"), ({"test": "-1"}, "test"), ({"dx": "9"}, "dx"), ({"dx": "1.5"}, "dx"),
    ({"rot": "abc"}, "rot"), ({"scale": "2"}, "scale"), ({"noise": "nan"}, "noise"),
    ({"erase": "circle"}, "erase"), ({"invert": "yes"}, "invert"), ({"eps": "-0.1"}, "eps"),
    ({"target": "10"}, "target"), ({"budget": "inf"}, "budget"), ({"input": "photo"}, "input"),
])
def test_bad_url_values_get_a_note_and_the_default(params, word):
    state, notes = parse_params(params, 10_000, has_drawing=False)
    assert state == LabState()
    assert len(notes) == 1 and f"`{word}=" in notes[0] and "instead" in notes[0]


def test_a_link_to_a_drawing_without_one_says_so_and_shows_a_test_digit():
    state, notes = parse_params({"input": "drawing", "test": "7"}, 10_000, has_drawing=False)
    assert state.source == "test" and state.test == 7
    assert len(notes) == 1 and "Draw page" in notes[0]
    state, notes = parse_params({"input": "drawing"}, 10_000, has_drawing=True)
    assert state.source == "drawing" and notes == []
