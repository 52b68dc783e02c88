"""What the Inside-the-network page says, as plain strings: how it counts active units and why it
ignored a link's parameter. No Streamlit."""

from __future__ import annotations

from mnist_core.inspection.selection import LinkNote
from mnist_core.text.format import markdown_table

_RANGES = {"test": "a test image index", "layer": "the hidden layer", "compare": "the digit to compare with"}


def active_rule_text(activation: str) -> str:
    """How a layer's active units are counted: 'on (ReLU > 0)', 'above 0.5' (sigmoid), 'above 0'."""
    if activation == "sigmoid":
        return "above 0.5"
    return "on (ReLU > 0)" if activation == "relu" else "above 0"


def link_note_text(note: LinkNote) -> str:
    """One ``LinkNote`` in words (Markdown): what was ignored, and what to use."""
    if note.kind == "unknown_input":
        return (f"`input={note.value}` is unknown (use `input=drawing` or `test=<index>`): showing a test "
                "image instead.")
    if note.kind == "no_drawing":
        return ("There is no drawing in this session yet (a drawing is never shared): draw a digit "
                "on the Draw page. Showing a test image instead.")
    what = f"a unit of hidden layer {note.layer}" if note.what == "unit" else _RANGES[note.what]
    problem = "is not a whole number" if note.kind == "not_whole" else "is out of range"
    return (f"`{note.name}={note.value}` {problem} ({what} must be {note.low}–{note.high}): showing the "
            "default instead.")


def pushing_units_table(rows: list[tuple[int, float, float]]) -> str:
    """The units pushing a class score up, [(unit, activation, part)], as a Markdown table: the
    activation to 3 decimals, the part signed; a sentence when no unit pushes it up."""
    if not rows:
        return "No unit of this layer pushes it up for this input."
    return markdown_table([{"unit": unit, "activation": f"{activation:.3f}", "part": f"{part:+.3f}"}
                           for unit, activation, part in rows], right_aligned=("activation", "part"))
