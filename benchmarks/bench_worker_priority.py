"""Does a training job delay the server's event loop? The worker at nice 0, at nice +10 (the
app's ``WORKER_NICENESS``), and at nice +10 under Linux's SCHED_IDLE policy, in one run.

The server's event loop sleeps until a stroke's message or a poll arrives, and then needs a core
at once. A thread of this process stands in for it: it sleeps 2 ms at a time and records how late
each wake-up is, over a window of ``--seconds`` while a seed-preset job trains in the worker.
Busy processes at nice 0 stand in for everything else that wants the CPU (other sessions' script
runs; in the load test, the browsers): first one fewer than the CPUs (a core is left for the
job and the loop), then one more than the CPUs (every core taken: what the job still gets). The
baseline is the same loop beside the same busy processes with no training. Last, the job's speed
with nothing else running. Training speed is the images trained in the window, per second.

    python benchmarks/bench_worker_priority.py [--train-size 60000] [--seconds 8] [--no-readme]

SCHED_IDLE runs a thread only when no other thread wants the CPU, and a thread that wakes
preempts it at once; the benchmark sets it on the worker's threads from outside (the app does not
use it: see docs/deploy.md). MNIST comes from MNIST_PATH. Linux only (SCHED_IDLE and /proc).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_worker_threads import warm_queue  # noqa: E402
from benchmarks.report import argument_parser, figure_table, machine, percentile, publish  # noqa: E402
from mnist_core import preset  # noqa: E402
from mnist_core.text.runs import outcome_text  # noqa: E402
from mnist_core.training.capacity import WORKER_NICENESS  # noqa: E402
from mnist_core.training.queue import JobQueue  # noqa: E402

TICK = 0.002  # seconds the stand-in event loop sleeps between wake-ups
PRIORITIES = {  # label: (niceness, whether its threads run under SCHED_IDLE) of the worker
    "nice 0": (0, False),
    f"nice +{WORKER_NICENESS} (the app's)": (WORKER_NICENESS, False),
    f"nice +{WORKER_NICENESS} and SCHED_IDLE": (WORKER_NICENESS, True),
}


def wake_up_delays(stop: threading.Event) -> list[float]:
    """Seconds each ``TICK``-long sleep overran, until ``stop``."""
    delays = []
    while not stop.is_set():
        started = time.perf_counter()
        time.sleep(TICK)
        delays.append(time.perf_counter() - started - TICK)
    return delays


def busy_processes(count: int) -> list[subprocess.Popen]:
    """``count`` Python processes spinning at nice 0."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def ready_queue(niceness: int, idle_policy: bool) -> JobQueue:
    """``warm_queue`` of one job at a time at ``niceness``, its worker's threads put under
    SCHED_IDLE if ``idle_policy`` (threads it starts later inherit the policy)."""
    queue = warm_queue(max_running=1, niceness=niceness)
    if idle_policy:
        for task in Path(f"/proc/{queue.worker_pid}/task").iterdir():
            os.sched_setscheduler(int(task.name), os.SCHED_IDLE, os.sched_param(0))
    return queue


def images_done(queue: JobQueue, job: str, batch_size: int) -> int:
    return len(queue.snapshot(job).history.batch_step) * batch_size


def measure(
    seconds: float, busy_count: int, queue: JobQueue | None, config
) -> tuple[list[float], float | None]:
    """Wake-up delays over ``seconds`` beside ``busy_count`` busy processes, and the images/s a
    job trained in that window. The job starts before the busy processes (under SCHED_IDLE on
    full cores it would not start at all) and is stopped after the window."""
    job = None
    if queue is not None:
        job = queue.submit("job", config)
        while (snapshot := queue.snapshot(job)).progress is None:
            if snapshot.finished:  # e.g. no MNIST: say why instead of waiting for ever
                raise SystemExit(f"The training job ended before it trained: {outcome_text(snapshot)}")
            time.sleep(0.05)
    busy = busy_processes(busy_count)
    try:
        time.sleep(0.5)
        before = images_done(queue, job, config.batch_size) if job else 0
        stop = threading.Event()
        delays: list[float] = []
        loop = threading.Thread(target=lambda: delays.extend(wake_up_delays(stop)))
        loop.start()
        time.sleep(seconds)
        stop.set()
        loop.join()
        after = images_done(queue, job, config.batch_size) if job else 0
    finally:
        for process in busy:
            process.kill()
            process.wait()
    if job is None:
        return delays, None
    queue.stop(job)
    while not queue.snapshot(job).finished:
        time.sleep(0.05)
    queue.forget(job)
    return delays, (after - before) / seconds


def milliseconds(delays: list[float]) -> str:
    p50, p95, p99 = (percentile(delays, share) * 1000 for share in (0.5, 0.95, 0.99))
    return f"{p50:.2f} / {p95:.2f} / {p99:.2f} / {max(delays) * 1000:.1f}"


def main(argv=None) -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--train-size", type=int, default=60_000, help="the seed preset's training images")
    parser.add_argument("--seconds", type=float, default=8, help="how long each wake-up loop runs")
    args = parser.parse_args(argv)
    if not hasattr(os, "SCHED_IDLE"):
        raise SystemExit("This benchmark needs Linux (SCHED_IDLE).")
    config = preset("seed").replace(train_size=args.train_size, epochs=100)  # stopped after the window
    cpus = len(os.sched_getaffinity(0))
    host = machine()
    queues = {label: ready_queue(*priority) for label, priority in PRIORITIES.items()}
    rows = []
    try:
        for busy_count, taken in ((cpus - 1, "the other core(s) taken"), (cpus + 1, "every core taken")):
            baseline, _ = measure(args.seconds, busy_count, None, config)
            rows.append(
                (
                    f"{taken}, no training: wake-up delay p50 / p95 / p99 / max (ms)",
                    milliseconds(baseline),
                    "",
                )
            )
            for label, queue in queues.items():
                delays, speed = measure(args.seconds, busy_count, queue, config)
                rows.append(
                    (
                        f"{taken}, worker at {label}: wake-up delay p50 / p95 / p99 / max "
                        "(ms), training images/s",
                        f"{milliseconds(delays)}, {speed:,.0f}",
                        "",
                    )
                )
                print(rows[-1], flush=True)
        for label, queue in queues.items():
            _, speed = measure(args.seconds, 0, queue, config)
            rows.append((f"nothing else running, worker at {label}: training images/s", f"{speed:,.0f}", ""))
            print(rows[-1], flush=True)
    finally:
        for queue in queues.values():
            queue.close()
    table = figure_table(rows)
    command = (
        f"python benchmarks/bench_worker_priority.py --train-size {args.train_size} "
        f"--seconds {args.seconds:g}"
    )
    text = f"""## Training worker: CPU priority — `benchmarks/bench_worker_priority.py`

Command: `{command}`

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {host}.
A thread of the benchmark stands in for the server's event loop: it sleeps {TICK * 1000:g} ms at
a time, and the rows give how late it woke over {args.seconds:g} s while a seed-preset job
({args.train_size:,} images) trains in the worker, beside busy processes at nice 0: {cpus - 1}
(the other core(s) taken), then {cpus + 1} (every core taken). Training speed
is the images the job trained in those {args.seconds:g} s, per second.

{table}
"""
    publish("worker_priority", text, readme=not args.no_readme)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
