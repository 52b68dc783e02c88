"""How long training jobs take on this server: measured, with the warm-up left out, or not said.

A job's first batches are slow (TensorFlow traces and compiles its graph), so a speed averaged
from its start overestimates what is left by minutes early on. Here a job's speed counts only
from its ``WARM_STEPS``-th batch (``RunClock``), and is given only once it was measured over
``STABLE_SECONDS`` and ``STABLE_STEPS``. Finished jobs teach ``SpeedMeter`` this server's speed
(parameter-images per second, plus the start-up a job costs before it reaches that speed), from
which a queued job's duration and a wait are computed. Every estimate comes from these two, so
a wait in line, a run's time left and "it takes about 40 s" on one screen agree.

Nothing here reads a clock: callers pass ``time.monotonic()`` values.
"""

from __future__ import annotations

import heapq

from mnist_core.config import ModelConfig
from mnist_core.training.record import steps_per_epoch

WARM_STEPS = 10  # batches of a job left out of its speed: the first ones trace and compile the graph
STABLE_SECONDS = 3.0  # a job's own speed is given once measured over this long...
STABLE_STEPS = 20  # ...and this many batches
SMOOTHING = 0.5  # weight of the newest finished job in the server's measured speed


def planned_images(config: ModelConfig, available: int = 60_000) -> int:
    """Training images the run passes through (all epochs, validation share excluded)."""
    count = min(config.train_size or available, available)
    return config.epochs * (count - int(count * config.validation_split))


def planned_steps(config: ModelConfig, available: int = 60_000) -> int:
    """Batches the run trains in all."""
    count = min(config.train_size or available, available)
    return config.epochs * steps_per_epoch(count, config.validation_split, config.batch_size)


class RunClock:
    """One running job's own speed, from its progress reports, warm-up left out."""

    def __init__(self, sent_at: float, warm_worker: bool):
        self.sent_at = sent_at  # when the job was sent to the worker
        self.warm_worker = warm_worker  # the worker had TensorFlow loaded then (else start-up includes it)
        self.mark: tuple[float, int] | None = None  # (time, batches done) at the first report past warm-up
        self.last: tuple[float, int] | None = None  # the latest report
        self.total_steps: int | None = None

    def worker_ready(self, now: float) -> None:
        """The worker finished loading TensorFlow at ``now``: a job sent before starts up from there."""
        if not self.warm_worker:
            self.sent_at, self.warm_worker = now, True

    def report(self, now: float, step: int, total_steps: int) -> None:
        """A progress report: ``step`` batches of ``total_steps`` done at time ``now``."""
        self.total_steps = total_steps
        if self.mark is None:
            if step >= WARM_STEPS:
                self.mark = (now, step)
            return
        self.last = (now, step)

    def steps_per_second(self) -> float | None:
        """The measured speed once stable (see the module), else None."""
        if self.mark is None or self.last is None:
            return None
        seconds, steps = self.last[0] - self.mark[0], self.last[1] - self.mark[1]
        if seconds < STABLE_SECONDS or steps < STABLE_STEPS:
            return None
        return steps / seconds

    def seconds_left(self, now: float) -> float | None:
        """Seconds until the last batch, at the measured speed; None until stable."""
        rate = self.steps_per_second()
        if rate is None or self.total_steps is None:
            return None
        return max(0.0, (self.total_steps - self.last[1]) / rate - (now - self.last[0]))

    def startup_seconds(self) -> float | None:
        """What the job cost before it trained at its speed: the time to its first report past the
        warm-up, less what those batches take at the measured speed. None if the worker was still
        loading TensorFlow when the job was sent (a one-off) or the speed is not stable."""
        rate = self.steps_per_second()
        if rate is None or not self.warm_worker:
            return None
        return max(0.0, self.mark[0] - self.sent_at - self.mark[1] / rate)


class SpeedMeter:
    """This server's measured training speed, for the duration of jobs not started yet.

    A job costs about ``config.parameter_count * images`` operations: the speed is kept in parameter-
    images per second, apart for augmented runs (their random transforms cost more than the
    network), plus the start-up of a job. No measurement, no estimate.
    """

    def __init__(self):
        self._rates: dict[bool, float] = {}
        self._live: dict[bool, float] = {}  # the speed of a job training now, once stable
        self._startup: float | None = None

    def observe(self, config: ModelConfig, batch_size: int, clock: RunClock) -> None:
        """The current speed of a job still training (once stable): it stands for this server's
        speed until that job ends, so waits follow a machine whose load changes."""
        rate = clock.steps_per_second()
        if rate is not None:
            self._live[config.augment] = config.parameter_count * batch_size * rate

    def record(self, config: ModelConfig, batch_size: int, clock: RunClock) -> None:
        """Learn from a job that ended after training at a stable speed (else nothing is learnt)."""
        rate = clock.steps_per_second()
        if rate is None:
            return
        measured = config.parameter_count * batch_size * rate
        self._live.pop(config.augment, None)
        previous = self._rates.get(config.augment)
        self._rates[config.augment] = measured if previous is None else (
            SMOOTHING * measured + (1 - SMOOTHING) * previous)
        startup = clock.startup_seconds()
        if startup is not None:
            self._startup = startup if self._startup is None else (
                SMOOTHING * startup + (1 - SMOOTHING) * self._startup)

    def seconds_for_steps(self, config: ModelConfig, steps: int) -> float | None:
        """Seconds ``steps`` batches of ``config`` take at the measured speed (no start-up)."""
        rate = self._live.get(config.augment) or self._rates.get(config.augment)
        if rate is None:
            return None
        return config.parameter_count * steps * config.batch_size / rate

    def seconds_for(self, config: ModelConfig) -> float | None:
        """Seconds a job of ``config`` takes from being sent to the worker to its end."""
        training = self.seconds_for_steps(config, planned_steps(config))
        return None if training is None else (self._startup or 0.0) + training


def remaining_seconds(config: ModelConfig, clock: RunClock | None, steps_done: int | None,
                      now: float, meter: SpeedMeter) -> float | None:
    """Seconds a running job still needs: its own stable speed, else the server's measured speed
    over its batches left (or its whole duration less the time since it was sent); None if neither
    was measured."""
    own = clock.seconds_left(now) if clock is not None else None
    if own is not None:
        return own
    if steps_done is not None:
        return meter.seconds_for_steps(config, max(0, planned_steps(config) - steps_done))
    whole = meter.seconds_for(config)
    if whole is None:
        return None
    return max(0.0, whole - (now - clock.sent_at)) if clock is not None else whole


def wait_seconds(running: list[float | None], ahead: list[float | None], slots: int) -> float | None:
    """Seconds until a slot is free for a job: ``running`` are the seconds left of the jobs in the
    ``slots`` slots, ``ahead`` the durations of the jobs queued before it; None if any is unknown."""
    if any(seconds is None for seconds in [*running, *ahead]):
        return None
    free_at = [*running, *[0.0] * max(0, slots - len(running))]
    heapq.heapify(free_at)
    for duration in ahead:
        heapq.heappush(free_at, heapq.heappop(free_at) + duration)
    return max(0.0, free_at[0])
