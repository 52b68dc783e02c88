"""The server process's resources: freed NumPy buffers go back to the operating system at once,
and NumPy's BLAS runs one thread per call.

glibc's ``malloc`` serves a request of 128 KiB or more with a mapping of its own, unmapped when
the buffer is freed. But each time such a buffer is freed it raises that threshold to the
buffer's size (up to 32 MiB), so later arrays of up to that size come from the heap, and a heap
that once held a 10,000-image evaluation stays as large as its peak. A server that keeps a few
hundred MB of long-lived data then sits at twice that.

Measured in one process serving Home, Draw, Predictions, Dataset and Inside the network
(AppTest, shipped model): 452 MB RSS with glibc's default, 278 MB with the threshold fixed at
256 KiB; 2.9 % more wall time for the five first runs (noise on a shared machine). The
training worker gains nothing from it (TensorFlow's peak is its own), so only the server sets it.

OpenBLAS splits even a 10-image matrix product over every core and its threads then spin,
waiting for more: on a server where many sessions share two cores that is CPU taken from
other sessions. Measured with ``python benchmarks/bench_deploy.py --skip-cold --sessions 5``,
same machine, back to back: server CPU per new session opening Home 0.31 s with OpenBLAS'
default threads, 0.21 s with one (the other pages within noise). Scoring the 10,000 test images
for a new model, once, takes a few tens of milliseconds longer.
"""

from __future__ import annotations

import ctypes

from threadpoolctl import threadpool_limits

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
MMAP_THRESHOLD_BYTES = 256 * 1024  # arrays from this size on get their own mapping, always


def release_freed_buffers_promptly() -> bool:
    """Fix glibc's mmap threshold at ``MMAP_THRESHOLD_BYTES`` (``mallopt``) for this process.

    Returns True when set; False where the C library is not glibc (macOS, musl), where nothing
    changes.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    except (OSError, AttributeError):
        return False


def one_blas_thread() -> None:
    """NumPy's BLAS (OpenBLAS) uses one thread per call in this process from now on."""
    threadpool_limits(limits=1, user_api="blas")
