"""The whole app, built as ``python -m app`` builds it, talking to the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.api.retry import RetryPolicy
from app.assembly import build, shutdown, start
from app.core.secrets import FileStore, SecretStore
from app.ui.event_loop import AppEventLoop
from app.ui.message_widgets import AssistantBubble, ErrorCard, UserBubble
from app.ui.wiring import AppParts, KeyDialogOpener
from tests.sim import Simulator


class ManualSleep:
    """The retry back-off's sleep, released by the test instead of the clock."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._gates: list[asyncio.Event] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        gate = asyncio.Event()
        self._gates.append(gate)
        await gate.wait()

    def release(self) -> None:
        for gate in self._gates:
            gate.set()


@dataclass
class RunningApp:
    parts: AppParts
    key_dialog: KeyDialogOpener
    sleep: ManualSleep
    sim: Simulator
    qtbot: QtBot
    data_dir: Path

    @property
    def window(self):  # type: ignore[no-untyped-def]
        return self.parts.window

    def send(self, text: str) -> None:
        """Type into the composer and press Enter, as a user would."""
        edit = self.window.composer.edit
        edit.setFocus()
        if text.isascii():
            self.qtbot.keyClicks(edit, text)
        else:  # QTest aborts on characters without a key; an input method commits these
            edit.insertPlainText(text)
        self.qtbot.keyClick(edit, Qt.Key.Key_Return)

    def wait_idle(self, timeout: int = 5000) -> None:
        self.qtbot.waitUntil(lambda: not self.parts.chat.busy, timeout=timeout)

    def chat_requests(self) -> list[Any]:
        """The JSON bodies the app sent to /chat/completions, oldest first."""
        return [r.body for r in self.sim.requests if r.path.endswith("/chat/completions")]

    def bubbles(self, kind: type) -> list:  # type: ignore[type-arg]
        """The message widgets of this kind in the conversation (not yet deleted)."""
        return self.window.chat_view.widget().findChildren(kind)

    def replies(self) -> list[AssistantBubble]:
        return self.bubbles(AssistantBubble)

    def user_bubbles(self) -> list[UserBubble]:
        return self.bubbles(UserBubble)

    def error_cards(self) -> list[ErrorCard]:
        return self.bubbles(ErrorCard)


def start_app(
    qtbot: QtBot,
    qloop: AppEventLoop,
    sim: Simulator,
    tmp_path: Path,
    *,
    api_key: str | None = "sk-test",
) -> Iterator[RunningApp]:
    http = httpx.AsyncClient(timeout=httpx.Timeout(5.0))
    sleep = ManualSleep()
    env = {"HOME": str(tmp_path)}
    if api_key is not None:
        env["MIMO_API_KEY"] = api_key

    def file_store(config_dir: Path) -> SecretStore:
        return FileStore(config_dir / "secrets.json")

    data_dir = tmp_path / "mimo"
    parts, opener = build(
        env=env,
        http=http,
        base_url=sim.base_url,
        data_dir=str(data_dir),
        retry=RetryPolicy(max_retries=3, base_delay=0.01, max_delay=30.0),
        sleep=sleep,
        store_factory=file_store,
    )
    # Not qtbot.addWidget: pytest-qt would delete the window before this fixture's
    # teardown, and shutdown() still needs it (as the app's does).
    starting = qloop.create_task(start(parts))
    qtbot.waitUntil(starting.done, timeout=5000)
    store = starting.result()
    running = RunningApp(parts, opener, sleep, sim, qtbot, data_dir)
    yield running
    sleep.release()
    sim.release()
    stopping = qloop.create_task(shutdown(parts, http, store))
    qtbot.waitUntil(stopping.done, timeout=5000)
    stopping.result()
    parts.window.close()
    parts.window.deleteLater()


@pytest.fixture
def app(qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path) -> Iterator[RunningApp]:
    """The app with a working key given through MIMO_API_KEY."""
    yield from start_app(qtbot, qloop, sim, tmp_path)
