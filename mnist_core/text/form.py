"""What the Train form says about a value it cannot use: the field's name, what was typed, and the
range it accepts. No Streamlit; ``mnist_core.training.form`` decides (``FieldProblem``), this words it."""

from __future__ import annotations

from mnist_core.training.form import FieldProblem

FIELD_LABELS = {  # widget key -> the label on the form
    "train_epochs": "Epochs",
    "train_learning_rate": "Learning rate",
    "train_size": "Training images",
    "train_seed": "Seed",
}
FIX_AND_RETRY = "Nothing was started: change the settings above and press Start training again."


def whole_number_range(low: int, high: int) -> str:
    return f"a whole number from {low:,} to {high:,}"


def positive_number_range(high: float) -> str:
    return f"a number above 0 and at most {high:g} (e.g. 0.001)"


def unreadable(key: str, typed: str, allowed: str) -> str:
    """'Epochs: "abc" is not a number. Use a whole number from 1 to 200.'"""
    shown = typed.strip()
    what = f"“{shown}” is not a number" if shown else "it is empty"
    return f"**{FIELD_LABELS[key]}**: {what}. Use {allowed}."


def out_of_range(key: str, typed: str, allowed: str) -> str:
    """'Epochs: 99999 is out of range. Use a whole number from 1 to 200.'"""
    return f"**{FIELD_LABELS[key]}**: {typed.strip()} is out of range. Use {allowed}."


def not_whole(key: str, typed: str, allowed: str) -> str:
    return f"**{FIELD_LABELS[key]}**: {typed.strip()} is not a whole number. Use {allowed}."


def problem_text(problem: FieldProblem) -> str:
    """One ``FieldProblem`` in words: the field, what was typed and the range it accepts."""
    if problem.whole:
        allowed = whole_number_range(int(problem.low), int(problem.high))
    else:
        allowed = positive_number_range(problem.high)
    words = {"unreadable": unreadable, "not_whole": not_whole, "out_of_range": out_of_range}[problem.kind]
    return words(problem.key, problem.typed, allowed)


def form_problems_text(problems: list[FieldProblem]) -> str:
    """The one message shown above the form when Start found problems: one line per field."""
    problems = [problem_text(problem) for problem in problems]
    count = "" if len(problems) == 1 else f" ({len(problems)} problems)"
    head = f"**This run cannot start{count}:**"
    return head + "\n" + "\n".join(f"- {problem}" for problem in problems) + f"\n\n{FIX_AND_RETRY}"
