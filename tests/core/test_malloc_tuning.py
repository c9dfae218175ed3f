"""The allocator cap takes effect on glibc (this machine and CI) and is harmless twice."""

from __future__ import annotations

import subprocess
import sys


def test_the_arena_cap_is_accepted_by_glibc() -> None:
    # In a child process: the cap is global and must not leak into other tests.
    code = "from app.core.malloc_tuning import limit_malloc_arenas as f; print(f(), f(4))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
