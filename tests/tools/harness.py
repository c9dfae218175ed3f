"""The whole app against the simulator, started and stopped as ``python -m app`` does.

Shared by the scripts that look at or measure the window (screenshots, benchmarks).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from PySide6.QtWidgets import QApplication

from app.assembly import build, shutdown, start
from app.core.malloc_tuning import freeze_start_up_objects
from app.core.secrets import FileStore
from app.ui.wiring import AppParts
from tests.sim import Plan, Simulator

DEMO_KEY = "sk-demo"


@asynccontextmanager
async def demo_app(
    plan: Plan, *, size: tuple[int, int] = (1000, 760), data_dir: str | None = None
) -> AsyncIterator[AppParts]:
    """A shown window; ``plan`` answers every question.

    Data lives in ``data_dir`` when given (its ``data/mimo.sqlite3`` is the history),
    else in a throw-away folder.
    """
    async with simulated_app(plan, size=size, data_dir=data_dir) as (parts, _sim):
        yield parts


@asynccontextmanager
async def simulated_app(
    plan: Plan, *, size: tuple[int, int] = (1000, 760), data_dir: str | None = None
) -> AsyncIterator[tuple[AppParts, Simulator]]:
    """:func:`demo_app`, also giving its simulator (to change plans, read or clear the
    recorded requests)."""
    with Simulator(api_keys=(DEMO_KEY,)) as sim, tempfile.TemporaryDirectory() as tmp:
        sim.default_plan = plan
        http = httpx.AsyncClient()
        parts, _ = build(
            env={"MIMO_API_KEY": DEMO_KEY, "HOME": tmp},
            http=http,
            base_url=sim.base_url,
            data_dir=data_dir or tmp,
            store_factory=lambda d: FileStore(d / "secrets.json"),
        )
        parts.window.resize(*size)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setQuitOnLastWindowClosed(False)  # as main() does: quitting is ours to do
        store = await start(parts)
        freeze_start_up_objects()  # as main() does
        try:
            yield parts, sim
        finally:
            parts.window.close()
            await shutdown(parts, http, store)


async def ask_and_wait(parts: AppParts, question: str) -> None:
    """Send ``question`` and wait until the reply has ended."""
    parts.chat.send(question)
    while parts.chat.busy:
        await asyncio.sleep(0.02)
