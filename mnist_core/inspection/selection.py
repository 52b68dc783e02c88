"""What the Inside-the-network page looks at, as a shareable link: the input, the hidden layer, the
unit and the class compared, read from URL query parameters (every value a user could type is
checked; what is ignored comes back as a ``LinkNote``) and completed for the network shown."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mnist_core.inspection.activations import Explanation

DRAWING = "drawing"  # ?input=drawing: the digit last drawn on Draw (this session only)


@dataclass(frozen=True)
class Selection:
    """What the page shows: an input (a test index, or the session's drawing), a hidden layer
    (0-based), a unit in it (None: the page picks one) and the second class to explain (None:
    the runner-up)."""

    test: int = 0
    drawing: bool = False
    layer: int = 0
    unit: int | None = None
    compare: int | None = None

    def to_params(self) -> dict[str, str]:
        """As URL query parameters: ``test`` (or ``input=drawing``), ``layer`` (1-based), ``unit``, ``vs``."""
        params = {"input": DRAWING} if self.drawing else {"test": str(self.test)}
        params["layer"] = str(self.layer + 1)
        if self.unit is not None:
            params["unit"] = str(self.unit)
        if self.compare is not None:
            params["vs"] = str(self.compare)
        return params


@dataclass(frozen=True)
class LinkNote:
    """A link parameter the page ignored, and why (``kind``): "unknown_input" (``value`` is not an
    input), "no_drawing" (no drawing in this session), "not_whole" or "out_of_range" (``value``
    outside ``low``-``high``, the range of ``what``: "test", "layer", "unit" or "compare"; for
    "unit", ``layer`` is the 1-based hidden layer). ``mnist_core.text.network`` words it."""

    kind: str
    name: str = ""
    value: str = ""
    what: str = ""
    low: int = 0
    high: int = 0
    layer: int = 0


def _integer(params, name: str, low: int, high: int, what: str, notes: list[LinkNote],
             layer: int = 0) -> int | None:
    """``params[name]`` as an int in [low, high], or None with a note when it is something else."""
    text = params.get(name)
    if text is None or str(text).strip() == "":
        return None
    try:
        value = int(str(text).strip())
    except ValueError:
        notes.append(LinkNote("not_whole", name, str(text), what, low, high, layer))
        return None
    if not low <= value <= high:
        notes.append(LinkNote("out_of_range", name, str(value), what, low, high, layer))
        return None
    return value


def parse_selection(params, test_count: int, hidden_units: tuple[int, ...],
                    has_drawing: bool) -> tuple[Selection, list[LinkNote]]:
    """A ``Selection`` from URL query parameters (a mapping of str to str), and a ``LinkNote`` for
    every parameter that was ignored. Never raises on user input."""
    notes: list[LinkNote] = []
    drawing = False
    source = params.get("input")
    if source is not None and source not in (DRAWING, "test"):
        notes.append(LinkNote("unknown_input", "input", str(source)))
    elif source == DRAWING:
        drawing = has_drawing
        if not has_drawing:
            notes.append(LinkNote("no_drawing", "input", DRAWING))
    test = _integer(params, "test", 0, test_count - 1, "test", notes)
    layer = _integer(params, "layer", 1, max(len(hidden_units), 1), "layer", notes)
    layer = 0 if layer is None or not hidden_units else layer - 1
    unit = None
    if hidden_units:
        unit = _integer(params, "unit", 0, hidden_units[layer] - 1, "unit", notes, layer=layer + 1)
    compare = _integer(params, "vs", 0, 9, "compare", notes)
    return Selection(test=0 if test is None else test, drawing=drawing, layer=layer, unit=unit,
                     compare=compare), notes


def complete_selection(selection: Selection, explanation: Explanation) -> Selection:
    """``selection`` made whole for the network and input ``explanation`` describes: layer and
    unit reset when the network has no such unit (another model became active); the unit that
    pushes the predicted class most when none is chosen; the runner-up class as the second
    class when none, or the predicted one, is chosen."""
    widths = [values.size for values in explanation.activations] or [1]
    if selection.layer >= len(widths) or (selection.unit or 0) >= widths[selection.layer]:
        selection = replace(selection, layer=0, unit=None)
    if selection.unit is None and explanation.activations:
        top = explanation.top_units(selection.layer, explanation.predicted, 1)
        selection = replace(selection, unit=top[0][0] if top else 0)
    if selection.compare is None or selection.compare == explanation.predicted:
        selection = replace(selection, compare=int(np.argsort(explanation.logits)[-2]))
    return selection
