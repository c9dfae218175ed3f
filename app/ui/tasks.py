"""Keeping asyncio tasks alive while Qt owns the control flow.

qasync's ``asyncSlot`` keeps no reference to the task it makes, so a task started from a
slot can be garbage-collected mid-run. :class:`TaskSet` keeps them, logs failures that
nobody awaited, and cancels what is left when the window closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class TaskSet:
    """A set of running tasks that owns them until they finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(
        self, coro: Coroutine[Any, Any, Any], *, name: str | None = None
    ) -> asyncio.Task[Any]:
        task = asyncio.get_event_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("Background task %s failed", task.get_name(), exc_info=error)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
