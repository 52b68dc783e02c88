"""The Inside-the-network page in AppTest: the URL state (good and bad links), the input
choices, every section present, and no Keras in the serving process."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from mnist_core.text.runs import RUN_DOES_NOT_TRAVEL
from tests.apptest import data_url_pixels, image_urls, link_opener, url_params
from ui.session import ACTIVE_KEY, DRAWN_INPUT_KEY, RUNS_KEY, Run

PAGE = "app_pages/network.py"
SECTIONS = ["Activations, one square per unit", "Where it sits among the 10,000 test digits",
            "Watch the templates form"]


@pytest.fixture
def open_page(app_test):
    return link_opener(app_test, PAGE)


def subheaders(at: AppTest) -> list[str]:
    return [header.value for header in at.subheader]


def test_a_shared_link_opens_the_same_digit_and_unit(open_page):
    at = open_page({"test": "1234", "unit": "37"})
    assert not at.warning
    assert "Unit 37 of hidden layer 1" in subheaders(at)
    assert all(section in subheaders(at) for section in SECTIONS)
    assert any("true digit **8**" in block.value for block in at.markdown)  # test image 1234 is an 8
    assert at.number_input(key="network_test_index").value == 1234
    shared = {"model": "default", "test": "1234", "layer": "1", "unit": "37", "vs": url_params(at)["vs"]}
    assert url_params(at) == shared
    assert any(caption.value.startswith("Pixels ") and "biases" in caption.value for caption in at.caption)
    tables = [block.value for block in at.markdown if block.value.startswith("| unit | activation | part |")]
    assert len(tables) == 2  # the units pushing toward the predicted digit and toward the other one
    for table in tables:
        rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
        parts = [float(part) for _, _, part in rows]
        assert 0 < len(rows) <= 8 and parts == sorted(parts, reverse=True) and min(parts) > 0


# Each bad value's note and fallback is tests/test_inspection.py's test_parse_selection (and
# test_link_notes_in_words): here the page's wiring, once per thing it passes to the parser: the
# test set's size, its network's layer sizes, and whether this session has a drawing.
@pytest.mark.parametrize("query, words, expected", [
    ({"test": "10000", "unit": "5"}, "`test=10000` is out of range", {"test": "0", "unit": "5"}),
    ({"test": "3", "unit": "99999"}, "`unit=99999` is out of range", {"test": "3"}),
    ({"input": "drawing"}, "no drawing in this session", {"test": "0"}),
], ids=["test out of range", "unit out of range", "drawing link, no drawing"])
def test_bad_link_gets_a_note_and_the_default(open_page, query, words, expected):
    at = open_page(query)
    assert any(words in warning.value for warning in at.warning), [warning.value for warning in at.warning]
    assert all(section in subheaders(at) for section in SECTIONS)
    shown = url_params(at)
    assert {name: shown[name] for name in expected} == expected  # the URL now says what is shown
    assert "input" not in shown
    assert len(at.warning) == 1 and at.warning[0].value.count("instead") == 1  # one clear sentence


def test_a_link_carries_the_model_and_a_run_does_not_travel(open_page, rng):
    """The URL names the model shown; a recipient without that run is told and sees the shipped one."""
    at = open_page({"test": "3"})
    assert url_params(at)["model"] == "default"
    at = open_page({"model": "run-0123456789ab", "test": "3", "unit": "5"})
    assert [warning.value for warning in at.warning] == [RUN_DOES_NOT_TRAVEL]
    assert any(caption.value.startswith("Default model (shipped)") for caption in at.caption)
    assert url_params(at)["model"] == "default" and url_params(at)["unit"] == "5"
    run = small_run(rng)  # the sender's own session: the run is there, and a link can still name the default
    state = {RUNS_KEY: {run.id: run}, ACTIVE_KEY: run.id}
    at = open_page({"model": run.id, "test": "3"}, state)
    assert not at.warning and any("784 pixels → 64 → 32 → 10" in caption.value for caption in at.caption)
    at = open_page({"model": "default", "test": "3"}, state)
    assert not at.warning
    assert any(caption.value.startswith("Default model (shipped)") for caption in at.caption)


def test_the_drawn_digit_is_looked_inside(open_page, mnist):
    drawn = mnist[1][0][0] / 255.0  # a 7, as the Draw page would leave it
    at = open_page({"input": "drawing"}, {DRAWN_INPUT_KEY: drawn})
    assert not at.warning
    assert url_params(at)["input"] == "drawing" and "test" not in url_params(at)
    assert any("reads **7**" in block.value for block in at.markdown)
    assert "Why a 7? Each class score, pixel by pixel" in subheaders(at)


def test_the_index_box_selects_nothing_while_the_drawing_is_shown(open_page, mnist):
    """With the drawing shown the index box is empty, and a button (or a typed index) goes back."""
    drawn = mnist[1][0][0] / 255.0
    at = open_page({"test": "17"}, {DRAWN_INPUT_KEY: drawn})
    assert at.number_input(key="network_test_index").value == 17
    at.button(key="network_drawing").click().run()
    assert url_params(at)["input"] == "drawing"
    box = at.number_input(key="network_test_index")
    assert box.value is None and "your drawing is shown" in box.proto.placeholder
    [url] = image_urls(at, "Your drawing (28×28)")
    assert np.array_equal(data_url_pixels(url), (np.kron(drawn, np.ones((6, 6))) * 255).astype(np.uint8))
    assert not at.button(key="network_back").disabled and "#17" in at.button(key="network_back").help
    at.button(key="network_back").click().run()
    assert url_params(at)["test"] == "17" and "input" not in url_params(at)
    assert at.number_input(key="network_test_index").value == 17
    assert any("true digit" in block.value for block in at.markdown)
    at.button(key="network_drawing").click().run()
    at.number_input(key="network_test_index").set_value(42).run()  # typing an index leaves the drawing
    assert url_params(at)["test"] == "42" and at.number_input(key="network_test_index").value == 42


class _PickedRng:
    """Stands in for ``np.random.default_rng()`` (no seed): its ``integers`` picks test image 4321."""

    def integers(self, high):
        assert high == 10_000  # drawn from the whole test set
        return 4321


def test_number_random_and_compare_widgets_update_the_url(open_page, monkeypatch):
    at = open_page({"test": "0"})
    at.number_input(key="network_test_index").set_value(42).run()
    assert url_params(at)["test"] == "42"
    unseeded, seeded = _PickedRng(), np.random.default_rng
    with monkeypatch.context() as patch:
        patch.setattr(np.random, "default_rng",
                      lambda *args, **kw: seeded(*args, **kw) if args or kw else unseeded)
        at.button(key="network_random").click().run()
    assert not at.exception
    assert url_params(at)["test"] == "4321" and at.number_input(key="network_test_index").value == 4321
    options = [option for option in at.selectbox(key="network_compare").options]
    at.selectbox(key="network_compare").set_value(int(options[0])).run()
    assert url_params(at)["vs"] == options[0]


@pytest.mark.xdist_group("fresh_process")
def test_the_page_never_imports_keras(pages_in_a_fresh_process):
    """The serving process stays free of TensorFlow on this page (DenseNetwork only): in a new
    Python that opened the pages before it and then this one, none of them is loaded."""
    assert pages_in_a_fresh_process["loaded"][PAGE] == []


def small_run(rng) -> Run:
    """A finished run of this session with a 784-64-32-10 network and three recorded epochs."""
    from mnist_core import DenseNetwork, JobStatus, ModelConfig, TrainingHistory

    widths = [784, 64, 32, 10]
    layers = [(rng.normal(0, 0.05, (a, b)), np.zeros(b), "relu")
              for a, b in zip(widths, widths[1:], strict=False)]
    network = DenseNetwork.from_arrays([*layers[:-1], (*layers[-1][:2], "softmax")])
    history = TrainingHistory(batch_step=[1, 2, 3], epoch=[1, 2, 3])
    for epoch in range(4):
        history.templates.add(epoch, network.kernels[0] * (1 + epoch))
    return Run(id="run-small", name="Small run", config=ModelConfig(hidden_units=(64, 32), epochs=3),
               history=history, status=JobStatus.COMPLETED, network=network)


def test_a_session_run_with_templates_and_fewer_units(open_page, rng):
    """A link's unit that the active run does not have falls back; the run's templates are shown."""
    run = small_run(rng)
    state = {RUNS_KEY: {run.id: run}, ACTIVE_KEY: run.id}
    at = open_page({"test": "5", "layer": "2", "unit": "300"}, state)
    notes = [warning.value for warning in at.warning]
    expected = "`unit=300` is out of range (a unit of hidden layer 2 must be 0–31): showing the default"
    assert any(expected in note for note in notes), notes
    assert url_params(at)["layer"] == "2" and int(url_params(at)["unit"]) < 32
    assert any("784 pixels → 64 → 32 → 10" in caption.value for caption in at.caption)
    assert any("16 fixed first-layer units" in caption.value for caption in at.caption)
    assert not at.info  # the templates are there, no "did not record" note
    at.toggle(key="network_template_change").set_value(True).run()
    assert not at.exception


def test_the_keyboard_reaches_what_a_click_on_a_chart_does(open_page):
    """A unit by its layer and number, a top image from a box: the same as clicking them."""
    at = open_page({"test": "3", "unit": "5"})
    at.number_input(key="network_pick_unit").set_value(105).run()
    assert "Unit 105 of hidden layer 1" in subheaders(at) and url_params(at)["unit"] == "105"
    at.selectbox(key="network_pick_layer").set_value(2).run()
    assert url_params(at)["layer"] == "2"
    assert any(header.endswith("of hidden layer 2") for header in subheaders(at))
    top = at.selectbox(key="network_pick_top").options[0]
    at.selectbox(key="network_pick_top").set_value(int(top.removeprefix("Test image #"))).run()
    assert url_params(at)["test"] == top.removeprefix("Test image #")


def chart_specs(at: AppTest) -> list[dict]:
    """Every Plotly chart of the page, its figure as the browser receives it, in page order."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_figures_shared_between_sessions_follow_the_unit(open_page):
    """The figures are built once per input and shared (ui/network_views.py): two sessions on one
    link get the same figures, and another unit gets its own outline and weights, not a neighbour's."""
    first, second = open_page({"test": "1234", "unit": "37"}), open_page({"test": "1234", "unit": "37"})
    other = open_page({"test": "1234", "unit": "38"})
    assert chart_specs(first) == chart_specs(second)
    columns = 32  # layer 1's 512 units in 16 rows of 32: unit 37 is row 1, column 5
    for at, unit in ((first, 37), (other, 38)):
        [outline] = chart_specs(at)[0]["layout"]["shapes"]
        assert (outline["x0"], outline["y0"]) == (unit % columns - 0.5, unit // columns - 0.5)
    assert chart_specs(first)[2]["data"] != chart_specs(other)[2]["data"]  # the unit's incoming weights
    assert chart_specs(first)[-1] == chart_specs(other)[-1]  # the map: the same input, the same star
