"""How much training the server takes on: the jobs that train at once, and the worker's threads
and CPU priority. Read once, when the queue starts."""

from __future__ import annotations

import math
import os

from mnist_core.errors import ConfigError

JOBS_ENV = "MNIST_LAB_TRAINING_JOBS"  # how many jobs train at once (N); default from the CPU count
# TensorFlow thread pools of the worker (intra-op, inter-op): one each trains as fast as the
# default on 2 cores and leaves the pages the most room (benchmarks/README.md, "Training worker:
# TensorFlow threads").
WORKER_THREADS = (1, 1)
# Added to the worker's nice value (Unix, 0 to 19): training is batch work and takes the CPU the
# pages leave, yet never stalls (benchmarks/README.md, "Training worker: CPU priority").
WORKER_NICENESS = 10


def available_cpus() -> int:
    """CPUs this process may use: its affinity, capped by a cgroup v2 CPU quota if any."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, count)


def default_max_running(cpus: int | None = None) -> int:
    """Jobs that train at once by default: one per two CPUs, at least one.

    Each job trains on one intra-op thread (``WORKER_THREADS``): half the CPUs train, the other
    half stays with the pages, whose drawing latency a second job on 2 cores raised more than it
    raised throughput (benchmarks/README.md, "Training worker: TensorFlow threads").
    """
    return max(1, (available_cpus() if cpus is None else cpus) // 2)


def max_running_from_environment() -> int:
    """N from ``MNIST_LAB_TRAINING_JOBS`` (a positive integer), else ``default_max_running()``."""
    text = os.environ.get(JOBS_ENV, "").strip()
    if not text:
        return default_max_running()
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{JOBS_ENV} must be a whole number of jobs, got {text!r}.") from None
    if value < 1:
        raise ConfigError(f"{JOBS_ENV} must be at least 1, got {value}.")
    return value
