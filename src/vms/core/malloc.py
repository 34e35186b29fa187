"""Pin glibc's mmap threshold, so packet buffers never fragment the per-thread heaps.

Why this exists: glibc raises its mmap threshold each time a large mmapped block is freed (the
"dynamic threshold", up to 32 MiB). From then on, keyframe-sized buffers (100-500 KiB) that the
demux threads allocate and the writer threads free are carved from per-thread arenas, which
fragment and never shrink: measured at 8.4 MiB of unique memory per camera instead of 3.1 MiB.
A fixed threshold (setting one also turns the dynamic adjustment off) hands such buffers back to
the kernel the moment they are freed. Python has no API for this, so it is glibc's `mallopt`
through ctypes; on a C library without it (musl) nothing happens.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's <malloc.h> parameter number
DEFAULT_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value


def pin_mmap_threshold(threshold_bytes: int = DEFAULT_THRESHOLD_BYTES) -> bool:
    """Fix the size above which malloc uses mmap; True when the C library accepted it."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold_bytes))
