"""What the "Your digits" page and ``python -m mnist_core evaluate|finetune`` say, without Streamlit.

Every message about a personal digit set (import failures, privacy, prompts, scores) is here, so
the tests check the page and the command line against the same words. Plain values only in,
strings out: nothing here imports the digits package.
"""

from __future__ import annotations


def privacy(keep_minutes: float) -> str:
    """Where the set lives; ``keep_minutes``: how long the server keeps a closed page's session."""
    return (
        "Your digits live in this browser session only (in the server's memory, for your browser "
        f"alone: a reload brings them back, and they are dropped {keep_minutes:g} minutes after you "
        "close the page) and in the files you download. Nothing is written to the server's disk: "
        "export them to keep them."
    )


EMPTY_SET = "No digits yet: draw some below, or import a set you exported before."
PROMPTED_HELP = (
    "Draw the digit asked for, then press **Keep** (or the key **Enter**). The prompts go 0 to 9, "
    "then again, until you have as many of each as you chose."
)
FREE_HELP = "Choose the digit's label, draw it, then press **Keep**."
KEYS_HELP = "Select a digit in the grid, then type its right label with the keys 0–9, or delete it."
BLANK_DRAWING = "The square is empty: draw the digit first, then keep it."
HELD_OUT_NOTE = (
    "The held-out digits are never trained on: they measure the model before and after, as a test "
    "set does. The rest, mixed with MNIST training images so the network does not forget MNIST, "
    "is what it is tuned on."
)


def prompt(digit: int) -> str:
    """'Draw a 3'."""
    return f"Draw a {digit}"


def prompt_progress(done: int, total: int) -> str:
    """'7 of 20 kept'."""
    return f"{done} of {total} kept"


def set_full(limit: int) -> str:
    return (f"The set holds {limit:,} digits, its limit: delete some (or export it and start a new one) "
            "to add more.")


def kept(digit: int, count: int) -> str:
    return f"Kept as a {digit}; the set now has {count:,} digit{'s' if count != 1 else ''}."


# --- import: one message per way a file can be wrong -----------------------------------------


def file_too_large(size: int, limit: int) -> str:
    return (f"The file is {size / 1e6:.1f} MB; a set of at most the allowed number of digits is under "
            f"{limit / 1e6:.0f} MB. Is it the right file?")


def not_npz(detail: str) -> str:
    return ("This is not an .npz file (a zip of NumPy arrays, as Export writes and Keras' mnist.npz is): "
            f"{detail}.")


PICKLE_FILE = (
    "This file is a Python pickle. Pickles can run code when read, so they are never opened: export "
    "the set as .npz (numpy.savez with plain arrays) instead."
)
TRUNCATED = (
    "The file is truncated or damaged (its zip directory or an array's data is incomplete). "
    "Download or copy it again."
)


def missing_keys(found: list[str], required: tuple[str, ...]) -> str:
    listed = ", ".join(found) if found else "none"
    return (f"The file needs the arrays {' and '.join(required)} (Keras' MNIST layout); it has {listed}.")


def unexpected_keys(extra: list[str], allowed: tuple[str, ...]) -> str:
    return (f"The file has arrays this app does not read: {', '.join(extra)}. A set holds only "
            f"{', '.join(allowed)}.")


def pickled_array(key: str) -> str:
    return (f"{key} holds Python objects (a pickled array), which could run code when read, so it "
            "is refused. Save plain uint8 arrays.")


def wrong_dtype(key: str, dtype: str) -> str:
    kind = "floats" if dtype.startswith("float") else dtype
    what = "pixels 0–255" if key == "x_test" else "digits 0–9"
    return f"{key} must hold uint8 {what}, as MNIST does; it holds {kind} ({dtype})."


def wrong_image_shape(shape: tuple) -> str:
    return f"x_test must be shaped (N, 28, 28), N digits of 28×28 pixels; it is {shape}."


def wrong_label_shape(shape: tuple) -> str:
    return f"y_test must be shaped (N,), one label per digit; it is {shape}."


def count_mismatch(images: int, labels: int) -> str:
    return f"x_test has {images:,} digits but y_test has {labels:,} labels: each digit needs exactly one."


def too_many(count: int, limit: int) -> str:
    return f"The file holds {count:,} digits; a set holds at most {limit:,}."


def too_many_together(have: int, incoming: int, limit: int) -> str:
    return (f"Your set has {have:,} digits and the file {incoming:,}: together more than the {limit:,} a set "
            "holds. Delete some, or export yours and start afresh.")


NO_DIGITS = "The file holds no digits (x_test is empty)."


def bad_label(value: int, position: int) -> str:
    return f"Labels must be digits 0–9; y_test[{position}] is {value}."


def thumbnails_mismatch(shape: tuple, expected: tuple) -> str:
    return f"originals must be shaped {expected}, one small picture per digit; it is {shape}."


def import_failed(name: str, reason: str) -> str:
    """The one message shown for a refused import; the set is unchanged."""
    return f"**{name} was not imported; your set is unchanged.** {reason}"


def imported(count: int, total: int) -> str:
    return f"Imported {count:,} digits; the set now has {total:,}."


# --- scores ----------------------------------------------------------------------------------


def accuracy_line(name: str, correct: int, count: int) -> str:
    """'accuracy 0.9000 (18 of 20)' as the command line prints it."""
    share = correct / count if count else float("nan")
    return f"{name}: accuracy {share:.4f} ({correct} of {count})"


def class_line(digit: int, correct: int, count: int) -> str:
    """One digit's line: '  3: 0.8000 (4 of 5)', or '  3: no digits'."""
    if not count:
        return f"  {digit}: no digits"
    return f"  {digit}: {correct / count:.4f} ({correct} of {count})"


def change_points(before: float, after: float) -> str:
    """'+12.0 points' / '-0.1 points'."""
    return f"{(after - before) * 100:+.1f} points"


def before_after_line(name: str, before: float | None, after: float | None) -> str:
    """'held-out digits (10): 0.7700 -> 0.9360 (+16.6 points)' as the command line prints it."""
    if before is None or after is None:
        return f"{name}: none held out"
    return f"{name}: {before:.4f} -> {after:.4f} ({change_points(before, after)})"


def finetune_lines(report: dict) -> list[str]:
    """What ``finetune`` prints after tuning (``FinetuneReport.to_dict()``)."""
    return [
        f"Tuned {report['base_name']} on {report['tune_count']} of your digits, mixed with "
        f"{report['mnist_images']:,} MNIST training images an epoch ({report['seconds']:.1f} s).",
        before_after_line(f"Held-out digits ({report['held_count']})", report["held_before"],
                          report["held_after"]),
        before_after_line("MNIST test (10,000)", report["mnist_before"], report["mnist_after"]),
    ]


INTRO = (
    "MNIST's digits were written by about 250 people, census staff and students. Yours come from "
    "somewhere else. Build a test set from your own handwriting, see how the network scores on it "
    "beside MNIST's test set, and fine-tune it on your digits."
)
FINETUNE_INTRO = (
    "Fine-tuning starts from the chosen model and trains it a little more, at a low learning rate, on "
    "your digits (each shown many times, randomly shifted, rotated and zoomed, as the shipped model was "
    "trained) mixed with MNIST training images, so that it learns your writing without forgetting "
    "MNIST. It runs in the same training queue as Train and becomes a run like any other: Draw, "
    "Predictions and Inside the network can use it, and it can be downloaded."
)


def too_few_to_tune(count: int, needed: int) -> str:
    return (f"Fine-tuning needs at least {needed} digits to tune on besides the held-out ones; you have "
            f"{count}. Collect a few of each digit first.")


def split_line(tune: int, held: int) -> str:
    return (f"**{tune}** of your digits to tune on, **{held}** held out (a fifth of each digit, shown "
            "below), never trained on.")


def tuned_run_name(run_name: str, base_name: str) -> str:
    return f"{run_name} (tuned from {base_name})"


WRONG_LABEL = "Wrong? Tell it the right digit"
WRONG_HELP = (
    "Press the right digit: the drawing joins your own test set (Your digits, this session only), "
    "where you can score any model on it and fine-tune one."
)


BREAK_HELP = (
    "Opens this digit in Break it as “My drawing” (it replaces the drawing Draw left there): move, "
    "turn, thin or attack it and watch the answers change."
)
CANNOT_TUNE = (
    "This model cannot be fine-tuned here: the fine-tune continues a dense network's training, and this "
    "one is not dense (or its file is missing). Its scores above still hold; choose a dense model to tune."
)
