"""AppTest of the Your digits page: collecting (prompted and free), the set's grid with relabel and
delete, scores beside MNIST's equal to the command line's, export/import, and a fine-tune as a run.

Drawings are injected as the canvas' session-state value (tests/test_app_draw.py explains it).
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from mnist_core import DigitFileError
from mnist_core.data.synthetic import drawn_canvas
from mnist_core.digits.collection import DigitSet
from mnist_core.digits.files import from_npz, import_into, to_npz
from mnist_core.digits.scoring import score, set_report
from mnist_core.serving.model_files import DEFAULT_MODEL_PATH, load_default_network
from mnist_core.text import digits as text
from mnist_core.text.format import percent
from mnist_core.training.keeper import KEEP_SECONDS
from mnist_core.training.tuning import split_held_out
from tests.test_app_draw import canvas_value

PAGE = "app_pages/mine.py"
CANVAS = "mine_canvas"


@pytest.fixture(scope="module")
def examples(mnist) -> dict[int, np.ndarray]:
    """One MNIST test image per digit."""
    (_, _), (x_test, y_test) = mnist
    return {digit: x_test[int(np.flatnonzero(y_test == digit)[0])] for digit in range(10)}


def draw(at, image: np.ndarray, seed: int = 0) -> None:
    at.session_state[CANVAS] = canvas_value(drawn_canvas(image, np.random.default_rng(seed), "opaque"))
    at.run()


def digits_of(at) -> DigitSet:
    return at.session_state["my_digits"]


def test_first_load_says_where_the_digits_live_and_prompts_a_0(app_test):
    at = app_test(PAGE)
    assert at.title[0].value == "Your digits"
    assert any(text.privacy(KEEP_SECONDS / 60) in info.value for info in at.info)
    assert "## Draw a 0" in [markdown.value for markdown in at.markdown]
    keep = at.button(key="mine_keep")
    assert keep.label == "Keep as 0" and keep.disabled  # nothing drawn yet


def test_prompted_mode_keeps_each_drawing_with_the_prompted_label_in_one_click(app_test, examples):
    """A session eight prompts into a round of one of each (0-7 kept) draws the last two, starts
    another round and draws its first two. The whole order of the prompts is test_digits'
    test_prompted_mode_cycles_0_to_9_n_of_each (``prompt_digit``); here the page's wiring: the
    prompt, Keep with its label, the round's end and the next round."""
    kept = DigitSet.from_arrays(np.stack([examples[digit] for digit in range(8)]),
                                np.arange(8, dtype=np.uint8))
    at = app_test(PAGE, session_state={"my_digits": kept, "mine_prompt_position": 8})
    at.number_input(key="mine_per_digit").set_value(1).run()
    for position in range(8, 12):
        expected = position % 10
        if position == 10:
            assert "Round complete" in at.success[0].value
            at.button(key="mine_round").click().run()
        assert at.button(key="mine_keep").label == f"Keep as {expected}"
        draw(at, examples[expected], seed=position)
        at.button(key="mine_keep").click().run()
        assert not at.exception
    digits = digits_of(at)
    assert digits.labels.tolist() == [*range(10), 0, 1]
    assert digits.images.dtype == np.uint8 and digits.images.shape == (12, 28, 28)
    assert at.session_state[CANVAS]["drawing"]["data"] is None  # the canvas was cleared for the next


def test_free_mode_keeps_the_chosen_label(app_test, examples):
    at = app_test(PAGE)
    at.segmented_control(key="mine_mode").set_value("Free").run()
    at.segmented_control(key="mine_free_label").set_value(7).run()
    draw(at, examples[1])
    at.button(key="mine_keep").click().run()
    assert digits_of(at).labels.tolist() == [7]  # the label chosen, whatever was drawn


@pytest.fixture(scope="module")
def set_file(mnist) -> tuple[DigitSet, bytes]:
    (_, _), (x_test, y_test) = mnist
    digits = DigitSet.from_arrays(x_test[300:340], y_test[300:340])
    return digits, to_npz(digits)


def with_set(app_test, digits: DigitSet):
    return app_test(PAGE, session_state={"my_digits": digits})


def test_relabel_with_a_digit_key_and_delete(app_test, set_file):
    digits, _ = set_file
    at = with_set(app_test, digits)
    at.number_input(key="mine_selected").set_value(3).run()
    assert at.button(key="mine_label_5").proto.shortcut == "5"  # typed with the key 5
    at.button(key="mine_label_5").click().run()
    assert digits_of(at).labels[3] == 5
    at.button(key="mine_delete").click().run()
    assert len(digits_of(at)) == 39
    np.testing.assert_array_equal(digits_of(at).images[3], digits.images[4])


def test_scores_equal_the_command_lines_for_the_same_files(app_test, set_file, tmp_path, capsys):
    from mnist_core.__main__ import main as cli

    digits, data = set_file
    path = tmp_path / "set.npz"
    path.write_bytes(data)
    assert cli(["evaluate", "--model", str(DEFAULT_MODEL_PATH), "--digits", str(path)]) == 0
    printed = capsys.readouterr().out
    at = with_set(app_test, from_npz(path.read_bytes()))
    shown = {metric.label: metric.value for metric in at.metric}
    result = score(load_default_network()[0], digits_of(at))
    assert set_report("set.npz", result) == printed.splitlines()[1:]  # the page's figures are the CLI's
    assert shown["Your digits"] == percent(result.accuracy)
    overall = float(printed.splitlines()[1].split("accuracy ")[1].split()[0])
    assert shown["Your digits"] == percent(overall)


def test_export_is_offered_and_import_adds_a_set_or_refuses_a_bad_file_keeping_the_set(app_test, set_file):
    """AppTest cannot upload a file: the page's import is ``import_into`` (the set is a value, so a
    refused file leaves it as it was); the uploader itself is driven in the browser test."""
    digits, data = set_file
    at = with_set(app_test, digits.subset(np.arange(5)))
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Export (.npz)" in labels and "Contact sheet (.png)" in labels
    before = digits_of(at)
    merged = import_into(before, data)
    assert len(merged) == 45 and merged.images[5:].tobytes() == digits.images.tobytes()
    with pytest.raises(DigitFileError):
        import_into(before, data[:100])
    assert len(before) == 5
    big = DigitSet(np.zeros((4990, 28, 28), np.uint8), np.zeros(4990, np.uint8),
                   np.zeros((4990, 40, 40), np.uint8))
    with pytest.raises(DigitFileError, match="together more than the 5,000"):
        import_into(big, data)


def test_a_finetune_becomes_a_run_with_its_before_and_after(app_test, set_file, instant_training):
    import time

    digits, _ = set_file
    at = with_set(app_test, digits)
    button = at.button(key="mine_finetune")
    assert button.label == "Fine-tune Default model (shipped) on your digits"
    button.click().run()
    run_id = at.session_state["mine_finetune_run"]
    deadline = time.monotonic() + 120
    while not at.session_state["runs"][run_id].finished and time.monotonic() < deadline:
        time.sleep(0.5)
        at.run()
    run = at.session_state["runs"][run_id]
    assert run.finished and run.status == "completed", run.ending
    assert run.name == "Run 1 (tuned from Default model (shipped))"
    held = len(split_held_out(digits.labels)[1])
    assert run.report["tune_count"] + run.report["held_count"] == 40 and run.report["held_count"] == held
    at.run()
    labels = [metric.label for metric in at.metric]
    assert f"Held-out digits ({held})" in labels and "MNIST test (10,000)" in labels
    assert at.session_state["active_run"] == run_id  # like any completed run: Draw, Predictions use it
    assert io.BytesIO(run.keras_bytes).getvalue()[:2] == b"PK"


def test_draw_adds_a_misread_drawing_with_the_right_digit(app_test, examples):
    at = app_test("app_pages/draw.py")
    drawing = drawn_canvas(examples[3], np.random.default_rng(1), "opaque")
    at.session_state["draw_canvas"] = canvas_value(drawing)
    at.run()
    assert at.button(key="draw_right_3").disabled  # the digit it read is not offered as a correction
    at.button(key="draw_right_5").click().run()
    assert not at.exception
    digits = digits_of(at)
    assert digits.labels.tolist() == [5] and digits.images.shape == (1, 28, 28)
    assert any(text.kept(5, 1) in success.value for success in at.success)
    assert at.session_state["draw_canvas"]["drawing"]["data"] is not None  # the drawing stays on Draw


def test_a_mistake_opens_in_break_it_as_the_drawing(app_test, mnist):
    from ui.session import DRAWN_INPUT_KEY

    (_, _), (x_test, y_test) = mnist
    wrong = DigitSet.from_arrays(x_test[:3], (y_test[:3] + 1) % 10)  # every label wrong
    at = with_set(app_test, wrong)
    at.selectbox(key="mine_break_pick").set_value(2).run()
    at.button(key="mine_break").click().run()
    assert not at.exception
    np.testing.assert_allclose(at.session_state[DRAWN_INPUT_KEY], x_test[2] / 255, atol=1e-6)
    assert at.query_params.get("input") in ("drawing", ["drawing"])


def test_the_lessons_shipped_network_is_scored_with_its_own_mnist_accuracy(app_test, set_file, mnist):
    from mnist_core.config import MODELS_DIR
    from mnist_core.serving.evaluation import evaluate
    from mnist_core.serving.model_files import load_network

    digits, _ = set_file
    at = with_set(app_test, digits)
    choice = at.selectbox(key="mine_model")
    assert "Lesson's dense network (shipped)" in choice.options, choice.options
    choice.set_value("shipped:seed").run()
    assert not at.exception
    (_, _), (x_test, y_test) = mnist
    seed = load_network(MODELS_DIR / "seed.keras")[0]
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown["MNIST test"] == percent(evaluate(seed, x_test, y_test).accuracy)
    assert shown["Your digits"] == percent(score(seed, digits).accuracy)
    assert not at.button(key="mine_finetune").disabled  # a dense network: it can be tuned
