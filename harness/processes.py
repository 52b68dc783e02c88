"""What the benchmarks and the browser tests read about processes from Linux /proc.

- CPU seconds (utime + stime) per process, and summed per group of the load test's processes:
  the app server, its child processes (the training worker), the Chromiums and the Playwright
  drivers that stand in for the students' machines (``cpu_by_group``, ``cores_used``);
- each thread's priority (nice value), and each group's highest (``thread_nice_values``,
  ``lowest_nice_by_group``);
- how long a thread waited for a CPU (``run_queue_wait_seconds``, /proc/<pid>/schedstat);
- a process's memory now and at its peak (``rss_bytes``, ``rss_mb``, ``peak_rss_mb``);
- process ids by command line, and ancestry (``process_ids``, ``descends_from``).

Processes come and go while these run: a process gone meanwhile counts nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

GROUPS = ("server", "training worker", "Chromium", "Playwright drivers")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _fields(stat_path: str) -> list[str] | None:
    """The fields of a /proc stat file after the command name (state first), or None if gone."""
    try:
        return Path(stat_path).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, or None if it is gone."""
    if (fields := _fields(f"/proc/{pid}/stat")) is None:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def _group(pid: str, parent: int, server_pid: int) -> str | None:
    if int(pid) == server_pid:
        return "server"
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return None
    if parent == server_pid:  # the worker, or multiprocessing's resource tracker (not counted)
        return None if b"resource_tracker" in command else "training worker"
    if b"chromium" in command or b"chrome" in command:
        return "Chromium"
    if b"playwright" in command and b"node" in command:
        return "Playwright drivers"
    return None


def _processes_by_group(server_pid: int) -> dict[str, dict[int, float]]:
    """{group: {pid: CPU seconds so far}} of every live process in one of ``GROUPS``."""
    members: dict[str, dict[int, float]] = {}
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit() or (stat := _stat(entry.name)) is None:
            continue
        if (group := _group(entry.name, stat[0], server_pid)) is not None:
            members.setdefault(group, {})[int(entry.name)] = stat[1]
    return members


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds so far of every live process, summed per group of ``GROUPS``."""
    members = _processes_by_group(server_pid)
    return {group: sum(members.get(group, {}).values(), 0.0) for group in GROUPS}


def lowest_nice_by_group(server_pid: int) -> dict[str, int]:
    """The lowest nice value (the highest CPU priority) of any thread, per group of ``GROUPS``
    that has a live process."""
    lowest = {group: min(thread_nice_values(set(ids)), default=None)
              for group, ids in _processes_by_group(server_pid).items()}
    return {group: lowest[group] for group in GROUPS if lowest.get(group) is not None}


def descends_from(pid: int, ancestor: int) -> bool:
    """Whether process ``pid`` is a descendant of ``ancestor`` (False once either is gone)."""
    while pid > 1:
        if (stat := _stat(str(pid))) is None:
            return False
        pid = stat[0]
        if pid == ancestor:
            return True
    return False


def run_queue_wait_seconds(thread_id: int) -> float | None:
    """Seconds thread ``thread_id`` has spent runnable but waiting for a CPU so far (Linux
    /proc/<id>/schedstat; a process id names its main thread), or None where not available."""
    try:
        return int(Path(f"/proc/{thread_id}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def waiting_share(start: tuple[float, float | None], end: tuple[float, float | None]) -> float | None:
    """Share of the wall time between two (monotonic seconds, run-queue wait seconds) readings
    that the thread spent waiting for a CPU; None if either wait is unknown."""
    if start[1] is None or end[1] is None or end[0] <= start[0]:
        return None
    return (end[1] - start[1]) / (end[0] - start[0])


def process_ids(name: str) -> set[int]:
    """Ids of the live processes whose command line holds ``name`` (e.g. "chromium")."""
    found, proc = set(), Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        try:
            if entry.name.isdigit() and name.encode() in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except OSError:  # gone meanwhile
            continue
    return found


def thread_nice_values(ids: set[int]) -> list[int]:
    """The nice value of every thread of the live processes among ``ids`` (on Linux each
    thread has its own)."""
    values = []
    for pid in ids:
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:  # gone meanwhile
            continue
        for task in tasks:
            if (fields := _fields(str(task / "stat"))) is not None:
                values.append(int(fields[16]))
    return values


def cpu_seconds(ids: set[int]) -> float:
    """CPU seconds so far of the live processes among ``ids``."""
    return sum(stat[1] for pid in ids if (stat := _stat(str(pid))) is not None)


def cores_used(before: dict[str, float], after: dict[str, float], seconds: float) -> dict[str, float]:
    """Average cores each group used between two ``cpu_by_group`` readings ``seconds`` apart.

    A process that started in between counts all its CPU; none ends during the load phase.
    """
    return {group: max(0.0, after[group] - before[group]) / seconds for group in GROUPS}


def _status_kib(pid: int, key: str) -> int | None:
    """A memory field of /proc/<pid>/status (``key``: "VmRSS", "VmHWM"), in KiB; None if the
    process is gone or the field is missing."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return None


def rss_bytes(pid: int) -> int:
    """A process's resident memory now (VmRSS), in bytes; 0 once it has exited."""
    return (_status_kib(pid, "VmRSS") or 0) * 1024


def rss_mb(pid: int) -> float:
    """``rss_bytes`` in MB (MiB, as ``peak_rss_mb``)."""
    return rss_bytes(pid) / 2**20


def peak_rss_mb(pid: int) -> float | None:
    """A live process's peak resident memory so far (VmHWM in /proc), in MB; None if unreadable."""
    peak = _status_kib(pid, "VmHWM")
    return None if peak is None else peak / 1024
