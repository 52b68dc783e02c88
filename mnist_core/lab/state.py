"""What the Break-it page shows, as URL query parameters and back (no Streamlit).

``parse_params`` never raises on user input: every unusable value gets a note (Markdown) saying
what was wrong and which default is shown instead. ``to_params`` writes only what differs from
the defaults, so a plain link stays plain: ``/lab?test=42&dx=4&rot=-15``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from mnist_core.lab import transforms
from mnist_core.lab.transforms import Edits
from mnist_core.text.lab import NO_DRAWING, bad_value

SOURCES = ("test", "drawing")
MAX_EPSILON = 0.3
MAX_BUDGET = 0.3
DEFAULT_BUDGET = 0.2
DEFAULT_EPSILON = 0.1


@dataclass(frozen=True)
class LabState:
    """The input (a test digit by index, or the session's drawing), the edits, FGSM's ε, and the
    targeted attack's digit (None: not chosen) and L-infinity budget."""

    source: str = "test"
    test: int = 0
    edits: Edits = field(default_factory=Edits)
    epsilon: float = DEFAULT_EPSILON
    target: int | None = None
    budget: float = DEFAULT_BUDGET

    def with_edits(self, **changes) -> LabState:
        return replace(self, edits=replace(self.edits, **changes))


# URL name -> (Edits field, kind, low, high)
EDIT_PARAMS = {
    "dx": ("shift_x", int, -transforms.MAX_SHIFT, transforms.MAX_SHIFT),
    "dy": ("shift_y", int, -transforms.MAX_SHIFT, transforms.MAX_SHIFT),
    "rot": ("rotation", int, -transforms.MAX_ROTATION, transforms.MAX_ROTATION),
    "scale": ("scale", float, *transforms.SCALE_RANGE),
    "stroke": ("stroke", int, -transforms.MAX_STROKE, transforms.MAX_STROKE),
    "noise": ("noise", float, 0.0, transforms.MAX_NOISE),
    "row": ("erase_row", int, 0, 27),
    "col": ("erase_column", int, 0, 27),
}


def parse_params(params, test_count: int, has_drawing: bool) -> tuple[LabState, list[str]]:
    """A ``LabState`` from query parameters (a mapping of str to str) and notes on every value
    that was ignored."""
    notes: list[str] = []
    source = params.get("input", "test")
    if source not in SOURCES:
        notes.append(bad_value("input", source, "`test` or `drawing`", "test"))
        source = "test"
    if source == "drawing" and not has_drawing:
        notes.append(NO_DRAWING)
        source = "test"
    test = _number(params, "test", int, 0, test_count - 1, 0, notes, "a test digit's index")
    defaults = Edits()
    edits = {}
    for name, (attribute, kind, low, high) in EDIT_PARAMS.items():
        edits[attribute] = _number(params, name, kind, low, high, getattr(defaults, attribute), notes)
    erase = params.get("erase", "none")
    if erase not in transforms.ERASE_KINDS:
        notes.append(bad_value("erase", erase, "`none`, `band` or `box`", "none"))
        erase = "none"
    invert = params.get("invert", "0")
    if invert not in ("0", "1"):
        notes.append(bad_value("invert", invert, "`0` or `1`", "0"))
        invert = "0"
    epsilon = _number(params, "eps", float, 0.0, MAX_EPSILON, DEFAULT_EPSILON, notes)
    target = _number(params, "target", int, 0, 9, None, notes, "a digit 0–9")
    budget = _number(params, "budget", float, 0.0, MAX_BUDGET, DEFAULT_BUDGET, notes)
    state = LabState(source, test, Edits(**edits, erase=erase, invert=invert == "1"), epsilon, target, budget)
    return state, notes


def to_params(state: LabState) -> dict[str, str]:
    """The query parameters that reproduce ``state`` (defaults left out)."""
    params: dict[str, str] = {}
    if state.source == "drawing":
        params["input"] = "drawing"
    else:
        params["test"] = str(state.test)
    defaults = Edits()
    for name, (attribute, kind, _, _) in EDIT_PARAMS.items():
        value = getattr(state.edits, attribute)
        if value != getattr(defaults, attribute):
            params[name] = str(int(value)) if kind is int else f"{value:g}"
    if state.edits.erase != "none":
        params["erase"] = state.edits.erase
    if state.edits.invert:
        params["invert"] = "1"
    if state.epsilon != DEFAULT_EPSILON:
        params["eps"] = f"{state.epsilon:g}"
    if state.target is not None:
        params["target"] = str(state.target)
    if state.budget != DEFAULT_BUDGET:
        params["budget"] = f"{state.budget:g}"
    return params


def _number(params, name, kind, low, high, default, notes, what=None):
    """``params[name]`` as ``kind`` within [low, high], else ``default`` and a note."""
    text = params.get(name)
    if text is None:
        return default
    allowed = what or (
        f"a whole number from {low} to {high}" if kind is int else f"a number from {low:g} to {high:g}"
    )
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high or (kind is int and value != int(value)):
        shown = "none" if default is None else default
        notes.append(bad_value(name, text, f"{allowed} ({low} to {high})" if what else allowed, shown))
        return default
    return int(value) if kind is int else float(value)
