"""The allocator cap takes effect on glibc (this machine and CI) and is harmless twice;
what start-up made is kept out of the cycle collector's passes."""

from __future__ import annotations

import gc
import subprocess
import sys

from app.core.malloc_tuning import freeze_start_up_objects, release_free_memory


def test_the_arena_cap_is_accepted_by_glibc() -> None:
    # In a child process: the cap is global and must not leak into other tests.
    code = "from app.core.malloc_tuning import limit_malloc_arenas as f; print(f(), f(4))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_start_up_objects_are_frozen_out_of_the_collector() -> None:
    class Survivor:
        pass

    made_at_start = Survivor()
    assert any(made_at_start is thing for thing in gc.get_objects())
    try:
        freeze_start_up_objects()
        assert gc.get_freeze_count() > 0
        assert all(made_at_start is not thing for thing in gc.get_objects())  # not walked
    finally:
        gc.unfreeze()


def test_free_pages_are_given_back_on_glibc() -> None:
    assert release_free_memory() is sys.platform.startswith("linux")
