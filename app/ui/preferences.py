"""The user's settings, kept in memory and saved to disk off the GUI thread."""

from __future__ import annotations

import asyncio
import copy
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from app.core.catalogue import PriceTable
from app.core.settings import Settings, save_settings
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)


class Preferences(QObject):
    """Owns the :class:`Settings`; every change is written in a worker thread."""

    def __init__(self, settings: Settings, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.path = path
        self._tasks = TaskSet()
        self._lock = asyncio.Lock()
        self._saves: set[asyncio.Task[None]] = set()

    def price_table(self) -> PriceTable:
        """The catalogue's prices with the user's changes (Settings > Prices)."""
        return PriceTable(self.settings.prices)

    def update(self, **changes: Any) -> None:
        for name, value in changes.items():
            setattr(self.settings, name, value)
        task = self._tasks.start(self._save(copy.deepcopy(self.settings)), name="save-settings")
        self._saves.add(task)
        task.add_done_callback(self._saves.discard)

    async def _save(self, snapshot: Settings) -> None:
        async with self._lock:  # saves land in the order they were made
            try:
                await asyncio.to_thread(save_settings, self.path, snapshot)
            except OSError as error:
                log.warning("Could not save settings to %s: %s", self.path, error)

    async def flush(self) -> None:
        """Wait until every save asked for so far has been written."""
        if self._saves:
            await asyncio.gather(*self._saves, return_exceptions=True)
