"""Shared fixtures: Qt offscreen, a qasync loop inside pytest-qt's Qt loop, the simulator."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import; xcb may win

import pytest
from PySide6.QtWidgets import QApplication

from app.ui.event_loop import AppEventLoop
from tests.sim import Simulator


@pytest.fixture
def qloop(qapp: QApplication, qtbot: object) -> Iterator[AppEventLoop]:
    """A qasync loop attached to the Qt loop that qtbot.waitUntil/waitSignal spin."""
    loop = AppEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        qtbot.waitUntil(lambda: all(task.done() for task in pending), timeout=5000)  # type: ignore[attr-defined]
    loop.detach()
    asyncio.set_event_loop(None)
    del loop
    gc.collect()  # collect Qt wrappers here, in the GUI thread, not in a worker thread


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """The MiMo simulator on 127.0.0.1, accepting the key ``sk-test``."""
    simulator = Simulator(api_keys=("sk-test",))
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.release()
        simulator.stop()
