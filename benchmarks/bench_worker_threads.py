"""Which TensorFlow thread pools the training worker should use, and one worker or several.

For each setting of the worker's (intra-op, inter-op) threads, one seed-preset job trains in the
worker process while this process (standing in for the Streamlit server) classifies drawn
digits the way the Draw page does (``canvas_to_mnist`` + ``DenseNetwork.probabilities``), five
strokes a second. Figures, against the same loop with no training in the same run:

- drawing latency p50 / p95 while training;
- training throughput (images/s, measured in the worker) of the job.

Then memory, to choose between N jobs as threads of one worker and N worker processes:
the worker's RSS idle (TensorFlow and MNIST loaded) and while training one job vs two jobs.

    python benchmarks/bench_worker_threads.py [--train-size 30000] [--settings 1,1 2,1 0,0]
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import argument_parser, figure_table, machine, percentile, write_section  # noqa: E402
from harness.processes import rss_mb  # noqa: E402
from mnist_core import (  # noqa: E402
    canvas_to_mnist,
    flatten_and_scale,
    load_default_network,
    load_mnist,
    preset,
)
from mnist_core.data.synthetic import drawn_canvas  # noqa: E402
from mnist_core.text.runs import outcome_text  # noqa: E402
from mnist_core.training.capacity import WORKER_NICENESS, WORKER_THREADS  # noqa: E402
from mnist_core.training.queue import JobQueue  # noqa: E402
from mnist_core.training.record import JobStatus  # noqa: E402


def drawing_latencies(network, canvases, stop: threading.Event, seconds: float | None = None) -> list[float]:
    """Classify drawings 5 times a second until ``stop`` (or ``seconds``); latency of each, in s."""
    latencies, index, began = [], 0, time.perf_counter()
    while not stop.is_set() and (seconds is None or time.perf_counter() - began < seconds):
        canvas = canvases[index % len(canvases)]
        started = time.perf_counter()
        network.probabilities(flatten_and_scale(canvas_to_mnist(canvas)[None]))
        latencies.append(time.perf_counter() - started)
        index += 1
        time.sleep(0.2)
    return latencies


def warm_queue(threads=WORKER_THREADS, max_running: int = 2, niceness: int = WORKER_NICENESS) -> JobQueue:
    """A queue whose worker has TensorFlow and MNIST loaded: a tiny job has run in it."""
    queue = JobQueue(max_running=max_running, threads=threads, niceness=niceness, abandon_after=3600)
    job = queue.submit("warm-up", preset("seed").replace(train_size=1000, epochs=1))
    while not (snapshot := queue.snapshot(job)).finished:
        time.sleep(0.1)
    queue.forget(job)
    if snapshot.status != JobStatus.COMPLETED:  # e.g. no MNIST: say why, not a traceback later
        queue.close()
        raise SystemExit(f"The training worker could not train a warm-up job: {outcome_text(snapshot)}")
    return queue


def train_while_drawing(queue: JobQueue, config, network, canvases, jobs: int = 1) -> dict:
    stop = threading.Event()
    result: dict = {}
    drawer = threading.Thread(target=lambda: result.update(lat=drawing_latencies(network, canvases, stop)))
    ids = [queue.submit(f"s{index}", config) for index in range(jobs)]
    drawer.start()
    peak = 0.0
    while not all(queue.snapshot(job).finished for job in ids):
        peak = max(peak, rss_mb(queue.worker_pid or 0))
        time.sleep(0.1)
    stop.set()
    drawer.join()
    snapshots = [queue.snapshot(job) for job in ids]
    images = sum(len(snap.history.batch_step) * config.batch_size for snap in snapshots)
    seconds = max(snap.seconds for snap in snapshots)
    for job in ids:
        queue.forget(job)
    return {"latencies": result["lat"], "throughput": images / seconds, "peak_worker": peak}


def row(label: str, latencies, idle, throughput: str) -> tuple[str, str, str]:
    p50, p95 = percentile(latencies, .5) * 1000, percentile(latencies, .95) * 1000
    ratio = percentile(latencies, .95) / percentile(idle, .95)
    return (f"{label}: drawing p50 / p95 (ms), p95 / idle p95, training images/s",
            f"{p50:.1f} / {p95:.1f}, {ratio:.2f}, {throughput}", "")


def main() -> None:
    parser = argument_parser(__doc__)
    parser.add_argument("--train-size", type=int, default=30_000)
    parser.add_argument("--settings", nargs="+", default=["1,1", "2,1", "0,0"],
                        help="intra,inter thread counts; 0 = TensorFlow's default")
    arguments = parser.parse_args()
    (_, _), (x_test, _) = load_mnist()
    network, _ = load_default_network()
    rng = np.random.default_rng(0)
    canvases = [drawn_canvas(digit, rng) for digit in x_test[:50]]
    config = preset("seed").replace(train_size=arguments.train_size, epochs=1)
    idle = drawing_latencies(network, canvases, threading.Event(), seconds=10)
    host = machine()
    print(f"seed preset on {arguments.train_size:,} images x 1 epoch; {host}", flush=True)
    rows = [row("no training", idle, idle, "-")]
    for setting in arguments.settings:
        threads = tuple(int(part) for part in setting.split(","))
        queue = warm_queue(threads)
        try:
            figures = train_while_drawing(queue, config, network, canvases)
            if setting == arguments.settings[0]:
                idle_worker = rss_mb(queue.worker_pid)
                two = train_while_drawing(queue, config, network, canvases, jobs=2)
                first = figures
        finally:
            queue.close()
        label = f"1 job, intra-op {threads[0] or 'default'}, inter-op {threads[1] or 'default'}"
        rows.append(row(label, figures["latencies"], idle, f"{figures['throughput']:.0f}"))
        print(rows[-1], flush=True)
    rows.append(row(f"2 jobs as threads of one worker ({arguments.settings[0]})", two["latencies"], idle,
                    f"{two['throughput']:.0f} together"))
    rows.append((f"worker RSS ({arguments.settings[0]}): idle / peak with 1 job / peak with 2 jobs (MB)",
                 f"{idle_worker:.0f} / {first['peak_worker']:.0f} / {two['peak_worker']:.0f}", ""))
    table = figure_table(rows)
    print(table)
    if arguments.no_readme:
        return
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_section("worker_threads", f"""## Training worker: TensorFlow threads, threads or processes

Command: `python benchmarks/bench_worker_threads.py --train-size {arguments.train_size} --settings
{' '.join(arguments.settings)}`. Measured {stamp} on {host}. One seed-preset job trains in the worker while
this process classifies a drawn digit five times a second the way the Draw page does
(`canvas_to_mnist` + `DenseNetwork.probabilities`); the baseline is the same loop with no training,
in the same run.

{table}
""")


if __name__ == "__main__":
    main()
