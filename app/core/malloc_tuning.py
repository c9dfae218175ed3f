"""Keep glibc's allocator from holding on to freed memory across many arenas.

glibc gives each thread that allocates its own malloc arena (up to 8 per core). The
app's worker threads (SQLite writes, JSON encoding, audio) each fill one, and freed
blocks stay in the arena they came from, so RSS creeps up over a long session. Two
arenas halve the growth measured by ``tests/benchmarks/memory.py`` (see its README)
at no measurable cost: the GUI thread allocates nearly everything.
"""

from __future__ import annotations

import ctypes
import sys

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas; True when it took effect (False elsewhere: not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")  # glibc's soname (find_library costs ~10 ms)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False  # musl and other libcs have no mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))
