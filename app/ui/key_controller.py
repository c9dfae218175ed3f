"""Finding, asking for and storing the API key without blocking the window.

The OS keyring can block (D-Bus); every call to it runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.core.connection import Connection
from app.core.providers import wire_for
from app.core.secrets import SecretStore, SecretStoreError, key_name, open_secret_store
from app.ui.key_dialog import KeyEntry
from app.ui.preferences import Preferences
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)


class KeyController(QObject):
    """Loads the key at start, and saves what the key dialog gives it.

    Signals:
        keyMissing(str): no key is known; the key dialog should ask (the reason).
        keyReady(): the connection has a key; requests can go.
        storageWarning(str): keys are stored in a plain file, not the keyring.
        saveFailed(str): the key could not be stored (it is used for this session).
    """

    keyMissing = Signal(str)
    keyReady = Signal()
    storageWarning = Signal(str)
    saveFailed = Signal(str)

    def __init__(
        self,
        connection: Connection,
        preferences: Preferences,
        config_dir: Path,
        *,
        env_key: str | None = None,
        store_factory: Callable[[Path], SecretStore] = open_secret_store,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._connection = connection
        self._preferences = preferences
        self._config_dir = config_dir
        self._env_key = env_key
        self._store_factory = store_factory
        self._store: SecretStore | None = None
        self._tasks = TaskSet()
        self.storage_warning: str | None = None

    def load(self) -> asyncio.Task[None]:
        """Find the key in the background; the task ends when it is known (or asked for)."""
        return self._tasks.start(self._load(), name="load-key")

    def save(self, entry: KeyEntry) -> None:
        """Use the entered key at once; store it in the background."""
        self._connection.base_url = entry.base_url
        self._connection.wire = entry.wire
        self._connection.api_key = entry.api_key
        self._preferences.update(
            provider_id=entry.provider_id, base_url=entry.base_url, wire=entry.wire
        )
        self.keyReady.emit()
        self._tasks.start(self._store_key(entry), name="store-key")

    async def _open_store(self) -> SecretStore:
        if self._store is None:
            self._store = await asyncio.to_thread(self._store_factory, self._config_dir)
            self.storage_warning = self._store.warning
            if self._store.warning:
                self.storageWarning.emit(self._store.warning)
        return self._store

    async def _load(self) -> None:
        self._connection.wire = wire_for(self._preferences.settings)
        if self._env_key:
            self._connection.api_key = self._env_key
            self.keyReady.emit()
            return
        store = await self._open_store()
        provider = self._preferences.settings.provider_id
        try:
            key = await asyncio.to_thread(store.get, key_name(provider))
        except SecretStoreError as error:
            log.warning("Could not read the API key: %s", error)
            key = None
        if key:
            self._connection.api_key = key
            self.keyReady.emit()
        else:
            self.keyMissing.emit(self.tr("Enter your MiMo API key to start chatting."))

    async def _store_key(self, entry: KeyEntry) -> None:
        try:
            store = await self._open_store()
            await asyncio.to_thread(store.set, key_name(entry.provider_id), entry.api_key)
        except (SecretStoreError, OSError) as error:
            self.saveFailed.emit(
                self.tr("The key works for now but could not be stored: {error}").format(
                    error=error
                )
            )
