"""The server process's settings: freed arrays go back to the system, one BLAS thread, and the
garbage collector leaves the pages' long-lived objects alone."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
import numpy as np
from mnist_core.serving.process import release_freed_buffers_promptly

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

if sys.argv[1] == "set":
    assert release_freed_buffers_promptly()
big = np.ones(20 * 2**20 // 8)  # one 20 MB buffer, freed: glibc then raises its threshold
del big
before = rss_mb()
kept = []
for _ in range(60):  # 60 arrays of 1 MB, each freed after the next is made
    kept = [np.ones(2**20 // 8)] + kept[:1]
    scratch = [np.ones(2**20 // 8) for _ in range(8)]
    del scratch
print(rss_mb() - before)
"""


def growth_mb(mode: str) -> float:
    result = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                            check=True, timeout=60)
    return float(result.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_freed_buffers_go_back_to_the_system():
    """With the threshold fixed, short-lived 1 MB arrays leave no heap behind."""
    assert growth_mb("set") < 4.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_without_it_the_heap_keeps_them():
    """The control: glibc's default keeps them (what the setting is for)."""
    assert growth_mb("default") > 6.0


def test_blas_keeps_to_one_thread():
    """After ``one_blas_thread`` no BLAS pool of this process runs more than one thread."""
    from threadpoolctl import threadpool_info, threadpool_limits

    from mnist_core.serving.process import one_blas_thread

    with threadpool_limits():  # restores the test process's own limits afterwards
        one_blas_thread()
        pools = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert pools and all(pool["num_threads"] == 1 for pool in pools)


@pytest.mark.xdist_group("fresh_process")
def test_each_pages_first_run_leaves_the_collector_little_to_scan(pages_in_a_fresh_process):
    """Streamlit's full ``gc.collect()`` after every script run scans only the objects made since
    the last page's first run (``freeze_startup_objects``), not what each page's first run left.
    Freezing after Home's first run only left about 6,100 objects here after all six pages."""
    assert pages_in_a_fresh_process["tracked"] < 2000
