"""The "How it learns" engine (mnist_core.learning): the forward pass, the gradients, the three
optimisers, the finite-difference check, the landscape, the race and a session's run, in NumPy only.
The TensorFlow parity tests are in tests/test_learning_parity.py (slow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_core.learning import landscape as landscape_module
from mnist_core.learning.batches import BatchPlan
from mnist_core.learning.gradcheck import central_difference, gradient_check
from mnist_core.learning.lesson import Lesson, keras_first_epoch, lesson_data, run_start
from mnist_core.learning.network import (
    UNIT_BLOCK,
    Parameters,
    accuracy,
    as_inputs,
    backward,
    forward,
    initial_parameters,
    loss,
    predict,
)
from mnist_core.learning.optimisers import apply_update, new_state, update_array, update_in_place
from mnist_core.learning.race import optimiser_race
from mnist_core.learning.settings import LearningSettings


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """As in the server (mnist_core.serving.process): OpenBLAS' threads spin on a busy machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def batch(mnist):
    """32 real training images as float64 (32, 784) and their labels int (32,)."""
    (x_train, y_train), _ = mnist
    return as_inputs(x_train[:32], "float64"), y_train[:32].astype(int)


@pytest.fixture(scope="module")
def data(mnist):
    """The run's images with smaller validation and landscape slices than the page's (faster tests)."""
    (x_train, y_train), (x_test, y_test) = mnist
    return lesson_data(x_train, y_train, x_test, y_test,
                       LearningSettings(validation_images=300, landscape_images=64))


def test_initial_weights_are_glorot_uniform_with_zero_biases_and_follow_the_seed():
    params = initial_parameters(3)
    assert [a.shape for a in params.arrays()] == [(784, 512), (512,), (512, 10), (10,)]
    assert params.count == 407_050 and params.w1.dtype == np.float32
    assert np.abs(params.w1).max() <= math.sqrt(6 / (784 + 512))
    assert np.abs(params.w2).max() <= math.sqrt(6 / (512 + 10))
    assert np.abs(params.w1).max() > 0.95 * math.sqrt(6 / (784 + 512))  # uniform up to the limit
    assert not params.b1.any() and not params.b2.any()
    assert np.array_equal(params.w1, initial_parameters(3).w1)
    assert not np.array_equal(params.w1, initial_parameters(4).w1)


def test_forward_computes_the_lesson_network_and_the_mean_cross_entropy(batch):
    x, labels = batch
    params = initial_parameters(0, dtype="float64")
    result = forward(params, x, labels)
    hidden = np.maximum(x @ params.w1 + params.b1, 0)
    logits = hidden @ params.w2 + params.b2
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(result.probabilities, probabilities, rtol=1e-12)
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0, rtol=1e-12)
    expected = -np.log(probabilities[np.arange(32), labels])
    np.testing.assert_allclose(result.losses, expected, rtol=1e-12)
    assert result.loss == pytest.approx(expected.mean(), rel=1e-12)
    assert 1.5 < result.loss < 3.5  # about log 10 = 2.3 at a random start
    assert np.array_equal(result.h, np.maximum(result.z1, 0))


def test_backward_matches_central_differences_on_every_array(batch):
    x, labels = batch
    params = initial_parameters(1, hidden_units=16, dtype="float64")
    shift = np.random.default_rng(2)
    params = params.map(lambda a: a + 0.01 * shift.standard_normal(a.shape))  # biases not 0
    gradients = backward(params, forward(params, x, labels)).gradients
    step = 1e-6
    rng = np.random.default_rng(5)
    for name in ("w1", "b1", "w2", "b2"):
        grad = getattr(gradients, name)
        for flat in rng.choice(np.flatnonzero(grad), 5, replace=False):
            position = np.unravel_index(flat, grad.shape)
            numeric = central_difference(params, x, labels, name, position, step)
            assert numeric == pytest.approx(grad[position], rel=1e-5, abs=1e-10), name


def test_backward_gives_the_chain_rule_signals(batch):
    x, labels = batch
    params = initial_parameters(0, dtype="float64")
    result = forward(params, x, labels)
    pass_back = backward(params, result)
    onehot = np.eye(10)[labels]
    np.testing.assert_allclose(pass_back.delta2, (result.probabilities - onehot) / 32, rtol=1e-12)
    np.testing.assert_allclose(pass_back.gradients.w2, result.h.T @ pass_back.delta2, rtol=1e-12)
    np.testing.assert_allclose(pass_back.delta1, (pass_back.delta2 @ params.w2.T) * (result.z1 > 0),
                               rtol=1e-12)
    np.testing.assert_allclose(pass_back.gradients.w1, x.T @ pass_back.delta1, rtol=1e-12)


def test_float32_and_float64_gradients_agree(batch):
    x, labels = batch
    params64 = initial_parameters(0, dtype="float64")
    params32 = params64.astype("float32")
    g64 = backward(params64, forward(params64, x, labels)).gradients
    g32 = backward(params32, forward(params32, x.astype("float32"), labels)).gradients
    assert g32.w1.dtype == np.float32
    for a, b in zip(g64.arrays(), g32.arrays(), strict=True):
        assert np.linalg.norm(a - b) <= 1e-4 * np.linalg.norm(a)


def test_gradient_check_reports_tiny_relative_errors(batch):
    x, labels = batch
    params = initial_parameters(0)
    check = gradient_check(params, x.astype("float32"), labels, count=8, seed=3)
    assert len(check.names) == 8 and set(check.names) == {"w1", "b1", "w2", "b2"}
    assert (check.analytic != 0).all()
    assert check.worst < 1e-4
    assert params.w1.dtype == np.float32  # the check works on a float64 copy


def test_gradient_check_catches_a_wrong_gradient(batch, monkeypatch):
    from mnist_core.learning import gradcheck

    x, labels = batch
    real_backward = gradcheck.backward

    def halved(params, result):
        found = real_backward(params, result)
        return type(found)(found.gradients.map(lambda a: a / 2), found.delta2, found.delta1)

    monkeypatch.setattr(gradcheck, "backward", halved)
    check = gradient_check(initial_parameters(0), x.astype("float32"), labels, count=4)
    np.testing.assert_allclose(check.relative_error, 0.5, rtol=1e-3)


def settings_for(optimiser: str, **changes) -> LearningSettings:
    return LearningSettings(optimiser=optimiser, dtype="float64", **changes)


def two_steps(settings: LearningSettings):
    rng = np.random.default_rng(0)
    params = Parameters(*(rng.standard_normal(shape) for shape in ((4, 3), (3,), (3, 2), (2,))))
    gradients = [params.map(lambda a: rng.standard_normal(a.shape)) for _ in range(2)]
    state = new_state(settings, params)
    trail = [params]
    for gradient in gradients:
        params, state = apply_update(settings, params, gradient, state)
        trail.append(params)
    return trail, gradients, state


def test_sgd_subtracts_the_learning_rate_times_the_gradient():
    trail, gradients, state = two_steps(settings_for("sgd", learning_rate=0.1))
    np.testing.assert_allclose(trail[1].w1, trail[0].w1 - 0.1 * gradients[0].w1, rtol=1e-14)
    np.testing.assert_allclose(trail[2].b2, trail[1].b2 - 0.1 * gradients[1].b2, rtol=1e-14)
    assert state.slots is None and state.iterations == 2


def test_momentum_keeps_a_velocity_as_keras_sgd():
    trail, gradients, state = two_steps(settings_for("momentum", learning_rate=0.1, momentum=0.9))
    m1 = -0.1 * gradients[0].w1
    m2 = 0.9 * m1 - 0.1 * gradients[1].w1
    np.testing.assert_allclose(trail[1].w1, trail[0].w1 + m1, rtol=1e-14)
    np.testing.assert_allclose(trail[2].w1, trail[1].w1 + m2, rtol=1e-13)
    np.testing.assert_allclose(state.slots.w1, m2, rtol=1e-13)


def test_rmsprop_divides_by_the_root_of_the_running_mean_square_with_epsilon_inside():
    trail, gradients, state = two_steps(settings_for("rmsprop", learning_rate=1e-3))
    v1 = 0.1 * gradients[0].w2 ** 2
    v2 = 0.9 * v1 + 0.1 * gradients[1].w2 ** 2
    np.testing.assert_allclose(trail[1].w2, trail[0].w2 - 1e-3 * gradients[0].w2 / np.sqrt(v1 + 1e-7),
                               rtol=1e-13)
    np.testing.assert_allclose(trail[2].w2, trail[1].w2 - 1e-3 * gradients[1].w2 / np.sqrt(v2 + 1e-7),
                               rtol=1e-13)
    np.testing.assert_allclose(state.slots.w2, v2, rtol=1e-13)
    # the first step of RMSprop moves every weight by about lr / sqrt(0.1), whatever its gradient's size
    np.testing.assert_allclose(np.abs(trail[1].w1 - trail[0].w1), 1e-3 / np.sqrt(0.1), rtol=1e-3)


@pytest.mark.parametrize("optimiser", ["sgd", "momentum", "rmsprop"])
def test_a_slice_updates_as_the_whole_array(optimiser):
    settings = LearningSettings(optimiser=optimiser)
    rng = np.random.default_rng(1)
    weight, gradient = rng.standard_normal((2, 784, 512)).astype("float32")
    slot = None if optimiser == "sgd" else np.abs(rng.standard_normal((784, 512))).astype("float32")
    whole, whole_slot = update_array(settings, weight, gradient, slot)
    part_of_slot = None if slot is None else slot[:, 7]
    part, part_slot = update_array(settings, weight[:, 7], gradient[:, 7], part_of_slot)
    assert whole.dtype == np.float32
    np.testing.assert_array_equal(part, whole[:, 7])
    if slot is not None:
        np.testing.assert_array_equal(part_slot, whole_slot[:, 7])


@pytest.mark.parametrize("optimiser", ["sgd", "momentum", "rmsprop"])
def test_an_update_in_place_gives_the_same_numbers_and_spares_read_only_arrays(optimiser):
    settings = LearningSettings(optimiser=optimiser)
    rng = np.random.default_rng(2)
    weight, gradient = rng.standard_normal((2, 784, 512)).astype("float32")
    slot = None if optimiser == "sgd" else np.abs(rng.standard_normal((784, 512))).astype("float32")
    expected, expected_slot = update_array(settings, weight, gradient, slot)
    shared = weight.copy()
    shared.flags.writeable = False
    new, new_slot = update_in_place(settings, shared, gradient, None if slot is None else slot.copy())
    assert new is not shared and np.array_equal(shared, weight)  # a read-only array gets new ones
    np.testing.assert_array_equal(new, expected)
    own, own_slot = weight.copy(), None if slot is None else slot.copy()
    updated, updated_slot = update_in_place(settings, own, gradient, own_slot)
    assert updated is own and updated_slot is own_slot
    np.testing.assert_array_equal(own, expected)
    if slot is not None:
        np.testing.assert_array_equal(own_slot, expected_slot)
        np.testing.assert_array_equal(new_slot, expected_slot)


def test_a_run_updates_its_own_weights_in_place_never_its_shared_start(data):
    settings = LearningSettings(seed=3)
    start = run_start(settings, data).read_only()
    initial = start.params.w1.copy()
    lesson = Lesson(settings, data, start)
    lesson.take_step()
    first = lesson.params.w1
    assert first is not start.params.w1 and np.array_equal(start.params.w1, initial)
    lesson.take_step()
    assert lesson.params.w1 is first  # its own from the first step on: updated where it is


def test_a_run_writes_its_next_step_into_the_taken_ones_arrays_never_its_shared_starts(data):
    settings = LearningSettings(seed=3)
    start = run_start(settings, data).read_only()
    first_x = start.first_step.forward.x.copy()
    lesson = Lesson(settings, data, start)
    lesson.take_step()
    taken = lesson.next_step()
    assert taken.forward.x is not start.first_step.forward.x
    np.testing.assert_array_equal(start.first_step.forward.x, first_x)
    lesson.take_step()
    upcoming = lesson.next_step()
    assert upcoming.forward.x is taken.forward.x and upcoming.forward.z1 is taken.forward.z1
    assert upcoming.backward.gradients.w1 is taken.backward.gradients.w1
    x = as_inputs(data.train_images[upcoming.indices])
    fresh = forward(lesson.params, x, upcoming.forward.labels)
    again = backward(lesson.params, fresh)
    for ours, new in [(upcoming.forward.x, x), (upcoming.forward.z1, fresh.z1), (upcoming.forward.h, fresh.h),
                      (upcoming.forward.probabilities, fresh.probabilities),
                      (upcoming.backward.delta1, again.delta1),
                      *zip(upcoming.backward.gradients.arrays(), again.gradients.arrays(), strict=True)]:
        np.testing.assert_array_equal(ours, new)


def test_weights_with_a_nan_or_an_infinity_are_not_finite():
    params = initial_parameters(0, hidden_units=8)
    assert params.is_finite()
    for bad in (np.nan, np.inf, -np.inf):
        w2 = params.w2.copy()
        w2[3, 4] = bad
        assert not Parameters(params.w1, params.b1, w2, params.b2).is_finite()


def test_every_epoch_visits_each_training_image_once_in_a_seeded_order():
    settings = LearningSettings(train_images=1000, batch_size=128)
    plan = BatchPlan(settings)
    assert settings.steps_per_epoch == 8
    epoch = np.concatenate([plan.indices(step) for step in range(8)])
    assert len(plan.indices(7)) == 1000 - 7 * 128
    assert np.array_equal(np.sort(epoch), np.arange(1000))
    assert not np.array_equal(plan.indices(8), plan.indices(0))  # a new shuffle each epoch
    assert np.array_equal(BatchPlan(settings).indices(3), plan.indices(3))


def test_settings_refuse_bad_values():
    with pytest.raises(ValueError, match="optimiser"):
        LearningSettings(optimiser="adam")
    with pytest.raises(ValueError, match="learning rate"):
        LearningSettings(learning_rate=float("nan"))
    with pytest.raises(ValueError, match="seed"):
        LearningSettings(seed=-1)


def test_ten_steps_lower_the_loss_and_the_next_step_is_the_one_shown(data):
    lesson = Lesson(LearningSettings(), data)
    shown = lesson.next_step()
    unit = lesson.unit_update(5)
    before = lesson.params.w1.copy()
    lesson.take_step()
    assert lesson.losses == [shown.forward.loss]
    np.testing.assert_array_equal(lesson.params.w1[:, 5], unit.after)
    assert not np.array_equal(lesson.params.w1, before)
    assert lesson.take_steps(9) == 9
    assert lesson.step == 10 and len(lesson.accuracies) == 11
    assert lesson.losses[-1] < 0.6 * lesson.losses[0]
    assert lesson.accuracies[-1] > lesson.accuracies[0] + 0.3


def test_accuracy_on_the_inked_pixels_equals_accuracy_on_every_pixel(data, mnist):
    """The validation slice keeps only pixels inked in some image: the same predictions, less work."""
    _, (x_test, y_test) = mnist
    full, labels = as_inputs(x_test[:300]), y_test[:300].astype(int)
    assert 0 < len(data.validation_pixels) < 784
    assert data.validation_x.shape == (300, len(data.validation_pixels))
    assert not np.delete(full, data.validation_pixels, axis=1).any()
    lesson = Lesson(LearningSettings(), data)
    lesson.take_steps(3)
    for params in (initial_parameters(5), lesson.params):
        np.testing.assert_array_equal(predict(params, data.validation_x, data.validation_pixels),
                                      predict(params, full))
        assert data.accuracy(params) == accuracy(params, full, labels)


def test_a_runs_validation_blocks_reuse_its_buffers_with_the_same_predictions(data):
    lesson = Lesson(LearningSettings(), data)
    lesson.take_steps(2)
    buffers = lesson._buffers
    assert buffers is not None and buffers.hidden.shape == (len(data.validation_x), UNIT_BLOCK)
    lesson.take_step()
    assert lesson._buffers is buffers
    for params in (initial_parameters(5), lesson.params):
        np.testing.assert_array_equal(
            predict(params, data.validation_x, data.validation_pixels, buffers),
            predict(params, data.validation_x, data.validation_pixels))
    assert lesson.accuracies[-1] == data.accuracy(lesson.params)


def test_runs_of_a_seed_can_share_their_start_read_only(data):
    """The page shares one start per seed between sessions: runs from it match a run of their own."""
    settings = LearningSettings(seed=4)
    start = run_start(settings, data).read_only()
    shared, own = Lesson(settings.replace(optimiser="momentum", learning_rate=0.01), data, start), Lesson(
        settings.replace(optimiser="momentum", learning_rate=0.01), data)
    assert shared.next_step() is start.first_step and shared.accuracies == own.accuracies
    assert shared.take_steps(3) == 3 and own.take_steps(3) == 3
    assert shared.losses == own.losses and shared.accuracies == own.accuracies
    np.testing.assert_array_equal(shared.params.w1, own.params.w1)
    assert not start.params.w1.flags.writeable and start.params.w1 is not shared.params.w1
    np.testing.assert_array_equal(start.params.w1, initial_parameters(4).w1)  # untouched by the steps
    assert shared.path.raw is start.directions and not start.directions.first.flags.writeable
    np.testing.assert_array_equal(np.stack(shared.path.dots), np.stack(own.path.dots))
    with pytest.raises(ValueError, match="other settings"):
        Lesson(LearningSettings(seed=5), data, start)


def test_a_stop_request_ends_a_long_run(data):
    lesson = Lesson(LearningSettings(), data)
    asked = iter([False, False, True])
    assert lesson.take_steps(100, should_stop=lambda: next(asked)) == 2
    assert lesson.step == 2


def test_changing_the_optimiser_keeps_the_weights_and_restarts_its_state(data):
    lesson = Lesson(LearningSettings(), data)
    lesson.take_steps(2)
    weights = lesson.params
    lesson.configure(lesson.settings.replace(optimiser="momentum", learning_rate=0.01))
    assert lesson.params is weights and not lesson.state.slots.w1.any()
    with pytest.raises(ValueError, match="new run"):
        lesson.configure(lesson.settings.replace(seed=9))


@pytest.mark.parametrize("optimiser", ["sgd", "rmsprop"])
def test_learning_rate_10_diverges_and_stops(data, optimiser):
    """The loss explodes to thousands or millions (finite: it is computed from the logits, as Keras
    does); the run stops there and only Reset goes on."""
    lesson = Lesson(LearningSettings(optimiser=optimiser, learning_rate=10.0), data)
    taken = lesson.take_steps(50)
    assert lesson.diverged and taken <= 5
    assert lesson.losses[-1] > 1e3
    assert lesson.take_steps(5) == 0
    lesson.landscape()  # drawing the landscape of a diverged run does not crash


def test_weights_that_are_not_numbers_show_nan_and_stop_the_run(data):
    lesson = Lesson(LearningSettings(), data)
    lesson.params.w2[3, 4] = np.inf
    assert lesson.diverged
    shown = lesson.next_step()
    assert not math.isfinite(shown.forward.loss)
    lesson.take_step()
    assert math.isnan(lesson.accuracies[-1]) and not math.isfinite(lesson.losses[-1])
    assert lesson.take_steps(5) == 0
    found = lesson.landscape()
    assert found.losses.shape == (21, 21) and not np.isfinite(found.centre_loss)


def test_landscape_is_a_grid_centred_on_the_current_loss(data):
    lesson = Lesson(LearningSettings(), data)
    lesson.take_steps(3)
    found = lesson.landscape()
    assert found.losses.shape == (21, 21) and found.alphas[10] == 0 == found.betas[10]
    expected = loss(lesson.params, data.landscape_x, data.landscape_labels)
    assert found.centre_loss == pytest.approx(expected, rel=1e-6)
    assert found.losses[10, 10] == pytest.approx(expected, rel=1e-5)
    assert found.losses.max() > found.centre_loss  # the weights sit in a valley, not on a plateau
    assert list(found.path_steps) == [0, 1, 2, 3]
    np.testing.assert_allclose(found.path[-1], 0, atol=1e-6)  # the current weights are the centre
    assert lesson.landscape() is found  # kept until the next step
    lesson.take_step()
    assert lesson.landscape() is not found


def test_a_point_moved_along_the_directions_projects_to_its_offsets():
    params = initial_parameters(0, hidden_units=32, dtype="float64")
    raw = landscape_module.raw_directions(0, 32)
    first, second = landscape_module.directions(params, raw, "float64")
    recorder = landscape_module.PathRecorder(raw)
    recorder.record(0, params.map(lambda w, a, b: w + 0.3 * a - 0.2 * b, first, second))
    recorder.record(1, params)
    steps, path = recorder.project(params)
    assert list(steps) == [0, 1]
    np.testing.assert_allclose(path, [[0.3, -0.2], [0, 0]], atol=1e-4)
    # filter normalisation: each unit's direction has the norm of that unit's weights, biases do not move
    np.testing.assert_allclose(np.linalg.norm(first.w1, axis=0), np.linalg.norm(params.w1, axis=0), rtol=1e-9)
    assert not first.b1.any()


def test_the_race_starts_three_optimisers_from_the_same_weights_on_the_same_batches(data):
    settings = LearningSettings()
    start = initial_parameters(0)
    curves = optimiser_race(settings, start, data.train_images, data.train_labels, 5,
                            {"sgd": 0.1, "momentum": 0.01, "rmsprop": 1e-3})
    assert list(curves) == ["sgd", "momentum", "rmsprop"]
    assert all(curve.shape == (5,) for curve in curves.values())
    assert curves["sgd"][0] == curves["momentum"][0] == curves["rmsprop"][0]
    assert curves["rmsprop"][-1] < curves["rmsprop"][0]


def test_after_one_epoch_the_page_compares_with_the_seed_presets_first_epoch(mnist):
    from types import SimpleNamespace

    from mnist_core.config import PRESETS
    from mnist_core.text import learning as words
    from mnist_core.training.record import TrainingHistory

    (x_train, y_train), (x_test, y_test) = mnist
    settings = LearningSettings(train_images=256)  # an epoch of 2 steps
    lesson = Lesson(settings, lesson_data(x_train, y_train, x_test, y_test, settings))
    lesson.take_step()
    assert lesson.epoch_accuracy(1) is None
    lesson.take_step()
    assert lesson.epoch_accuracy(1) == lesson.accuracies[2]

    def run(name, config, first):
        return SimpleNamespace(name=name, config=config, history=TrainingHistory(val_accuracy=first))

    runs = [run("Run 1", PRESETS["seed"].replace(epochs=2, seed=3), [0.95, 0.97]),
            run("Run 2", PRESETS["best"], [0.9]), run("Run 3", PRESETS["seed"], [])]
    assert keras_first_epoch(runs) == (0.95, "Run 1")
    assert keras_first_epoch(runs[1:]) is None
    text = words.epoch_comparison(0.962, 0.95, "Run 1")
    assert "96.2%" in text and "95.0%" in text and "+1.2 points" in text
    assert "Train the seed preset" in words.epoch_comparison(0.962, None, None)


def test_the_gradient_norms_are_one_line_each_with_nan_and_inf_as_they_are():
    from mnist_core.text import learning as words

    text = words.norms_text({"w1": 1.23456, "b1": 0.5, "w2": float("nan"), "b2": float("inf")})
    assert text.split("  \n") == [words.NORMS_INTRO, "‖∂L/∂W₁‖ = **1.235**", "‖∂L/∂b₁‖ = **0.5**",
                                  "‖∂L/∂W₂‖ = **NaN**", "‖∂L/∂b₂‖ = **inf**"]
