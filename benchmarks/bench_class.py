"""A class presses Start at once: 30 sessions submit the seed preset through the job API.

Three ways, in the same run, on the same machine:

- queue: the server-wide queue with its default limit (``MNIST_LAB_TRAINING_JOBS`` or half the
  CPUs), all 30 submitted at once;
- one after another: the same 30 jobs, each submitted when the previous one ended;
- unlimited: ``max_running=30``, every job training at once (what the app did before the queue:
  every session that pressed Start trained).

Figures: peak RSS of this process (the server's side: the queue, with MNIST loaded as the
server holds it) plus the worker process, sampled every 0.1 s; all jobs completed; total time;
the longest wait (submission to first batch).

    python benchmarks/bench_class.py                      # 30 jobs, seed preset on 15,000 images, 1 epoch
    python benchmarks/bench_class.py --train-size 60000 --epochs 5   # the full seed preset (slow)
"""

from __future__ import annotations

import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import argument_parser, figure_table, machine, write_section  # noqa: E402
from harness.processes import rss_mb  # noqa: E402
from mnist_core import load_mnist, preset  # noqa: E402
from mnist_core.training.capacity import default_max_running  # noqa: E402
from mnist_core.training.queue import JobQueue  # noqa: E402
from mnist_core.training.record import JobStatus  # noqa: E402


class PeakMemory:
    """Samples RSS of this process plus the queue's worker; keeps the peak of the sum."""

    def __init__(self, queue: JobQueue):
        self.queue, self.peak, self.peak_worker = queue, 0.0, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:

        while not self._done.wait(0.1):
            worker = self.queue.worker_pid
            worker_rss = rss_mb(worker) if worker else 0.0
            self.peak_worker = max(self.peak_worker, worker_rss)
            self.peak = max(self.peak, rss_mb(os.getpid()) + worker_rss)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def wait_ready(queue: JobQueue) -> None:
    queue.start_worker()
    while queue.worker_pid is None:
        time.sleep(0.05)
    # a throwaway job makes sure TensorFlow is imported and warm before the clock starts
    job = queue.submit("warm-up", preset("seed").replace(train_size=1000, epochs=1))
    while not queue.snapshot(job).finished:
        time.sleep(0.1)
    queue.forget(job)


def run_all(queue: JobQueue, config, sessions: int, at_once: bool) -> dict:
    """Submit ``sessions`` jobs (at once, or each after the previous ended) and poll them all."""
    submitted, first_batch, outcome = {}, {}, {}
    started = time.perf_counter()
    pending = []

    def submit(index: int) -> None:
        job = queue.submit(f"session-{index}", config)
        submitted[job] = time.perf_counter()
        pending.append(job)

    next_index = 0
    if at_once:
        for next_index in range(sessions):
            submit(next_index)
        next_index = sessions
    while pending or next_index < sessions:
        if not at_once and not pending:
            submit(next_index)
            next_index += 1
        for job in list(pending):
            snapshot = queue.snapshot(job)
            if snapshot.progress is not None:
                first_batch.setdefault(job, time.perf_counter())
            if snapshot.finished:
                outcome[job] = snapshot.status
                first_batch.setdefault(job, time.perf_counter())
                pending.remove(job)
                queue.forget(job)
        time.sleep(0.1)
    total = time.perf_counter() - started
    waits = [first_batch[job] - submitted[job] for job in submitted]
    return {
        "total": total,
        "completed": sum(status == JobStatus.COMPLETED for status in outcome.values()),
        "longest_wait": max(waits),
    }


def measure(name: str, max_running: int, config, sessions: int, at_once: bool, threads) -> dict:
    queue = JobQueue(max_running=max_running, abandon_after=3600, threads=threads)
    try:
        wait_ready(queue)
        with PeakMemory(queue) as memory:
            figures = run_all(queue, config, sessions, at_once)
    finally:
        queue.close()
    figures.update(name=name, peak=memory.peak, peak_worker=memory.peak_worker)
    print(
        f"{name:<22} total {figures['total']:7.1f} s   completed {figures['completed']:2d}/{sessions}   "
        f"longest wait {figures['longest_wait']:6.1f} s   peak RSS server+worker {figures['peak']:6.0f} MB "
        f"(worker {figures['peak_worker']:.0f} MB)",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--train-size", type=int, default=15_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--skip-unlimited", action="store_true")
    arguments = parser.parse_args()
    load_mnist()  # the server holds MNIST; so does this process, for a fair server-side RSS
    from mnist_core.training.capacity import WORKER_THREADS

    config = preset("seed").replace(
        train_size=None if arguments.train_size >= 60_000 else arguments.train_size, epochs=arguments.epochs
    )
    limit = default_max_running()
    host = machine()
    print(f"{arguments.sessions} sessions, seed preset on {arguments.train_size:,} images x "
          f"{arguments.epochs} epoch(s); queue limit N={limit}; worker threads {WORKER_THREADS}", flush=True)
    queue = measure(f"queue (N={limit})", limit, config, arguments.sessions, True, WORKER_THREADS)
    serial = measure("one after another", 1, config, arguments.sessions, False, WORKER_THREADS)
    unlimited = None
    if not arguments.skip_unlimited:
        unlimited = measure(f"unlimited (N={arguments.sessions})", arguments.sessions, config,
                            arguments.sessions, True, WORKER_THREADS)
    speed = serial["total"] / queue["total"]
    rows = [
        ("jobs completed, queue", f"{queue['completed']} of {arguments.sessions}", f">= {arguments.sessions}",
         queue["completed"]),
        ("peak RSS, server side + worker, queue (MB)",
         f"{queue['peak']:.0f} (worker {queue['peak_worker']:.0f})", "<= 1536", queue["peak"]),
        ("total time, queue (s)", f"{queue['total']:.1f}", ""),
        ("total time, one after another (s)", f"{serial['total']:.1f}", ""),
        ("queue speed vs one after another (x)", f"{speed:.2f}", ">= 0.9", speed),
        ("longest wait, submission to first batch, queue (s)", f"{queue['longest_wait']:.1f}", ""),
    ]
    if unlimited is not None:
        rows += [
            ("peak RSS, all at once (N unlimited) (MB)",
             f"{unlimited['peak']:.0f} (worker {unlimited['peak_worker']:.0f})", ""),
            ("total time, all at once (N unlimited) (s)", f"{unlimited['total']:.1f}", ""),
            ("jobs completed, all at once", f"{unlimited['completed']} of {arguments.sessions}", ""),
            ("longest wait, all at once (s)", f"{unlimited['longest_wait']:.1f}", ""),
        ]
    table = figure_table(rows)
    print(table)
    if arguments.no_readme:
        return
    options = {"train-size": arguments.train_size, "epochs": arguments.epochs, "sessions": arguments.sessions}
    command = "python benchmarks/bench_class.py" + "".join(
        f" --{name} {value}" for name, value in options.items()
        if value != parser.get_default(name.replace("-", "_"))
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_section("class", f"""## A class presses Start at once (training queue)

Command: `{command}`. Measured {stamp} on {host}. {arguments.sessions} sessions submit the seed preset
(Dense(512), RMSprop, batch 128) on {arguments.train_size:,} images x {arguments.epochs} epoch(s)
through the job API (`mnist_core.training.queue.JobQueue`, the worker process the app uses), all at once; the
baselines are the same jobs one after another, and all at once with no limit (every session that
pressed Start trained at the same time, as before the queue). Peak RSS is this process (the
server's side: the queue, with MNIST loaded) plus the worker, sampled every 0.1 s.

{table}
""")


if __name__ == "__main__":
    main()
