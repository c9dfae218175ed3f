"""What the benchmark scripts share: RSS readings, paint and GUI-time probes, the app's loop.

Nothing here measures on its own; the scripts (``startup``, ``streaming``, ``history``,
``long_history``, ``memory``) use these pieces and print their own figures.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import gc
import sys
import time
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from app.core.malloc_tuning import limit_malloc_arenas
from app.ui import conversation_display
from app.ui.event_loop import AppEventLoop
from app.ui.wiring import AppParts

T = TypeVar("T")


def rss_mb(pid: int | str = "self") -> float:
    """The resident set size of process ``pid`` (default: this one) in MB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    return kb / 1024


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (gives freed heap pages back to the system), or None."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


MALLOC_TRIM = _malloc_trim()


def settled_rss() -> dict[str, float]:
    """RSS after ``gc.collect()`` (``rss_mb``), then after glibc's ``malloc_trim(0)`` too
    (``rss_trimmed_mb``: freed memory glibc was keeping is no longer counted)."""
    gc.collect()
    untrimmed = rss_mb()
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)
    return {"rss_mb": round(untrimmed, 1), "rss_trimmed_mb": round(rss_mb(), 1)}


def describe_rss(reading: dict[str, float]) -> str:
    """``"84.2 MB"``, or ``"84.2 MB (80.1 MB after malloc_trim)"`` when trimming mattered."""
    untrimmed, trimmed = reading["rss_mb"], reading["rss_trimmed_mb"]
    if abs(untrimmed - trimmed) < 0.5:
        return f"{trimmed:.1f} MB"
    return f"{untrimmed:.1f} MB ({trimmed:.1f} MB after malloc_trim)"


def run_in_app(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``make()`` on the app's own event loop (qasync over a fresh
    QApplication, as ``python -m app`` does), then close the loop.

    Raises:
        RuntimeError: a slot raised meanwhile (PySide prints it and goes on, so the
            figures would describe a broken run).
    """
    limit_malloc_arenas()  # as app.__main__.main does, before any thread starts
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    raised: list[str] = []

    def record(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        raised.append("".join(traceback.format_exception(kind, error, tb)))
        sys.__excepthook__(kind, error, tb)

    sys.excepthook = record
    try:
        with loop:
            result: T = loop.run_until_complete(make())
            loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        sys.excepthook = sys.__excepthook__
    if raised:
        raise RuntimeError(f"the app raised {len(raised)} time(s) while measured:\n{raised[0]}")
    return result


class PaintWatch(QObject):
    """Resolves ``painted`` (a ``perf_counter`` time) at the first paint of a widget after
    :meth:`arm`."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.widget = widget
        self.painted: asyncio.Future[float] = asyncio.get_event_loop().create_future()
        self.armed = False
        widget.installEventFilter(self)

    def arm(self, *_args: object) -> None:
        """Count the next paint (and ask for one)."""
        self.armed = True
        self.widget.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.armed and not self.painted.done():
            self.painted.set_result(time.perf_counter())
            self.widget.removeEventFilter(self)
        return False


class GuiTimer:
    """Sums the wall time spent inside one function (it runs on the GUI thread)."""

    def __init__(self, owner: Any, name: str) -> None:
        self.total = 0.0
        self.owner, self.name = owner, name
        self.original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.total += time.perf_counter() - start

        setattr(owner, name, timed)

    def restore(self) -> None:
        setattr(self.owner, self.name, self.original)


async def time_until_shown(
    parts: AppParts, request: Callable[[], None], expected: int
) -> tuple[float, float]:
    """Call ``request`` (which asks for a conversation of ``expected`` messages) and wait
    for the chat view's next paint with it.

    Returns (ms from the request to that paint, ms of it building the view on the GUI
    thread).
    """
    import app.ui.wiring as wiring

    timers = [
        GuiTimer(conversation_display, "show_conversation"),
        GuiTimer(wiring, "show_conversation"),
    ]
    watch = PaintWatch(parts.window.chat_view.viewport())
    parts.chat.conversationLoaded.connect(watch.arm)  # after the view was built
    start = time.perf_counter()
    request()
    painted = await watch.painted
    parts.chat.conversationLoaded.disconnect(watch.arm)
    for timer in timers:
        timer.restore()
    shown = len(parts.chat.conversation.messages)
    if shown != expected:
        raise RuntimeError(f"opened {shown} messages, expected {expected}")
    return (painted - start) * 1000, sum(timer.total for timer in timers) * 1000
