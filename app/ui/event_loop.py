"""The asyncio loop that runs inside Qt's event loop (qasync), with the missing pieces.

qasync does not install Python's async-generator hooks, so leaving an
``async for`` over an httpx stream early warns "async generator ignored GeneratorExit".
:class:`AppEventLoop` installs them for as long as the loop runs, and knows how to be
closed when it was attached to an already running Qt loop (as under pytest-qt).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import qasync


class AppEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's QEventLoop plus async-generator hooks and a clean detach."""

    _saved_hooks: Any = None

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
        callbacks: dict[int, Any] = getattr(timer, "_SimpleTimer__callbacks", {})
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
