"""The asyncio loop that runs inside Qt's event loop (qasync), with the missing pieces.

qasync does not install Python's async-generator hooks, so leaving an
``async for`` over an httpx stream early warns "async generator ignored GeneratorExit".
:class:`AppEventLoop` installs them for as long as the loop runs, and knows how to be
closed when it was attached to an already running Qt loop (as under pytest-qt).

qasync also leaves the Qt timer of a cancelled ``call_later`` armed until it fires.
httpx arms a read timeout (120 s) for every chunk of a streamed reply and cancels it
when the chunk arrives, so a reply of 300 tokens left ~265 dead timers behind, alive for
two minutes each; :meth:`AppEventLoop.call_later` kills the timer when the handle is
cancelled.
"""

from __future__ import annotations

import asyncio
import contextvars
import sys
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QObject, QThread


class _TimerHandle(asyncio.Handle):
    """A handle that calls ``on_cancel`` when cancelled (to kill its Qt timer)."""

    def __init__(
        self,
        callback: Callable[..., object],
        args: tuple[Any, ...],
        loop: asyncio.AbstractEventLoop,
        context: contextvars.Context | None,
        on_cancel: Callable[[asyncio.Handle], None],
    ) -> None:
        super().__init__(callback, args, loop, context=context)
        self._on_cancel: Callable[[asyncio.Handle], None] | None = on_cancel

    def cancel(self) -> None:
        if not self.cancelled():
            super().cancel()
            if self._on_cancel is not None:
                self._on_cancel(self)
        self._on_cancel = None


class AppEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's QEventLoop plus async-generator hooks, dead timers killed, a clean detach."""

    _saved_hooks: Any = None

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        """As qasync's, but cancelling the handle also kills its Qt timer."""
        if delay <= 0:  # call_soon: fires on the next pass, nothing to clean up
            return super().call_later(delay, callback, *args, context=context)  # type: ignore[no-any-return]
        handle = _TimerHandle(callback, args, self, context, self._kill_timer)
        timer: QObject = self._timer
        timer_id = timer.startTimer(int(delay * 1000))
        self._timer_callbacks()[timer_id] = handle
        handle._qt_timer_id = timer_id  # type: ignore[attr-defined]
        return handle

    def _timer_callbacks(self) -> dict[int, asyncio.Handle]:
        callbacks: dict[int, asyncio.Handle] = self._timer._SimpleTimer__callbacks
        return callbacks

    def _kill_timer(self, handle: asyncio.Handle) -> None:
        timer: QObject = self._timer
        if QThread.currentThread() is not timer.thread():
            return  # cancelled from another thread: qasync drops it when it fires
        timer_id = getattr(handle, "_qt_timer_id", None)
        callbacks = self._timer_callbacks()
        if timer_id is not None and callbacks.get(timer_id) is handle:
            timer.killTimer(timer_id)
            del callbacks[timer_id]

    def _before_run_forever(self) -> None:
        self._saved_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(
            firstiter=self._asyncgen_firstiter_hook,
            finalizer=self._asyncgen_finalizer_hook,
        )
        super()._before_run_forever()

    def _after_run_forever(self) -> None:
        super()._after_run_forever()
        if self._saved_hooks is not None:
            sys.set_asyncgen_hooks(*self._saved_hooks)
            self._saved_hooks = None

    def close(self) -> None:
        """Close, and kill the Qt timers of callbacks that never ran.

        qasync's timer object only flags itself stopped; its pending Qt timers stay
        armed, and if the loop is later garbage-collected in a worker thread, Qt warns
        "Timers cannot be stopped from another thread" and may crash. Kill them here,
        in the GUI thread.
        """
        timer = self._timer
        callbacks = self._timer_callbacks()
        for timer_id in list(callbacks):
            timer.killTimer(timer_id)
        callbacks.clear()
        super().close()

    def detach(self) -> None:
        """Close a loop made with ``already_running=True`` without quitting Qt.

        ``stop()`` would call ``QApplication.exit()`` while Qt's own loop is not running,
        after which every nested Qt loop returns at once; so mark the loop stopped by hand.
        """
        for task in asyncio.all_tasks(self):
            task.cancel()
        self._after_run_forever()
        self._QEventLoop__is_running = False
        asyncio.events._set_running_loop(None)
        self.close()
