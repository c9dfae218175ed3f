"""The app's asyncio loop over Qt: cancelled timers do not linger, live ones still fire."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from app.ui.event_loop import AppEventLoop


def armed(loop: AppEventLoop) -> int:
    return len(loop._timer_callbacks())


def test_a_cancelled_call_later_disarms_its_qt_timer(qloop: AppEventLoop) -> None:
    before = armed(qloop)
    handles = [qloop.call_later(120, lambda: None) for _ in range(50)]
    assert armed(qloop) == before + 50

    for handle in handles:
        handle.cancel()

    assert armed(qloop) == before


def test_a_timer_that_is_not_cancelled_still_fires(qloop: AppEventLoop, qtbot: QtBot) -> None:
    fired: list[str] = []
    qloop.call_later(0.01, fired.append, "late")
    qloop.call_later(0, fired.append, "soon")
    cancelled = qloop.call_later(0.01, fired.append, "cancelled")
    cancelled.cancel()
    cancelled.cancel()  # twice is harmless

    qtbot.waitUntil(lambda: fired == ["soon", "late"])


def test_wait_for_with_a_timeout_leaves_no_timer_behind(qloop: AppEventLoop, qtbot: QtBot) -> None:
    before = armed(qloop)

    async def quick() -> int:
        return await asyncio.wait_for(asyncio.sleep(0, result=7), timeout=60)

    task = qloop.create_task(quick())
    qtbot.waitUntil(task.done)

    assert task.result() == 7
    assert armed(qloop) == before
