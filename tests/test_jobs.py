"""The job queue and its worker process, on tiny data.

Most tests run the real worker process with ``tests.fake_trainer`` (a batch every 20 ms, no
TensorFlow), the one the test process's queue keeps between tests (``make_queue``); one slow test
runs the Keras trainer end to end.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from mnist_core import DenseNetwork, ModelConfig
from mnist_core.errors import ConfigError
from mnist_core.training import estimates
from mnist_core.training.capacity import (
    JOBS_ENV,
    WORKER_NICENESS,
    default_max_running,
    max_running_from_environment,
)
from mnist_core.training.estimates import STABLE_SECONDS, STABLE_STEPS, WARM_STEPS, RunClock
from mnist_core.training.queue import JobQueue, QueueFullError, SessionBusyError, UnknownJobError
from mnist_core.training.record import Ending, EndReason, JobStatus
from tests.fake_trainer import FAIL_SEED, HOLD_AT, HOLD_SEED

FAKE = "tests.fake_trainer"
TINY = ModelConfig(train_size=1000, epochs=1)  # 8 batches: about 0.2 s with the fake trainer
LONG = ModelConfig(train_size=1000, epochs=40)  # 320 batches: about 7 s
# 64 batches: a speed measured past the warm-up over 54 batches, which take at least 1.08 s (20 ms
# each), more than MEASURED_OVER with a margin for the load (the app's STABLE_SECONDS is 3 s)
MEASURABLE = ModelConfig(train_size=1000, epochs=8)
MEASURED_OVER = 0.25


# What a worker process is started with: a queue asking for other values gets a worker of its own.
WORKER_OPTIONS = ("trainer", "threads", "niceness")


@pytest.fixture
def make_queue(instant_training):
    """``make_queue(**options)``: the test process's fake-trainer queue (``instant_training`` in
    tests/conftest.py: as new, no jobs and no measured speed, its worker ready, its limits put back
    after the test) with ``max_running``, ``max_waiting``, ``abandon_after`` or ``poll_clock`` set
    from ``options``;
    or, when ``options`` name a ``WORKER_OPTIONS`` value, a new queue with a worker of its own."""
    queues = []

    def make(**options) -> JobQueue:
        if not set(options) & set(WORKER_OPTIONS):
            for name, value in options.items():
                setattr(instant_training, name, value)
            return instant_training
        # The worker keeps the test's CPU priority unless a test asks (the app's is WORKER_NICENESS):
        # on a busy machine a lowered worker would starve the job the test waits for.
        queue = JobQueue(**{"max_running": 1, "trainer": FAKE, "niceness": 0, **options})
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        worker = queue._worker
        queue.close()
        # Told to exit, the worker ends by itself (os._exit, whatever its job threads are doing),
        # not by close() killing it after its timeout (exit code -9).
        assert worker is None or worker.exitcode == 0, f"the worker was killed: exit code {worker.exitcode}"


class ManualClock:
    """A queue's ``poll_clock`` that moves only when the test says: what abandoning a job depends
    on happens at once and in the order the test gives, whatever the machine's load."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def time_passes(queue: JobQueue, clock: ManualClock, seconds: float, polled_by: str) -> None:
    """``seconds`` pass on ``queue``'s ``clock`` and only session ``polled_by`` polls at their end,
    both under the queue's lock: its dispatcher sees either neither or both."""
    with queue._lock:
        clock.now += seconds
        queue.touch(polled_by)


def wait_until(condition, timeout: float = 30, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


def finished(queue: JobQueue, job_id: str, timeout: float = 60):
    return wait_until(lambda: (snap := queue.snapshot(job_id)).finished and snap, timeout)


# --- order, limits, places ---------------------------------------------------------------------


def test_jobs_start_in_order_and_never_more_than_the_limit(make_queue):
    queue = make_queue(max_running=2)
    jobs = [queue.submit(f"session-{index}", ModelConfig(train_size=3000, epochs=1)) for index in range(5)]
    first_running: dict[str, float] = {}
    most_running = 0
    deadline = time.monotonic() + 120
    while len(first_running) < 5 or queue.counts()["running"]:
        assert time.monotonic() < deadline, f"not all 5 jobs ran within 120 s: {queue.counts()}"
        snapshots = [queue.snapshot(job) for job in jobs]
        running = [snap for snap in snapshots if snap.status == JobStatus.RUNNING]
        most_running = max(most_running, len(running))
        for snap in snapshots:
            if snap.status != JobStatus.QUEUED:
                first_running.setdefault(snap.id, time.monotonic())
        time.sleep(0.01)
    assert most_running == 2
    assert sorted(jobs, key=first_running.get) == jobs
    assert all(queue.snapshot(job).status == JobStatus.COMPLETED for job in jobs)


def test_waiting_jobs_see_their_place_and_an_estimate_only_once_speed_is_measured(make_queue, monkeypatch):
    monkeypatch.setattr(estimates, "STABLE_SECONDS", MEASURED_OVER)  # a speed is stable after this long
    queue = make_queue()
    holding = queue.submit("holds-the-slot", LONG.replace(seed=HOLD_SEED))  # held until Stop
    wait_until(lambda: queue.snapshot(holding).status == JobStatus.RUNNING)  # a warm worker starts it at once
    unmeasured = [queue.submit(f"s{index}", LONG) for index in range(3)]
    third = queue.snapshot(unmeasured[2])
    assert third.status == JobStatus.QUEUED and third.place == 3
    assert third.wait_seconds is None  # nothing measured yet: no estimate
    for job in [holding, *unmeasured]:
        queue.stop(job)
    finished(queue, holding)

    finished(queue, queue.submit("tiny", TINY))  # 8 batches: too short to measure a speed
    assert queue.speed.seconds_for(LONG) is None
    finished(queue, queue.submit("measure", MEASURABLE))  # one real measurement of this machine
    assert queue.speed.seconds_for(LONG) is not None
    running = queue.submit("a", LONG)
    second = queue.submit("b", LONG)
    wait_until(lambda: queue.snapshot(running).progress is not None)
    snapshot = queue.snapshot(second)
    assert snapshot.place == 1
    assert 0 < snapshot.wait_seconds < 60  # what is left of the running job (about 7 s)
    queue.stop(running)
    queue.stop(second)


def test_one_queued_or_running_job_per_session(make_queue):
    queue = make_queue()
    first = queue.submit("class-laptop", LONG)
    with pytest.raises(SessionBusyError) as busy:
        queue.submit("class-laptop", TINY)
    assert busy.value.queued is (queue.snapshot(first).status == JobStatus.QUEUED)
    queue.submit("another-laptop", TINY)  # other sessions are not affected
    queue.stop(first)
    finished(queue, first)
    finished(queue, queue.submit("class-laptop", TINY))  # once it ended, the session may start again


def test_a_full_queue_refuses_new_jobs_until_a_place_frees(make_queue):
    queue = make_queue(max_waiting=1)
    running = queue.submit("laptop-1", LONG)
    wait_until(lambda: queue.snapshot(running).status == JobStatus.RUNNING)
    waiting = queue.submit("laptop-2", LONG)
    with pytest.raises(QueueFullError) as full:
        queue.submit("laptop-3", TINY)
    assert full.value.waiting == 1
    assert queue.snapshot(waiting).status == JobStatus.QUEUED  # the refusal changed nothing
    queue.stop(waiting)
    finished(queue, waiting)
    third = queue.submit("laptop-3", TINY)  # a place is free again
    queue.stop(running)
    finished(queue, third)


# --- stop, failure, divergence -------------------------------------------------------------------


def test_stop_while_queued_ends_it_at_once_and_the_running_job_goes_on(make_queue):
    queue = make_queue()
    running = queue.submit("a", LONG)
    waiting = queue.submit("b", LONG)
    wait_until(lambda: queue.snapshot(running).status == JobStatus.RUNNING)
    queue.stop(waiting)
    snapshot = queue.snapshot(waiting)
    assert snapshot.status == JobStatus.STOPPED and snapshot.keras_bytes is None
    assert snapshot.ending == Ending(EndReason.NOT_STARTED)
    assert queue.snapshot(running).status == JobStatus.RUNNING
    queue.stop(running)


def test_stop_while_running_ends_after_the_batch_it_was_in_and_keeps_the_partial_model(make_queue):
    """The fake holds after batch HOLD_AT until Stop arrives: the job must end with exactly that
    many batches (none trained after Stop), whatever the machine's load."""
    queue = make_queue()
    job = queue.submit("a", LONG.replace(seed=HOLD_SEED))
    wait_until(lambda: len(queue.snapshot(job).history.batch_step) >= HOLD_AT)
    queue.stop(job)
    snapshot = finished(queue, job)
    assert snapshot.status == JobStatus.STOPPED
    assert len(snapshot.history.batch_step) == HOLD_AT  # of 320
    network = DenseNetwork.from_keras_bytes(snapshot.keras_bytes)
    assert network.probabilities(np.zeros((1, 784), np.float32)).shape == (1, 10)


def test_an_exception_in_a_job_fails_that_job_only(make_queue):
    queue = make_queue()
    failing = queue.submit("a", TINY.replace(seed=FAIL_SEED))
    after = queue.submit("b", TINY)
    snapshot = finished(queue, failing)
    assert snapshot.status == JobStatus.FAILED
    assert snapshot.ending.reason == EndReason.TRAINER_ERROR and snapshot.keras_bytes is None
    assert snapshot.ending.detail == "RuntimeError: the fake trainer fails on purpose"
    assert finished(queue, after).status == JobStatus.COMPLETED  # same worker, still alive


def test_a_diverging_job_is_diverged_with_no_model(make_queue):
    queue = make_queue()
    snapshot = finished(queue, queue.submit("a", TINY.replace(learning_rate=10.0)))
    assert snapshot.status == JobStatus.DIVERGED
    assert snapshot.keras_bytes is None and snapshot.ending == Ending(EndReason.DIVERGED)


def test_jobs_of_a_session_that_stopped_polling_are_cancelled(make_queue):
    """The queue's poll clock moves past ``abandon_after`` with only one session polling: the
    running job (held, so it cannot end by itself) and the queued one of the sessions that stopped
    polling are cancelled; the polling session's job is kept and trains."""
    clock = ManualClock()
    queue = make_queue(abandon_after=2.0, poll_clock=clock)
    running = queue.submit("gone", LONG.replace(seed=HOLD_SEED))
    waiting = queue.submit("gone-too", LONG)
    kept = queue.submit("here", TINY)
    wait_until(lambda: queue.snapshot(running).status == JobStatus.RUNNING)
    time_passes(queue, clock, 2.5, polled_by="here")  # not twice abandon_after: nothing is dropped
    wait_until(lambda: queue.counts()["stopped"] == 2)  # counts() is no poll; the running one ends
    for job in (running, waiting):  # after its current batch
        snapshot = queue.snapshot(job)
        assert snapshot.status == JobStatus.STOPPED and snapshot.ending.reason == EndReason.ABANDONED
    assert finished(queue, kept).status == JobStatus.COMPLETED


# --- snapshots, worker death ---------------------------------------------------------------------


def test_snapshots_are_consistent_while_the_worker_writes(make_queue):
    queue = make_queue()
    # 20 epochs of 3 batches (270 training images, 128 a batch): every epoch's end, each a
    # write of the epoch lists beside the batch lists, within 60 batches rather than 160
    job = queue.submit("a", ModelConfig(train_size=300, epochs=20))
    problems = []

    def check() -> None:
        while True:
            snapshot = queue.snapshot(job)
            history = snapshot.history
            count = len(history.batch_step)
            if not (len(history.batch_loss) == len(history.batch_accuracy) == count):
                problems.append(f"batch lists of different lengths at {count}")
            if history.batch_step != list(range(1, count + 1)):
                problems.append(f"batch steps not 1..{count}")
            epoch_lists = ("epoch", "loss", "val_accuracy", "epoch_end_step")
            lengths = {len(getattr(history, key)) for key in epoch_lists}
            if len(lengths) != 1:
                problems.append(f"epoch lists of lengths {lengths}")
            if snapshot.progress is not None and not snapshot.finished and snapshot.progress.step != count:
                problems.append(f"progress at step {snapshot.progress.step} but {count} batches")
            if snapshot.finished:
                return
            time.sleep(0.001)  # thousands of snapshots a second between three readers, not a busy loop

    readers = [threading.Thread(target=check) for _ in range(3)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(60)
    assert not problems, problems[:5]
    assert queue.snapshot(job).history.epoch == list(range(1, 21))


def test_a_killed_worker_fails_its_job_and_a_new_worker_takes_the_next(make_queue):
    """The job is held mid-run (it could never finish by itself), so only the death can end it."""
    queue = make_queue()
    victim = queue.submit("a", LONG.replace(seed=HOLD_SEED))
    wait_until(lambda: len(queue.snapshot(victim).history.batch_step) >= HOLD_AT)
    old_pid = queue.worker_pid
    os.kill(old_pid, signal.SIGKILL)  # what the kernel's OOM killer does
    snapshot = finished(queue, victim)
    assert len(snapshot.history.batch_step) == HOLD_AT
    assert snapshot.status == JobStatus.FAILED and snapshot.ending.reason == EndReason.WORKER_DIED
    assert finished(queue, queue.submit("b", TINY)).status == JobStatus.COMPLETED
    assert queue.worker_pid not in (None, old_pid)


def thread_nice_values(pid: int) -> set[int]:
    """The nice value of every thread of process ``pid`` (Linux /proc)."""
    values = set()
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        values.add(int(stat.read_text().rsplit(")", 1)[1].split()[16]))
    return values


def test_the_worker_and_its_training_threads_run_at_a_lower_cpu_priority(make_queue):
    """WORKER_NICENESS above this process's own niceness (capped at 19, so under ``nice 19`` the
    two are equal), and this process, standing in for the server, keeps its own."""
    ours = os.nice(0)
    queue = make_queue(niceness=WORKER_NICENESS)  # the app's setting
    job = queue.submit("a", LONG.replace(seed=HOLD_SEED))
    wait_until(lambda: queue.snapshot(job).progress is not None)  # the job's thread is training
    assert thread_nice_values(queue.worker_pid) == {min(19, ours + WORKER_NICENESS)}
    assert os.nice(0) == ours
    queue.stop(job)


def test_reset_ends_and_forgets_every_job_and_the_speed_and_keeps_the_worker(make_queue):
    """What lets the tests share one fake-trainer worker (tests/conftest.py, ``instant_training``):
    after ``reset`` the queue is as new (no job, no measured speed, every session free), and the
    same worker process trains the next job."""
    queue = make_queue()
    done = queue.submit("a", TINY)
    finished(queue, done)
    held = queue.submit("b", LONG.replace(seed=HOLD_SEED))  # it would wait 120 s for a Stop
    waiting = queue.submit("c", LONG)
    wait_until(lambda: len(queue.snapshot(held).history.batch_step) >= HOLD_AT)
    clock = RunClock(0.0, warm_worker=True)  # a measured run, as a finished job leaves it
    clock.report(1.0, WARM_STEPS, 320)
    clock.report(1.0 + STABLE_SECONDS, WARM_STEPS + STABLE_STEPS, 320)
    queue.speed.record(LONG, LONG.batch_size, clock)
    assert queue.speed.seconds_for(LONG) is not None
    worker = queue.worker_pid

    queue.reset()
    assert queue.counts() == {status.value: 0 for status in JobStatus}
    for job in (done, held, waiting):
        with pytest.raises(UnknownJobError):
            queue.snapshot(job)
    assert queue.speed.seconds_for(LONG) is None
    assert finished(queue, queue.submit("b", TINY)).status == JobStatus.COMPLETED  # "b" is free again
    assert queue.worker_pid == worker


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("1", 1), ("", default_max_running())])
def test_the_limit_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(JOBS_ENV, value)
    assert max_running_from_environment() == expected


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_limit_in_the_environment_is_explained(monkeypatch, value):
    monkeypatch.setenv(JOBS_ENV, value)
    with pytest.raises(ConfigError, match=JOBS_ENV):
        max_running_from_environment()


@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 1), (4, 2), (8, 4)])
def test_default_limit_leaves_half_the_cpus_to_the_pages(cpus, expected):
    assert default_max_running(cpus) == expected




# --- the real Keras worker -----------------------------------------------------------------------


@pytest.mark.slow
def test_the_keras_worker_trains_a_model_the_server_can_use_without_keras(mnist):
    (_, _), (x_test, y_test) = mnist
    queue = JobQueue(max_running=1)
    try:
        snapshot = finished(queue, queue.submit("a", TINY), timeout=240)
    finally:
        queue.close()
    assert snapshot.status == JobStatus.COMPLETED, snapshot.ending
    assert snapshot.steps_per_epoch == 8 and snapshot.history.epoch == [1]
    network = DenseNetwork.from_keras_bytes(snapshot.keras_bytes)
    pixels = x_test[:1000].reshape(-1, 784).astype(np.float32) / 255
    accuracy = float((network.probabilities(pixels).argmax(1) == y_test[:1000]).mean())
    assert accuracy > 0.6  # 900 images, one epoch: well above chance (0.1)


def test_a_worker_that_cannot_start_fails_every_waiting_job_with_the_reason(make_queue, monkeypatch):
    monkeypatch.setenv("MNIST_PATH", "/nowhere/mnist.npz")  # the spawned worker inherits it
    queue = make_queue(trainer="mnist_core.training.worker.process")
    jobs = [queue.submit(f"s{index}", TINY) for index in range(2)]
    for job in jobs:
        snapshot = finished(queue, job, timeout=120)
        assert snapshot.status == JobStatus.FAILED
        assert snapshot.ending.reason == EndReason.WORKER_BROKEN
        detail = snapshot.ending.detail  # the path it could not read, and how to set it
        assert "No MNIST data at /nowhere/mnist.npz" in detail and "MNIST_PATH" in detail


def test_finished_jobs_nobody_collects_are_dropped_and_unfinished_ones_of_polling_sessions_kept(make_queue):
    """A tab closed after its run finished never copies the model: after twice ``abandon_after``
    without a poll the queue drops the job (and its model bytes), so memory stays bounded."""
    clock = ManualClock()
    queue = make_queue(abandon_after=1.0, poll_clock=clock)
    collected_never = queue.submit("closed-tab", TINY)
    finished(queue, collected_never)  # the tab's last poll
    kept = queue.submit("open-tab", LONG.replace(seed=HOLD_SEED))
    wait_until(lambda: queue.snapshot(kept).status == JobStatus.RUNNING)
    time_passes(queue, clock, 2.5, polled_by="open-tab")  # more than twice abandon_after
    wait_until(lambda: not queue.jobs_of("closed-tab"))  # jobs_of() is no poll
    with pytest.raises(UnknownJobError):
        queue.snapshot(collected_never)
    assert queue.jobs_of("open-tab") == [kept] and not queue.snapshot(kept).finished  # still polled
    queue.stop(kept)
