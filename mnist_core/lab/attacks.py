"""Adversarial pixels for any served network (``mnist_core.serving.classifier.Classifier``).

- ``fgsm``: the fast gradient sign method (Goodfellow, Shlens and Szegedy, 2014, arXiv 1412.6572):
  ``x + eps * sign(d loss / d x)``, one step that raises the loss of the true label.
- ``targeted``: repeated small steps that lower the loss of a chosen ``target`` label, each
  projected back into the L-infinity ball of radius ``budget`` around the image and into [0, 1]
  (projected gradient descent).

Images are float (N, 784) or (N, 28, 28) in [0, 1]; results are float32 of shape (N, 784).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.serving.network import as_model_input

TARGETED_STEPS = 40  # gradient steps of the targeted attack
TARGETED_STEP_SHARE = 0.1  # each step moves every pixel by this share of the budget


def fgsm(network, images, labels, epsilon: float) -> np.ndarray:
    """The images moved by ``epsilon`` along the sign of the loss gradient of their ``labels``
    (N,), clipped to [0, 1]: float32 (N, 784)."""
    if epsilon < 0:
        raise ValueError(f"epsilon must be 0 or more, got {epsilon}.")
    batch = as_model_input(images)
    if epsilon == 0:
        return batch
    return fgsm_step(batch, fgsm_direction(network, batch, labels), epsilon)


def fgsm_direction(network, images, labels) -> np.ndarray:
    """float32 (N, 784) of -1, 0 or 1: the sign of the loss gradient of ``labels`` at ``images``,
    the same for every epsilon (so several epsilons cost one gradient)."""
    return np.sign(network.loss_gradient(as_model_input(images), labels)).astype("float32", copy=False)


def fgsm_step(images, direction: np.ndarray, epsilon: float) -> np.ndarray:
    """``images`` moved by ``epsilon`` along ``direction`` (``fgsm_direction``), clipped to [0, 1]:
    float32 (N, 784)."""
    if epsilon < 0:
        raise ValueError(f"epsilon must be 0 or more, got {epsilon}.")
    return np.clip(as_model_input(images) + direction * np.float32(epsilon), 0.0, 1.0).astype(
        "float32", copy=False)


@dataclass(frozen=True)
class TargetedResult:
    """``images`` float32 (N, 784): the attacked images; ``success`` bool (N,): the network reads
    the target; ``steps`` int (N,): steps until it first did (``TARGETED_STEPS`` when it never did)."""

    images: np.ndarray
    success: np.ndarray
    steps: np.ndarray


def targeted(network, images, target, budget: float, steps: int = TARGETED_STEPS,
             step_share: float = TARGETED_STEP_SHARE) -> TargetedResult:
    """Make the network read ``target`` (one digit, or one per image) in ``images`` while no
    pixel moves more than ``budget``. An image stops changing once it is read as its target."""
    if budget < 0:
        raise ValueError(f"budget must be 0 or more, got {budget}.")
    original = as_model_input(images)
    targets = np.broadcast_to(np.asarray(target, dtype=np.int64), (len(original),))
    current = original.copy()
    done = network.probabilities(current).argmax(axis=1) == targets
    taken = np.where(done, 0, steps)
    step_size = np.float32(budget * step_share)
    for step in range(1, steps + 1):
        active = np.flatnonzero(~done)
        if not len(active) or budget == 0:
            break
        gradient = network.loss_gradient(current[active], targets[active])
        moved = current[active] - step_size * np.sign(gradient)
        moved = np.clip(moved, original[active] - budget, original[active] + budget)
        current[active] = np.clip(moved, 0.0, 1.0)
        reached = network.probabilities(current[active]).argmax(axis=1) == targets[active]
        taken[active[reached]] = step
        done[active[reached]] = True
    return TargetedResult(current, done, taken)


def least_likely_other(probabilities: np.ndarray, labels) -> np.ndarray:
    """For probabilities (N, 10) and labels (N,), the digit other than the label each image is
    least likely to be: int (N,), the hardest target for a targeted attack."""
    scores = np.array(probabilities, dtype="float64")
    scores[np.arange(len(scores)), np.asarray(labels, dtype=np.int64)] = np.inf
    return scores.argmin(axis=1)
