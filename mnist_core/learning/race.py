"""The optimiser race: SGD, momentum and RMSprop from the same initial weights on the same batches."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mnist_core.learning.batches import BatchPlan
from mnist_core.learning.network import Parameters, as_inputs, backward, forward
from mnist_core.learning.optimisers import apply_update, new_state
from mnist_core.learning.settings import OPTIMISERS, LearningSettings


def optimiser_race(settings: LearningSettings, start: Parameters, images: np.ndarray, labels: np.ndarray,
                   steps: int, learning_rates: dict[str, float],
                   progress: Callable[[float], None] | None = None) -> dict[str, np.ndarray]:
    """Train a copy of ``start`` with each optimiser (``learning_rates``: optimiser -> rate) for
    ``steps`` steps on the run's batches of images uint8 (60000, 28, 28), labels uint8 (60000,).

    Returns optimiser -> batch losses float64 (steps,) (the loss of each batch before its update; NaN
    or inf once a run diverged). ``progress`` gets the share done, 0 to 1.
    """
    plan = BatchPlan(settings)
    names = [name for name in OPTIMISERS if name in learning_rates]
    curves = {name: np.full(steps, np.nan) for name in names}
    for order, name in enumerate(names):
        racer = settings.replace(optimiser=name, learning_rate=learning_rates[name])
        params, state = start, new_state(racer, start)
        for step in range(steps):
            indices = plan.indices(step)
            result = forward(params, as_inputs(images[indices], settings.dtype), labels[indices].astype(int))
            curves[name][step] = result.loss
            params, state = apply_update(racer, params, backward(params, result).gradients, state)
            if progress is not None and (step + 1) % 10 == 0:
                progress((order * steps + step + 1) / (len(names) * steps))
    return curves
