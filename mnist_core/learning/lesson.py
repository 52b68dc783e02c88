"""One session's run of "How it learns": the weights, the optimiser's state, the history of the batch
loss and of the validation accuracy, the path for the landscape, and the step about to be taken.

The page shows the *next* step under the microscope (its batch's forward pass, gradients and the
update it would make); Step takes exactly that step.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from mnist_core.config import PRESETS
from mnist_core.learning.batches import BatchPlan
from mnist_core.learning.landscape import (
    Landscape,
    PathRecorder,
    RawDirections,
    loss_landscape,
    raw_directions,
)
from mnist_core.learning.network import (
    Backward,
    BlockBuffers,
    Forward,
    Parameters,
    accuracy,
    as_inputs,
    backward,
    forward,
    initial_parameters,
    inked_pixels,
)
from mnist_core.learning.optimisers import OptimiserState, apply_update, new_state, update_array
from mnist_core.learning.settings import LearningSettings
from mnist_core.training.record import DIVERGED_LOSS


@dataclass(frozen=True)
class LessonData:
    """The images a run uses, shared read-only by every session: train_images uint8 (60000, 28, 28) and
    train_labels uint8 (60000,); validation_x float32 (1000, P) and validation_labels int (1000,) (the
    first test images, only their P inked pixels: validation_pixels int (P,), see network.predict);
    landscape_x float32 (256, 784) and landscape_labels int (256,) (the first training images, the
    landscape's fixed batch)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    validation_x: np.ndarray
    validation_pixels: np.ndarray
    validation_labels: np.ndarray
    landscape_x: np.ndarray
    landscape_labels: np.ndarray

    def accuracy(self, params: Parameters, buffers: BlockBuffers | None = None) -> float:
        """Validation accuracy of ``params`` (NaN when they are not all finite); ``buffers`` (from
        ``buffers``) are written, never these shared arrays."""
        return accuracy(params, self.validation_x, self.validation_labels, self.validation_pixels, buffers)

    def buffers(self, dtype: str) -> BlockBuffers:
        """Block buffers for ``accuracy`` of weights of ``dtype``: one for each run (a session's own)."""
        return BlockBuffers.for_inputs(self.validation_x, dtype)


def lesson_data(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                settings: LearningSettings | None = None) -> LessonData:
    """LessonData from MNIST's arrays (uint8 (N, 28, 28) images, uint8 (N,) labels); the float arrays are
    made read-only."""
    settings = settings or LearningSettings()
    validation = as_inputs(x_test[:settings.validation_images], settings.dtype)
    pixels = inked_pixels(validation)
    validation = np.ascontiguousarray(validation[:, pixels])
    landscape = as_inputs(x_train[:settings.landscape_images], settings.dtype)
    for array in (validation, pixels, landscape):
        array.flags.writeable = False
    return LessonData(x_train[:settings.train_images], y_train[:settings.train_images], validation, pixels,
                      y_test[:settings.validation_images].astype(int), landscape,
                      y_train[:settings.landscape_images].astype(int))


@dataclass(frozen=True)
class NextStep:
    """The step about to be taken: its number (0-based), the batch's training indices int32 (N,), the
    forward pass on it and the backward pass (all with the current weights)."""

    step: int
    indices: np.ndarray
    forward: Forward
    backward: Backward


@dataclass(frozen=True)
class RunStart:
    """Where every run of a seed starts, whatever its optimiser: the initial weights, their validation
    accuracy, the first step about to be taken (step 0's batch, forward and backward passes) and the
    raw directions of the landscape and its path. ``settings`` are the ones it was made for (seed,
    width, dtype, batch and data sizes matter)."""

    settings: LearningSettings
    params: Parameters
    accuracy: float
    first_step: NextStep
    directions: RawDirections

    def read_only(self) -> RunStart:
        """The same start with every array made read-only, to be shared by sessions (a run updates
        only arrays that are writeable in place: its first step from a shared start makes new ones)."""
        forward, backward = self.first_step.forward, self.first_step.backward
        for array in (*self.params.arrays(), self.first_step.indices, forward.x, forward.labels, forward.z1,
                      forward.h, forward.logits, forward.probabilities, forward.losses,
                      *backward.gradients.arrays(), backward.delta1, backward.delta2,
                      self.directions.first, self.directions.second):
            array.flags.writeable = False
        return self


def _next_step(step: int, params: Parameters, plan: BatchPlan, data: LessonData, dtype: str,
               reuse: NextStep | None = None) -> NextStep:
    """Step ``step``'s batch and its passes; written into the arrays of ``reuse`` (a step taken, no
    longer shown) where they are writeable and fit (network.reusable)."""
    indices = plan.indices(step)
    x = as_inputs(data.train_images[indices], dtype, out=reuse and reuse.forward.x)
    result = forward(params, x, data.train_labels[indices].astype(int), reuse=reuse and reuse.forward)
    return NextStep(step, indices, result, backward(params, result, reuse=reuse and reuse.backward))


def run_start(settings: LearningSettings, data: LessonData) -> RunStart:
    """The start of a run with ``settings`` on ``data`` (see RunStart)."""
    params = initial_parameters(settings.seed, settings.hidden_units, settings.dtype)
    first = _next_step(0, params, BatchPlan(settings), data, settings.dtype)
    return RunStart(settings, params, data.accuracy(params), first,
                    raw_directions(settings.seed, settings.hidden_units))


def _same_start(a: LearningSettings, b: LearningSettings) -> bool:
    """True when runs with settings a and b start alike (they may differ in optimiser and rate)."""
    return a.replace(optimiser="sgd", learning_rate=1.0) == b.replace(optimiser="sgd", learning_rate=1.0)


@dataclass(frozen=True)
class UnitUpdate:
    """What the next step does to one hidden unit's incoming weights, all float (784,): before, gradient,
    after, change (= after - before), and the optimiser's slot before and after (None for SGD)."""

    before: np.ndarray
    gradient: np.ndarray
    after: np.ndarray
    change: np.ndarray
    slot_before: np.ndarray | None
    slot_after: np.ndarray | None


class Lesson:
    """A run: the lesson's network from ``settings.seed``, trained one batch at a time.

    losses[k] is the batch loss of step k (before its update); accuracies[k] the validation accuracy
    after k steps (accuracies[0] at the random start), so len(accuracies) == step + 1.
    """

    def __init__(self, settings: LearningSettings, data: LessonData, start: RunStart | None = None):
        """A new run from ``settings.seed``'s initial weights, or from ``start`` (``run_start``), which
        may be shared with other runs of the same seed: its arrays are only read."""
        if start is None:
            params = initial_parameters(settings.seed, settings.hidden_units, settings.dtype)
            start_accuracy, first_step, self._directions = data.accuracy(params), None, None
        elif _same_start(start.settings, settings):
            params, start_accuracy, first_step = start.params, start.accuracy, start.first_step
            self._directions: RawDirections | None = start.directions
        else:
            raise ValueError("The run's start was made for other settings (seed, width, dtype or data).")
        self._shared_start = start is not None
        self.settings, self.data = settings, data
        self.params: Parameters = params
        self.state: OptimiserState = new_state(settings, self.params)
        self.step = 0
        self.losses: list[float] = []
        self.accuracies: list[float] = [start_accuracy]
        self.plan = BatchPlan(settings)
        self._path: PathRecorder | None = None  # made at the first step: a first look costs nothing
        self.lock = threading.Lock()  # held by each step of take_steps
        self._next: NextStep | None = first_step
        self._taken: NextStep | None = None  # the step just taken: its arrays are the next one's (next_step)
        self._buffers: BlockBuffers | None = None  # the validation's blocks, made at the first step
        self._landscape: tuple[tuple, Landscape] | None = None

    def configure(self, settings: LearningSettings) -> None:
        """Change the optimiser or its learning rate and go on from the current weights (a new optimiser
        starts from a zero state). A new seed or network needs a new Lesson."""
        if (settings.seed, settings.hidden_units, settings.dtype) != (
                self.settings.seed, self.settings.hidden_units, self.settings.dtype):
            raise ValueError("A new seed, width or dtype starts a new run: make a new Lesson.")
        if settings.optimiser != self.settings.optimiser:
            self.state = new_state(settings, self.params)
        self.settings = settings
        self.plan.settings = settings

    @property
    def diverged(self) -> bool:
        """True once the weights hold a NaN or an infinity, or a batch loss was not finite or above
        DIVERGED_LOSS (the Train page's rule: with a far too large learning rate the loss reaches
        millions long before any NaN, in Keras as here, since both compute it from the logits)."""
        last = self.losses[-1] if self.losses else 0.0
        return not (math.isfinite(last) and last <= DIVERGED_LOSS and self.params.is_finite())

    def next_step(self) -> NextStep:
        """The step about to be taken, computed once per step."""
        if self._next is None or self._next.step != self.step:
            taken, self._taken = self._taken, None
            self._next = _next_step(self.step, self.params, self.plan, self.data, self.settings.dtype, taken)
        return self._next

    def unit_update(self, unit: int) -> UnitUpdate:
        """What the next step does to hidden unit ``unit``'s incoming weights (same formula as the step)."""
        gradient = self.next_step().backward.gradients.w1[:, unit]
        before = self.params.w1[:, unit]
        slot = None if self.state.slots is None else self.state.slots.w1[:, unit]
        after, slot_after = update_array(self.settings, before, gradient, slot)
        with np.errstate(invalid="ignore", over="ignore"):
            change = after - before
        return UnitUpdate(before, gradient, after, change, slot, slot_after)

    @property
    def path(self) -> PathRecorder:
        """The steps' path for the landscape (the starting weights are its first point)."""
        if self._path is None:
            raw = self._directions
            if raw is None:  # a run without a shared start draws its own
                raw = self._directions = raw_directions(self.settings.seed, self.settings.hidden_units)
            self._path = PathRecorder(raw)
            if self.step == 0:
                self._path.record(0, self.params)
        return self._path

    def take_step(self) -> None:
        """Take the next step: update the weights with its gradients, record its loss and the accuracy."""
        upcoming = self.next_step()
        path = self.path  # records the start before the first update
        # in place once the run's arrays are its own (the shared start's are read-only: the first step
        # makes new ones); what the page showed of them was drawn before the step
        self.params, self.state = apply_update(self.settings, self.params, upcoming.backward.gradients,
                                               self.state, in_place=True)
        self._next, self._taken = None, upcoming
        self.step += 1
        self.losses.append(upcoming.forward.loss)
        if self._buffers is None:
            self._buffers = self.data.buffers(self.settings.dtype)
        self.accuracies.append(self.data.accuracy(self.params, self._buffers))
        if self.params.is_finite():
            path.record(self.step, self.params)

    def take_steps(self, count: int, should_stop: Callable[[], bool] | None = None) -> int:
        """Up to ``count`` steps; stops early when ``should_stop()`` says so or the run diverges.
        Returns the number taken. Each step holds ``lock``, and ``should_stop`` is asked under it, so
        another thread that changes what ``should_stop`` reads and then takes ``lock`` sees no further
        step (a page's new script run while the old one, stopped, still steps)."""
        for taken in range(count):
            with self.lock:
                if self.diverged or (should_stop is not None and should_stop()):
                    return taken
                self.take_step()
        return count

    def landscape(self, span: float = 1.0) -> Landscape:
        """The loss landscape around the current weights (``landscape``), kept until the next step."""
        key = (self.step, self.settings.optimiser, span)
        if self._landscape is None or self._landscape[0] != key:
            data = self.data
            self._landscape = (key, loss_landscape(self.params, data.landscape_x, data.landscape_labels,
                                                   self.path, self.settings.landscape_points, span))
        return self._landscape[1]

    def epoch_accuracy(self, epoch: int = 1) -> float | None:
        """Validation accuracy after ``epoch`` full epochs (469 steps each in the lesson), or None."""
        steps = epoch * self.settings.steps_per_epoch
        return self.accuracies[steps] if steps < len(self.accuracies) else None

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays this run keeps (weights, optimiser state, next step, path, the validation's
        block buffers; the landscape's
        raw directions only when the run drew its own rather than share its seed's start)."""
        total = self.params.nbytes + self.plan._order.nbytes + (self._path.nbytes if self._path else 0)
        total += self._directions.nbytes if self._directions is not None and not self._shared_start else 0
        total += self.state.slots.nbytes if self.state.slots is not None else 0
        total += self._buffers.nbytes if self._buffers is not None else 0
        if self._next is not None:
            f, b = self._next.forward, self._next.backward
            total += sum(a.nbytes for a in (f.x, f.z1, f.h, f.logits, f.probabilities, f.losses))
            total += b.gradients.nbytes + b.delta1.nbytes + b.delta2.nbytes
        return total


def keras_first_epoch(runs: Iterable) -> tuple[float, str] | None:
    """(validation accuracy after epoch 1, run name) of the latest of ``runs`` (objects with ``name``,
    ``config`` (a ModelConfig) and ``history`` (a TrainingHistory), like ``training.runs.Run``) that
    trained the seed preset, whatever its number of epochs and seed; None if there is none."""
    lesson = PRESETS["seed"]
    for run in reversed(list(runs)):
        same = dataclasses.replace(run.config, epochs=lesson.epochs, seed=lesson.seed) == lesson
        if same and run.history.val_accuracy:
            return float(run.history.val_accuracy[0]), run.name
    return None
