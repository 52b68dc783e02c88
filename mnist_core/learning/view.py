"""What the "How it learns" page shows, as it travels in the URL: seed, example, unit, optimiser and
learning rate. Parsing never fails: a bad value becomes the default, with a note saying why."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from mnist_core.learning.settings import MAX_LEARNING_RATE, MAX_SEED, MIN_LEARNING_RATE, OPTIMISERS
from mnist_core.text import learning as words

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)  # the page's choices


@dataclass(frozen=True)
class LearnView:
    """seed of the run; example: position in the batch (0 to batch size - 1); unit: hidden unit (0 to
    H - 1); optimiser: one of OPTIMISERS; learning_rate: its step size."""

    seed: int = 0
    example: int = 0
    unit: int = 0
    optimiser: str = "rmsprop"
    learning_rate: float = 1e-3

    def replace(self, **changes) -> LearnView:
        return dataclasses.replace(self, **changes)

    def to_params(self) -> dict[str, str]:
        """The URL's query parameters, as strings."""
        return {"seed": str(self.seed), "example": str(self.example), "unit": str(self.unit),
                "optimiser": self.optimiser, "lr": f"{self.learning_rate:g}"}


def _whole(text: str, low: int, high: int) -> int | None:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def parse_view(params: dict[str, str], batch_size: int, hidden_units: int) -> tuple[LearnView, list[str]]:
    """The view a URL asks for (missing keys take the defaults) and one note per value refused."""
    default = LearnView()
    values, notes = {}, []
    limits = {"seed": (0, MAX_SEED), "example": (0, batch_size - 1), "unit": (0, hidden_units - 1)}
    for name, (low, high) in limits.items():
        if name in params:
            value = _whole(params[name], low, high)
            if value is None:
                notes.append(words.bad_whole_number(name, params[name], low, high, getattr(default, name)))
            else:
                values[name] = value
    if "optimiser" in params:
        if params["optimiser"] in OPTIMISERS:
            values["optimiser"] = params["optimiser"]
        else:
            notes.append(words.bad_optimiser(params["optimiser"], default.optimiser))
    if "lr" in params:
        try:
            rate = float(params["lr"])
        except ValueError:
            rate = math.nan
        if math.isfinite(rate) and MIN_LEARNING_RATE <= rate <= MAX_LEARNING_RATE:
            values["learning_rate"] = rate
        else:
            notes.append(words.bad_learning_rate(params["lr"], MIN_LEARNING_RATE, MAX_LEARNING_RATE,
                                                 default.learning_rate))
    return default.replace(**values), notes
