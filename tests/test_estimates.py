"""Estimates from measured speed, warm-up left out (mnist_core/training/estimates.py). Times are
made up and passed in: nothing here waits or depends on this machine's speed."""

from __future__ import annotations

import pytest

from mnist_core.config import ModelConfig, preset
from mnist_core.training.estimates import (
    STABLE_SECONDS,
    WARM_STEPS,
    RunClock,
    SpeedMeter,
    planned_steps,
    remaining_seconds,
    wait_seconds,
)

SEED = preset("seed")  # 422 batches an epoch, 5 epochs


def run_clock(seconds_per_step: float, steps: int, warm_up: float, total: int, startup: float = 1.0,
              sent_at: float = 100.0) -> RunClock:
    """A clock that saw a job sent at ``sent_at``, start after ``startup`` s, spend ``warm_up`` s on
    its first batch (tracing) and then train ``seconds_per_step`` a batch, reporting every batch."""
    clock = RunClock(sent_at, warm_worker=True)
    for step in range(1, steps + 1):
        clock.report(sent_at + startup + warm_up + (step - 1) * seconds_per_step, step, total)
    return clock


def test_a_run_gives_no_time_left_until_its_speed_is_stable():
    total = planned_steps(SEED)
    assert total == 2110
    early = run_clock(0.01, WARM_STEPS + 5, warm_up=3.0, total=total)
    assert early.seconds_left(early.last[0]) is None and early.steps_per_second() is None
    stable = run_clock(0.01, WARM_STEPS + int(STABLE_SECONDS / 0.01) + 1, warm_up=3.0, total=total)
    now = stable.last[0]
    assert stable.steps_per_second() == pytest.approx(100.0)
    # what is left at the steady speed; the 3-s first batch left out (from the start it would be ~2x)
    assert stable.seconds_left(now) == pytest.approx((total - stable.last[1]) * 0.01)
    assert stable.seconds_left(now + 5) == pytest.approx((total - stable.last[1]) * 0.01 - 5)


def test_the_meter_learns_speed_and_start_up_and_scales_by_size():
    meter = SpeedMeter()
    assert meter.seconds_for(SEED) is None  # nothing measured: no estimate
    clock = run_clock(0.01, 2110, warm_up=3.0, total=2110, startup=1.0)
    meter.record(SEED, SEED.batch_size, clock)
    start_up = clock.startup_seconds()
    assert start_up == pytest.approx(1.0 + 3.0 - 0.01, abs=0.001)  # the first batch's extra time
    assert meter.seconds_for(SEED) == pytest.approx(1.0 + 3.0 + 2109 * 0.01)  # the job's real length
    assert meter.seconds_for(SEED) == pytest.approx(start_up + 21.1, rel=0.01)
    assert meter.seconds_for(SEED.replace(epochs=10)) == pytest.approx(start_up + 42.2, rel=0.01)
    wide = ModelConfig(hidden_units=(1024,))  # about twice the parameters
    assert meter.seconds_for(wide) == pytest.approx(start_up + 21.1 * 814_090 / 407_050, rel=0.01)
    assert meter.seconds_for(SEED.replace(augment=True)) is None  # augmented runs are measured apart


def test_a_job_sent_to_a_loading_worker_starts_up_from_when_it_is_ready():
    clock = RunClock(0.0, warm_worker=False)
    clock.worker_ready(20.0)  # TensorFlow took 20 s to load: not part of a job's start-up
    for step in range(1, 1001):
        clock.report(22.0 + step * 0.01, step, 2110)
    assert clock.startup_seconds() == pytest.approx(2.0)


def test_a_cold_worker_teaches_speed_but_not_start_up():
    meter = SpeedMeter()
    clock = RunClock(0.0, warm_worker=False)  # the worker was still importing TensorFlow
    for step in range(1, 1001):
        clock.report(30.0 + step * 0.01, step, 2110)
    meter.record(SEED, SEED.batch_size, clock)
    assert clock.startup_seconds() is None
    assert meter.seconds_for(SEED) == pytest.approx(21.1, rel=0.01)


def test_five_tabs_pressing_start_together_see_waits_that_add_up():
    """The issue's case: five sessions start the lesson's network at once on one slot. Each wait
    is what the runs ahead really take, and the 'it takes about' figure of the same screen agrees
    with them: the k-th in line waits what is left of the running one plus k-1 whole runs."""
    meter = SpeedMeter()
    meter.record(SEED, SEED.batch_size, run_clock(0.005, 2110, warm_up=3.0, total=2110, startup=1.0))
    duration = meter.seconds_for(SEED)  # "It takes about ... on this server"
    running = RunClock(200.0, warm_worker=True)  # the first tab's run, 2 s in: its speed not stable
    running.report(204.0, WARM_STEPS, 2110)
    now = 205.0
    left = remaining_seconds(SEED, running, WARM_STEPS, now, meter)
    assert left == pytest.approx(meter.seconds_for_steps(SEED, 2110 - WARM_STEPS))
    waits = [wait_seconds([left], [duration] * (place - 1), slots=1) for place in range(1, 5)]
    assert waits == pytest.approx([left + k * duration for k in range(4)])
    assert all(wait < 5 * duration for wait in waits)  # minutes, not the 22 min the issue saw


def test_no_wait_without_a_measurement_and_free_slots_wait_nothing():
    assert wait_seconds([None], [], slots=1) is None
    assert wait_seconds([5.0], [None], slots=1) is None
    assert wait_seconds([], [], slots=1) == 0.0
    assert wait_seconds([30.0], [], slots=2) == 0.0  # a second slot is free
    assert wait_seconds([30.0, 10.0], [20.0], slots=2) == 30.0  # 10 + 20 vs 30


def test_a_training_job_s_current_speed_stands_for_the_server_s_until_it_ends():
    meter = SpeedMeter()
    meter.record(SEED, SEED.batch_size, run_clock(0.01, 2110, warm_up=1.0, total=2110))
    slow = run_clock(0.03, 400, warm_up=1.0, total=2110)  # the machine got busier: 3x slower now
    meter.observe(SEED, SEED.batch_size, slow)
    assert meter.seconds_for_steps(SEED, 100) == pytest.approx(3.0)
    meter.record(SEED, SEED.batch_size, slow)  # it ended: back to the recorded (smoothed) speed
    assert meter.seconds_for_steps(SEED, 100) == pytest.approx(100 / (0.5 / 0.01 + 0.5 / 0.03))
