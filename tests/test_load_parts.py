"""The load test's split of a stroke's time, and its CPU per process group (benchmarks/load_parts.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from benchmarks.load_parts import (
    GROUPS,
    StrokeParts,
    cores_used,
    cpu_by_group,
    cpu_seconds,
    lowest_nice_by_group,
    peak_rss_mb,
    process_ids,
    rss_bytes,
    run_queue_wait_seconds,
    stroke_parts,
    thread_nice_values,
    waiting_share,
)


def test_a_stroke_splits_at_the_send_after_the_last_release_and_the_first_reply_after_it():
    events = [["up", 100.0], ["s", 150.0], ["r", 160.0],  # an earlier stroke of the same digit
              ["up", 1000.0], ["r", 1100.0], ["s", 1204.0], ["r", 1210.0], ["r", 1250.0]]
    parts = stroke_parts(events, total_ms=1290.0 - 1000.0)
    assert parts == StrokeParts(canvas=204.0, first_reply=6.0, rerun_and_paint=80.0)


@pytest.mark.parametrize("events", [[], [["s", 1.0], ["r", 2.0]], [["up", 1.0], ["s", 2.0]]])
def test_a_stroke_without_its_release_send_or_reply_has_no_split(events):
    assert stroke_parts(events, total_ms=300.0) is None


def test_cpu_of_a_busy_child_counts_as_the_server_s_child_and_cores_are_per_second():
    before = cpu_by_group(os.getpid())  # this test process stands in for the server
    busy = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    child = subprocess.Popen([sys.executable, "-c", busy + "\ninput()"], stdin=subprocess.PIPE)
    try:
        deadline = 0
        while (after := cpu_by_group(os.getpid()))["training worker"] - before["training worker"] < 0.3:
            deadline += 1
            assert deadline < 10_000, "the child's CPU never showed"
        assert set(after) == set(GROUPS)
        cores = cores_used(before, after, seconds=2.0)
        assert 0.15 <= cores["training worker"] < 1.0
    finally:
        child.communicate(b"\n", timeout=30)


def test_rss_and_peak_rss_grow_with_what_a_process_holds_and_are_empty_for_a_gone_process():
    holder = subprocess.Popen(
        [sys.executable, "-c", "block = bytearray(200 * 1024 * 1024)\nprint(1, flush=True)\ninput()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    try:
        holder.stdout.readline()  # the 200 MB are allocated (and zeroed, so resident)
        assert peak_rss_mb(holder.pid) >= 200
        assert 200 * 2**20 <= rss_bytes(holder.pid) <= peak_rss_mb(holder.pid) * 2**20
    finally:
        holder.communicate(b"\n")
    assert peak_rss_mb(holder.pid) is None
    assert rss_bytes(holder.pid) == 0


def test_a_process_is_found_by_its_command_line_and_only_its_own_cpu_counts():
    marker = "bench-cpu-seconds-marker"
    busy = f"# {marker}\nimport time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    child = subprocess.Popen([sys.executable, "-c", busy + "\ninput()"], stdin=subprocess.PIPE)
    try:
        ids = set()
        for _ in range(10_000):
            if (ids := process_ids(marker)) and cpu_seconds(ids) >= 0.3:
                break
        assert ids == {child.pid}
        assert 0.3 <= cpu_seconds(ids) < 5.0
        assert cpu_seconds({child.pid, 2**22 + 1}) == cpu_seconds(ids)  # a gone process counts 0
    finally:
        child.communicate(b"\n", timeout=30)


def test_thread_nice_values_read_each_thread_s_own_value():
    inherited = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = min(19, inherited + 7)
    one_thread_lowered = (
        "import os, threading\n"
        "def lowered():\n"
        f"    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), {lowered})\n"
        "    threading.Event().wait()\n"
        "threading.Thread(target=lowered, daemon=True).start()\n"
        "input()"
    )
    child = subprocess.Popen([sys.executable, "-c", one_thread_lowered], stdin=subprocess.PIPE)
    try:
        deadline = 0
        while lowered not in (values := thread_nice_values({child.pid})):
            deadline += 1
            assert deadline < 10_000, f"the thread's nice {lowered} never showed: {values}"
        assert sorted(values) == [inherited, lowered]  # the main thread kept its own
        assert thread_nice_values({child.pid, 2**22 + 1}) == values  # a gone pid adds nothing
    finally:
        child.communicate(b"\n", timeout=30)


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
    c.communicate("\\n", timeout=30)
"""
    server = subprocess.Popen(
        [sys.executable, "-c", server_script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout.readline().strip() == "ready"
        lowest = lowest_nice_by_group(server.pid)
        assert lowest["server"] == inherited
        assert lowest["training worker"] == lowered
        assert set(lowest) <= set(GROUPS)
    finally:
        server.communicate("\n", timeout=30)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity: Linux only")
def test_run_queue_wait_grows_while_others_hold_the_only_cpu():
    burn = (  # a second of wall time spent busy on one given CPU
        "import os, time\nos.sched_setaffinity(0, {%d})\n"
        "end = time.time() + 1.0\nwhile time.time() < end: pass"
    )
    cpu = min(os.sched_getaffinity(0))
    rivals = [subprocess.Popen([sys.executable, "-c", burn % cpu]) for _ in range(2)]
    measured = subprocess.Popen([sys.executable, "-c", burn % cpu + "\ninput()"], stdin=subprocess.PIPE)
    try:
        for rival in rivals:
            rival.wait(timeout=30)
        time.sleep(0.1)  # the measured child has finished its second and waits on input()
        waited = run_queue_wait_seconds(measured.pid)
        # Three busy processes shared one CPU for a second: each ran about 1/3 s and waited 2/3 s.
        assert waited is not None and 0.5 < waited < 1.5
    finally:
        measured.communicate(b"\n", timeout=30)
    assert run_queue_wait_seconds(2**22 + 1) is None  # no such thread


@pytest.mark.parametrize(
    ("start", "end", "share"),
    [((10.0, 1.0), (20.0, 3.5), 0.25), ((10.0, None), (20.0, 3.5), None), ((10.0, 1.0), (10.0, 1.0), None)],
)
def test_waiting_share_is_the_wait_over_the_wall_time_between_two_readings(start, end, share):
    assert waiting_share(start, end) == share
