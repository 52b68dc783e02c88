"""The How-it-learns page in AppTest: it opens with every section, steps lower the loss, the URL
carries seed, example, unit, optimiser and learning rate (bad values get a message and a default),
the gradient check and the landscape appear when asked, a diverging run is shown and Reset works."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from mnist_core.text import learning as words
from tests.apptest import link_opener, url_params

PAGE = "app_pages/learn.py"
SECTIONS = [words.FORWARD_TITLE, words.BACKWARD_TITLE, words.UPDATE_TITLE, words.CHECK_TITLE,
            words.LANDSCAPE_TITLE, words.RACE_TITLE]


@pytest.fixture
def open_page(app_test):
    return link_opener(app_test, PAGE)


def lesson(at: AppTest):
    return at.session_state["learn_lesson"]


def test_the_page_opens_at_step_0_with_every_section_and_its_state_in_the_url(open_page):
    at = open_page()
    assert [header.value for header in at.subheader] == SECTIONS
    assert lesson(at).step == 0
    assert url_params(at) == {"seed": "0", "example": "0", "unit": "0", "optimiser": "rmsprop", "lr": "0.001"}
    assert any("Step 0" in block.value for block in at.markdown)


def test_ten_steps_lower_the_batch_loss_and_reset_starts_again(open_page):
    at = open_page()
    at.button(key="learn_step_1").click().run()
    assert lesson(at).step == 1
    at.button(key="learn_step_10").click().run()
    run = lesson(at)
    assert run.step == 11 and run.losses[-1] < run.losses[0]
    assert not at.exception
    at.button(key="learn_reset").click().run()
    assert lesson(at).step == 0 and lesson(at) is not run


def pictures(at: AppTest) -> list[str]:
    """The page's pictures by content (each is sent inline, as a data: URI of its PNG bytes)."""
    return [image.proto.imgs[0].url for image in at.get("image")]


def history_curves(at: AppTest) -> tuple[list, list]:
    """The loss and accuracy curves of the history chart, as sent to the browser."""
    chart = next(chart for chart in at.get("plotly_chart") if "batch loss" in chart.proto.spec)
    loss, accuracy = json.loads(chart.proto.spec)["data"]
    return loss["y"], accuracy["y"]


def test_a_step_redraws_the_loss_chart_and_every_picture_of_the_next_step(open_page):
    """The steps run in a fragment of the page (a Step click reruns only it): what it draws must
    still follow every step, the chart of losses and the pictures of the batch and the weights."""
    at = open_page()
    at.button(key="learn_step_1").click().run()
    before = pictures(at)
    assert len(before) == 9 and len(set(before)) == 8  # the unit's weights twice: now, and before the update
    assert history_curves(at)[0] == [pytest.approx(lesson(at).losses[0])]
    at.button(key="learn_step_1").click().run()
    losses, accuracies = history_curves(at)
    assert losses == pytest.approx(lesson(at).losses) and len(losses) == 2
    assert accuracies == pytest.approx(lesson(at).accuracies) and len(accuracies) == 3
    assert not set(pictures(at)) & set(before)  # new batch, new weights: every picture is new
    assert any(block.value.startswith("**Step 2 ") for block in at.markdown)
    norms = lesson(at).next_step().backward.gradients.norms()
    assert words.norms_text(norms) in [block.value for block in at.markdown]  # the next step's four norms


def test_a_link_opens_its_seed_example_unit_optimiser_and_rate(open_page):
    at = open_page({"seed": "7", "example": "5", "unit": "300", "optimiser": "momentum", "lr": "0.01"})
    assert not at.warning
    run = lesson(at)
    assert (run.settings.seed, run.settings.optimiser, run.settings.learning_rate) == (7, "momentum", 0.01)
    assert at.number_input(key="learn_example").value == 5
    assert at.number_input(key="learn_unit").value == 300


def test_bad_link_values_get_a_message_and_the_default(open_page):
    at = open_page({"seed": "-3", "example": "999", "unit": "x", "optimiser": "adam", "lr": "1e9"})
    messages = " ".join(warning.value for warning in at.warning)
    for name in ("seed", "example", "unit", "optimiser", "learning rate"):
        assert f"The link's {name}" in messages
    assert url_params(at) == {"seed": "0", "example": "0", "unit": "0", "optimiser": "rmsprop", "lr": "0.001"}


def test_the_gradient_check_and_the_landscape_appear_when_asked(open_page):
    at = open_page()
    at.button(key="learn_check_button").click().run()
    verdict = [block.value for block in at.markdown if "relative error" in block.value]
    assert verdict and "agree" in verdict[0]
    at.button(key="learn_landscape_button").click().run()
    assert any("Loss at the centre" in caption.value for caption in at.caption)
    at.button(key="learn_step_1").click().run()  # both were for the weights before the step
    assert not any("Loss at the centre" in caption.value for caption in at.caption)
    assert not [block.value for block in at.markdown if "relative error" in block.value]


def test_learning_rate_10_diverges_and_says_so(open_page):
    at = open_page({"lr": "10"})
    at.button(key="learn_step_10").click().run()
    assert not at.exception
    assert any("The run diverged" in error.value for error in at.error)
    assert at.button(key="learn_step_1").disabled
    at.button(key="learn_reset").click().run()
    assert not at.error and lesson(at).step == 0


def test_the_race_draws_three_curves_from_the_same_start(open_page):
    at = open_page()
    at.select_slider(key="learn_race_steps").set_value(20)
    race = next(button for button in at.button if button.label == words.RACE_BUTTON)
    race.click().run()
    curves, rates = at.session_state["learn_race"]
    assert list(curves) == ["sgd", "momentum", "rmsprop"] and len(curves["sgd"]) == 20
    assert rates == {"sgd": 0.1, "momentum": 0.01, "rmsprop": 0.001}
    assert curves["sgd"][0] == curves["rmsprop"][0]  # the same start on the same first batch
    assert any(caption.value.startswith("Batch loss of each of the 20 steps") for caption in at.caption)
