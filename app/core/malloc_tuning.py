"""Memory tuning: glibc's malloc arenas and free pages, and the cycle collector.

Keep glibc's allocator from holding on to freed memory across many arenas.

glibc gives each thread that allocates its own malloc arena (up to 8 per core). The
app's worker threads (SQLite writes, JSON encoding, audio) each fill one, and freed
blocks stay in the arena they came from, so RSS creeps up over a long session. Two
arenas halve the growth measured by ``tests/benchmarks/memory.py`` (see its README)
at no measurable cost: the GUI thread allocates nearly everything.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from functools import cache
from typing import Any

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas; True when it took effect (False elsewhere: not glibc)."""
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Give the pages glibc keeps free back to the system (``malloc_trim(0)``).

    Called when a reply ends: a streamed reply frees much of what it allocated (Qt's
    text layouts, the HTTP buffers), and glibc would otherwise keep it for later, so the
    RSS a user sees would read ~4 MB higher after 200 replies than what is in use. True
    when it ran (False elsewhere: not glibc).
    """
    trim = _libc_function("malloc_trim")
    if trim is None:
        return False
    trim.argtypes = (ctypes.c_size_t,)
    trim.restype = ctypes.c_int
    trim(0)
    return True


@cache
def _libc_function(name: str) -> Any:
    """glibc's function ``name`` (looked up once: ``release_free_memory`` runs per reply)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL("libc.so.6"), name)  # glibc's soname
    except (OSError, AttributeError):
        return None  # musl and other libcs


def freeze_start_up_objects() -> None:
    """Keep what start-up made (modules, classes, the window) out of full collections.

    They live as long as the app. Opening a long conversation makes ~18k objects, which
    sets off a full pass of Python's cycle collector; without this it walks every
    object of start-up too (~29 ms on the GUI thread, the slowest switches measured by
    ``tests/benchmarks/long_history.py``).
    """
    gc.collect()
    gc.freeze()
