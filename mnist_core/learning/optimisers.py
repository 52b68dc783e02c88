"""SGD, SGD with momentum and RMSprop, each exactly as Keras 3 updates a variable
(keras/src/optimizers/sgd.py and rmsprop.py, ``update_step``):

- SGD: ``w <- w - lr * g``
- momentum: ``m <- momentum * m - lr * g; w <- w + m`` (m starts at 0)
- RMSprop: ``v <- rho * v + (1 - rho) * g**2; w <- w - lr * g / sqrt(v + epsilon)`` (v starts at 0;
  epsilon is inside the square root, as Keras has it)

The same elementwise functions update a whole array or one hidden unit's slice of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.learning.network import Parameters
from mnist_core.learning.settings import LearningSettings


@dataclass(frozen=True)
class OptimiserState:
    """What the optimiser carries from step to step: ``slots`` is None for SGD, the momentum ``m`` for
    momentum, the running average of squared gradients ``v`` for RMSprop (a Parameters in the weights'
    dtype and shapes); ``iterations`` counts the steps taken."""

    optimiser: str
    slots: Parameters | None
    iterations: int = 0


def new_state(settings: LearningSettings, params: Parameters) -> OptimiserState:
    """The optimiser's state before its first step: zeros, like Keras' ``build``."""
    slots = None if settings.optimiser == "sgd" else params.map(np.zeros_like)
    return OptimiserState(settings.optimiser, slots)


def update_array(settings: LearningSettings, weight: np.ndarray, gradient: np.ndarray,
                 slot: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """One update of one array (or a slice of it): returns (new weight, new slot), both new arrays of
    ``weight``'s dtype and shape. ``slot`` is the state of ``settings.optimiser`` (None for SGD)."""
    dtype = weight.dtype
    lr = np.asarray(settings.learning_rate, dtype)
    gradient = gradient.astype(dtype, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):
        if settings.optimiser == "sgd":
            return weight - gradient * lr, None
        if settings.optimiser == "momentum":
            slot = slot * np.asarray(settings.momentum, dtype) - gradient * lr
            return weight + slot, slot
        if settings.optimiser == "rmsprop":  # in place on new arrays: same operations, fewer temporaries
            new_slot = np.multiply(slot, np.asarray(settings.rho, dtype))
            squared = np.square(gradient)
            squared *= np.asarray(1 - settings.rho, dtype)
            new_slot += squared
            root = np.add(new_slot, np.asarray(settings.epsilon, dtype), out=squared)
            np.sqrt(root, out=root)
            increment = np.multiply(lr, gradient)
            increment /= root
            return np.subtract(weight, increment, out=increment), new_slot
    raise ValueError(f"Unknown optimiser {settings.optimiser!r}.")


def apply_update(settings: LearningSettings, params: Parameters, gradients: Parameters,
                 state: OptimiserState, in_place: bool = False) -> tuple[Parameters, OptimiserState]:
    """One optimiser step on every array: (new parameters, new state). Nothing is changed in place,
    unless ``in_place``: then the arrays of ``params`` and of the state's slots that are writeable get
    the new values (the same numbers, ``update_in_place``) and are returned in the new ones."""
    if state.optimiser != settings.optimiser:
        raise ValueError(f"The state is {state.optimiser}'s, the settings ask for {settings.optimiser}.")
    slots = state.slots.arrays() if state.slots is not None else (None,) * 4
    update = update_in_place if in_place else update_array
    pairs = [update(settings, weight, gradient, slot)
             for weight, gradient, slot in zip(params.arrays(), gradients.arrays(), slots, strict=True)]
    new_slots = None if state.slots is None else Parameters(*(slot for _, slot in pairs))
    return Parameters(*(weight for weight, _ in pairs)), OptimiserState(settings.optimiser, new_slots,
                                                                        state.iterations + 1)


ROWS_PER_BLOCK = 64  # rows of a (784, 512) kernel updated at a time: temporaries of 128 kB, not 1.6 MB


def update_in_place(settings: LearningSettings, weight: np.ndarray, gradient: np.ndarray,
                    slot: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """``update_array``'s new weight and slot written into ``weight`` and ``slot`` themselves when they
    are writeable (else new arrays, as ``update_array``), ROWS_PER_BLOCK rows at a time: the same
    elementwise numbers, without new arrays as large as the kernels on every step (the server maps each
    afresh, so each costs page faults, mnist_core.serving.process)."""
    if not weight.flags.writeable or (slot is not None and not slot.flags.writeable):
        return update_array(settings, weight, gradient, slot)
    for start in range(0, len(weight), ROWS_PER_BLOCK):
        rows = slice(start, start + ROWS_PER_BLOCK)
        new_weight, new_slot = update_array(settings, weight[rows], gradient[rows],
                                            None if slot is None else slot[rows])
        weight[rows] = new_weight
        if slot is not None:
            slot[rows] = new_slot
    return weight, slot
