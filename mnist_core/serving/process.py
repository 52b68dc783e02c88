"""The server process's resources: freed NumPy buffers go back to the operating system at once,
and NumPy's BLAS runs one thread per call.

- glibc raises its mmap threshold each time a large buffer is freed, so a heap that once held a
  10,000-image evaluation would stay at its peak: the server fixes the threshold (the training
  worker gains nothing from it and keeps glibc's default).
- OpenBLAS splits even a 10-image product over every core, whose threads then spin: CPU taken
  from the other sessions sharing the server, so the server's BLAS runs one thread.

Measured: benchmarks/README.md, "Serving: what made the difference (history)".
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
