"""Finding, asking for and storing API keys without blocking the window.

The OS keyring can block (D-Bus); every call to it runs in a worker thread, one at a
time. A provider may have several stored keys, one active (:mod:`app.core.api_keys`);
requests use the active key of the provider in the settings, or ``MIMO_API_KEY`` when
it is set, for this run only, until the user chooses a stored key in the key dialog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.api.translation import translate
from app.core.api_keys import ApiKeyStore, LoadedKeys, apply_changes, mask_key
from app.core.connection import Connection
from app.core.providers import wire_for
from app.core.secrets import SecretStore, SecretStoreError, open_secret_store
from app.ui.key_dialog import KeyEntry
from app.ui.key_list import KeyBook
from app.ui.preferences import Preferences
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)


class KeyController(QObject):
    """Loads the key at start, keeps the key lists, and applies what the key dialog gives.

    Signals:
        keyMissing(str): no key is known; the key dialog should ask (the reason).
        keyReady(): the connection has a key (maybe a new one); requests can go.
        storageWarning(str): keys are stored in a plain file, not the keyring.
        saveFailed(str): keys could not be stored (they are used for this session), or
            stored keys could not be read back: a message for the status bar.

    Attributes:
        book: The stored keys, for the key dialog.
        storage_warning: The secret store's warning once it is open, else None.
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
        self._env_key = env_key.strip() if env_key and env_key.strip() else None
        self._store_factory = store_factory
        self._keys: ApiKeyStore | None = None
        self._lock = asyncio.Lock()  # one store operation at a time, in order
        self._tasks = TaskSet()
        self._lists_task: asyncio.Task[None] | None = None
        self.storage_warning: str | None = None
        env_mask = mask_key(self._env_key) if self._env_key else None
        self.book = KeyBook(env_mask=env_mask, parent=self)
        self.book.loadRequested.connect(self.load_lists)

    def load(self) -> asyncio.Task[None]:
        """Find the key in the background; the task ends when it is known (or asked for)."""
        return self._tasks.start(self._load(), name="load-key")

    def load_lists(self) -> None:
        """Read the key lists the book lacks, in the background (one reading at a time)."""
        if self._lists_task is None or self._lists_task.done():
            self._lists_task = self._tasks.start(self._load_lists(), name="load-key-lists")

    def save(self, entry: KeyEntry) -> None:
        """Use the chosen endpoint and key at once; store the key changes in the background."""
        self._connection.base_url = entry.base_url
        self._connection.wire = entry.wire
        self._preferences.update(
            provider_id=entry.provider_id, base_url=entry.base_url, wire=entry.wire
        )
        self.book.env_in_use = entry.use_env and self._env_key is not None
        for provider_id, changes in entry.changes.items():
            stored = self.book.lists.get(provider_id)
            if stored is not None:
                self.book.set_list(provider_id, apply_changes(stored, changes))
        key = self._env_key if self.book.env_in_use else entry.api_key
        self._connection.api_key = key
        if key:
            self.keyReady.emit()
        self._tasks.start(self._settle(entry), name="store-keys")

    async def _open_keys(self) -> ApiKeyStore:
        if self._keys is None:
            store = await asyncio.to_thread(self._store_factory, self._config_dir)
            self._keys = ApiKeyStore(store)
            self.storage_warning = store.warning
            if store.warning:
                self.storageWarning.emit(store.warning)
                self.book.set_storage_warning(store.warning)
        return self._keys

    async def _read(self, keys: ApiKeyStore, provider_id: str) -> LoadedKeys | None:
        try:
            loaded = await asyncio.to_thread(keys.load, provider_id)
        except SecretStoreError as error:
            log.warning("Could not read the API keys of %s: %s", provider_id, error)
            self.book.set_unreadable(provider_id, str(error))
            return None
        self._take(provider_id, loaded)
        return loaded

    def _take(self, provider_id: str, loaded: LoadedKeys) -> None:
        self.book.set_list(provider_id, loaded.keys, loaded.problems)
        for problem in loaded.problems:
            self.saveFailed.emit(problem)

    async def _load(self) -> None:
        settings = self._preferences.settings
        self._connection.wire = wire_for(settings)
        if self._env_key:
            self._connection.api_key = self._env_key
            self.book.env_in_use = True
            self.keyReady.emit()
            return  # the stored keys are read when the key dialog asks for them
        loaded: LoadedKeys | None = None
        async with self._lock:
            try:
                keys = await self._open_keys()
            except Exception as error:  # a store that cannot even be opened: ask for a key
                log.warning("Could not open the secret store: %s", error)
            else:
                loaded = await self._read(keys, settings.provider_id)
        active = loaded.keys.active if loaded is not None else None
        if active is not None:
            self._connection.api_key = active.secret
            self.keyReady.emit()
        else:
            self.keyMissing.emit(
                translate("KeyController", "Enter your MiMo API key to start chatting.")
            )
        self.load_lists()

    async def _load_lists(self) -> None:
        async with self._lock:
            try:
                keys = await self._open_keys()
            except Exception as error:  # see _load
                log.warning("Could not open the secret store: %s", error)
                for provider_id in self.book.missing():
                    self.book.set_unreadable(provider_id, str(error))
                return
            for provider_id in self.book.missing():
                await self._read(keys, provider_id)

    async def _settle(self, entry: KeyEntry) -> None:
        """Store the entry's key changes, then use what the store now holds."""
        async with self._lock:
            try:
                keys = await self._open_keys()
            except Exception as error:  # see _load
                log.warning("Could not open the secret store: %s", error)
                if entry.changes:
                    self._report_unsaved(error)
                return
            for provider_id, changes in entry.changes.items():
                try:
                    loaded = await asyncio.to_thread(keys.update, provider_id, changes)
                except SecretStoreError as error:
                    self._report_unsaved(error)
                    continue
                self._take(provider_id, loaded)
            if entry.provider_id not in self.book.lists:
                await self._read(keys, entry.provider_id)
        self._use_stored(entry.provider_id)

    def _report_unsaved(self, error: Exception) -> None:
        self.saveFailed.emit(
            translate(
                "KeyController", "The key works for now but could not be stored: {error}"
            ).format(error=error)
        )

    def _use_stored(self, provider_id: str) -> None:
        """Use the provider's active key as stored, unless MIMO_API_KEY is in use."""
        if self.book.env_in_use or self._preferences.settings.provider_id != provider_id:
            return
        keys = self.book.lists.get(provider_id)
        if keys is None:
            return
        secret = keys.active.secret if keys.active is not None else None
        if secret != self._connection.api_key:
            self._connection.api_key = secret
            if secret:
                self.keyReady.emit()
