"""The /proc readers the benchmarks and browser tests share (harness/processes.py).

Nothing here depends on speed or load: each child process says on its stdout when the thing
read is in place (its CPU reached a figure by its own /proc reading, its thread lowered its
priority), and every wait for it has a deadline in seconds. The run-queue test checks an
identity of the scheduler's accounting (a busy thread's wall time is its run time plus its wait
for a CPU), not a share of the wall time.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from harness.processes import (
    GROUPS,
    cores_used,
    cpu_by_group,
    cpu_seconds,
    lowest_nice_by_group,
    peak_rss_mb,
    process_ids,
    rss_bytes,
    run_queue_wait_seconds,
    thread_nice_values,
    waiting_share,
)

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 60  # seconds a child may take to say it is ready, however busy the machine
GONE_PID = 2**22 + 1  # above Linux's pid_max: no such process
# A child that burns CPU until its own /proc reading (the one harness.processes reads) shows
# at least BURN seconds, says so, and then waits for a line on its stdin.
BURN = 0.1
BURN_SCRIPT = f"""
import os
def cpu():
    fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
while cpu() < {BURN}:
    pass
print("ready", flush=True)
input()
"""


def start(script: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def read_line(child: subprocess.Popen, timeout: float = DEADLINE) -> str:
    """The child's next stdout line; fails (instead of hanging) if none comes within ``timeout`` s."""
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    assert ready, f"the child said nothing within {timeout} s"
    return child.stdout.readline().strip()


def finish(child: subprocess.Popen) -> None:
    child.communicate("\n", timeout=DEADLINE)


def test_cpu_of_a_busy_child_counts_as_the_server_s_child():
    before = cpu_by_group(os.getpid())  # this test process stands in for the server
    child = start(BURN_SCRIPT)
    try:
        assert read_line(child) == "ready"
        after = cpu_by_group(os.getpid())
        assert set(after) == set(GROUPS)
        # /proc counts in 10 ms ticks, summed as floats: 87.11 - 87.01 came out just under 0.1
        assert after["training worker"] - before["training worker"] >= BURN - 0.011
        assert after["server"] >= before["server"]
    finally:
        finish(child)


def test_cores_used_are_each_group_s_cpu_seconds_per_wall_second_and_never_negative():
    before = {group: 1.0 for group in GROUPS}
    after = {**before, "server": 2.0, "training worker": 0.5}  # the worker ended and a new one started
    cores = cores_used(before, after, seconds=4.0)
    assert cores == {**{group: 0.0 for group in GROUPS}, "server": 0.25}


def test_rss_and_peak_rss_grow_with_what_a_process_holds_and_are_empty_for_a_gone_process():
    holder = start("block = bytearray(64 * 1024 * 1024)\nprint('ready', flush=True)\ninput()")
    try:
        assert read_line(holder) == "ready"  # the 64 MB are allocated (and zeroed, so resident)
        assert peak_rss_mb(holder.pid) >= 64
        assert 64 * 2**20 <= rss_bytes(holder.pid) <= peak_rss_mb(holder.pid) * 2**20
    finally:
        finish(holder)
    assert peak_rss_mb(holder.pid) is None
    assert rss_bytes(holder.pid) == 0


def test_a_process_is_found_by_its_command_line_and_only_its_own_cpu_counts():
    marker = f"harness-cpu-seconds-marker-{uuid.uuid4().hex}"  # no other run's child has it
    child = start(f"# {marker}\n{BURN_SCRIPT}")
    try:
        assert read_line(child) == "ready"
        ids = process_ids(marker)
        assert ids == {child.pid}
        assert BURN <= cpu_seconds(ids) < 10 * BURN
        assert cpu_seconds({child.pid, GONE_PID}) == cpu_seconds(ids)  # a gone process counts 0
    finally:
        finish(child)
    assert process_ids(marker) == set()


def test_thread_nice_values_read_each_thread_s_own_value():
    inherited = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = min(19, inherited + 7)
    one_thread_lowered = (
        "import os, threading\n"
        "done = threading.Event()\n"
        "def lowered():\n"
        f"    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), {lowered})\n"
        "    done.set()\n"
        "    threading.Event().wait()\n"
        "threading.Thread(target=lowered, daemon=True).start()\n"
        "done.wait()\n"
        "print('ready', flush=True)\n"
        "input()"
    )
    child = start(one_thread_lowered)
    try:
        assert read_line(child) == "ready"
        values = thread_nice_values({child.pid})
        assert sorted(values) == sorted([inherited, lowered])  # the main thread kept its own
        assert thread_nice_values({child.pid, GONE_PID}) == values  # a gone pid adds nothing
    finally:
        finish(child)


def test_lowest_nice_per_group_is_the_highest_priority_thread_of_each():
    inherited = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = min(19, inherited + 5)
    # A stand-in server (a process of its own: the test process may have other children) with
    # two children: a worker that lowers its priority, and multiprocessing's resource tracker.
    server_script = f"""
import subprocess, sys
def child(code):
    return subprocess.Popen([sys.executable, "-c", code + "\\nprint('ready', flush=True)\\ninput()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
children = [child("import os\\nos.nice({lowered - inherited})"), child("# multiprocessing.resource_tracker")]
assert all(c.stdout.readline().strip() == "ready" for c in children)
print("ready", flush=True)
input()
for c in children:
    c.communicate("\\n", timeout=60)
"""
    server = start(server_script)
    try:
        assert read_line(server) == "ready"
        lowest = lowest_nice_by_group(server.pid)
        assert lowest["server"] == inherited
        assert lowest["training worker"] == lowered
        assert set(lowest) <= set(GROUPS)
    finally:
        finish(server)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity: Linux only")
def test_run_queue_wait_is_a_busy_thread_s_wall_time_not_spent_running():
    """A thread that is always runnable either runs or waits for a CPU: over a window, its wait
    is the window less its CPU time, however busy the machine. With two rivals busy on its only
    CPU it waits most of the window (about 2/3; more if the machine is busy, never less).

    The busy child reads its own wait with ``run_queue_wait_seconds`` at both ends of the window,
    so the time it takes to wake up and to report does not count."""
    cpu = min(os.sched_getaffinity(0))
    pin = f"import os, sys, time\nos.sched_setaffinity(0, {{{cpu}}})\n"
    rivals = [start(pin + "print('ready', flush=True)\nwhile True:\n    pass") for _ in range(2)]
    measured = start(
        pin + f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from harness.processes import run_queue_wait_seconds\n"
        "print('ready', flush=True)\ninput()\n"
        "waited, wall, ran = run_queue_wait_seconds(os.getpid()), time.perf_counter(), time.thread_time()\n"
        "while time.perf_counter() - wall < 0.3:\n    pass\n"
        "waited = run_queue_wait_seconds(os.getpid()) - waited\n"
        "print(time.perf_counter() - wall, time.thread_time() - ran, waited, flush=True)\n"
        "input()"
    )
    try:
        assert all(read_line(child) == "ready" for child in [*rivals, measured])
        measured.stdin.write("\n")
        measured.stdin.flush()
        wall, ran, waited = map(float, read_line(measured).split())
        assert abs(waited - (wall - ran)) < 0.02 + 0.05 * wall
        assert waited > 0.5 * wall
    finally:
        for rival in rivals:
            rival.kill()
            rival.communicate(timeout=DEADLINE)
        finish(measured)
    assert run_queue_wait_seconds(GONE_PID) is None  # no such thread


@pytest.mark.parametrize(
    ("start_reading", "end_reading", "share"),
    [((10.0, 1.0), (20.0, 3.5), 0.25), ((10.0, None), (20.0, 3.5), None), ((10.0, 1.0), (10.0, 1.0), None)],
)
def test_waiting_share_is_the_wait_over_the_wall_time_between_two_readings(start_reading, end_reading, share):
    assert waiting_share(start_reading, end_reading) == share
