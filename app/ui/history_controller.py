"""The history controller: the conversation list, renames, pins, deletes and search.

It talks to the store (off the GUI thread, through :class:`AsyncStore`) and reports
results as signals; the sidebar and the search dialog only show them.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.catalogue import PriceTable, conversation_cost
from app.core.history import load_conversation
from app.core.store_async import AsyncStore
from app.core.store_records import StoreError
from app.ui.tasks import TaskSet

log = logging.getLogger(__name__)

STORE_ERRORS = (OSError, sqlite3.Error, StoreError)


class HistoryController(QObject):
    """Loads and changes the saved conversations.

    Signals:
        listLoaded(list): every conversation (``ConversationRow``), for the sidebar.
        rowChanged(object): one conversation is new or changed (``ConversationRow``).
        rowRemoved(str): the conversation with this id left the list.
        deleted(str, str): a conversation was deleted (id, title): offer Undo.
        conversationOpened(object, str): a saved ``Conversation`` to show, and the id
            of the message to bring into view ("" for none).
        searchFinished(str, list): the hits (``SearchHit``) for a query.
        usageLoaded(str, object): what a conversation (id) has cost, all branches: a
            ``CostSummary``.
        failed(str): an operation failed; a sentence for the status bar.
    """

    listLoaded = Signal(list)
    rowChanged = Signal(object)
    rowRemoved = Signal(str)
    deleted = Signal(str, str)
    conversationOpened = Signal(object, str)
    searchFinished = Signal(str, list)
    usageLoaded = Signal(str, object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store: AsyncStore | None = None
        self._tasks = TaskSet()
        self._deleted: list[str] = []  # ids, most recent last: what Undo brings back
        self._started_at = time.time()

    @property
    def store(self) -> AsyncStore | None:
        return self._store

    def attach_store(self, store: AsyncStore | None) -> None:
        self._store = store

    def shutdown(self) -> None:
        self._tasks.cancel_all()

    # -- requests (each runs as a task; results come back as signals) ---------------------

    def refresh(self) -> None:
        """Load the whole list (and erase what was deleted in an earlier session)."""
        self._run(self._refresh(), "history-refresh")

    def refresh_one(self, conv_id: str) -> None:
        self._run(self._refresh_one(conv_id), "history-refresh-one")

    def rename(self, conv_id: str, title: str) -> None:
        title = " ".join(title.split())
        if title:
            self._run(self._rename(conv_id, title), "history-rename")

    def set_pinned(self, conv_id: str, pinned: bool) -> None:
        self._run(self._set_pinned(conv_id, pinned), "history-pin")

    def delete(self, conv_id: str) -> None:
        self._run(self._delete(conv_id), "history-delete")

    def undo_delete(self) -> None:
        if self._deleted:
            self._run(self._restore(self._deleted.pop()), "history-restore")

    def open(self, conv_id: str, message_id: str = "") -> None:
        self._run(self._open(conv_id, message_id), "history-open")

    def search(self, query: str) -> None:
        self._run(self._search(query), "history-search")

    def load_usage(self, conv_id: str, prices: PriceTable) -> None:
        """Add up what conversation ``conv_id`` cost (in a worker thread): ``usageLoaded``."""
        if self._store is not None:
            self._run(self._load_usage(conv_id, prices), "history-usage")

    # -- the work ----------------------------------------------------------------------

    def _run(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        if self._store is None:
            coroutine.close()
            self.failed.emit(self.tr("The history is not available in this session."))
            return
        self._tasks.start(self._guarded(coroutine, name), name=name)

    async def _guarded(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        try:
            await coroutine
        except STORE_ERRORS as error:
            log.warning("%s failed: %s", name, error)
            self.failed.emit(self.tr("The history could not be changed: {0}").format(error))

    @property
    def _live(self) -> AsyncStore:
        assert self._store is not None
        return self._store

    async def _refresh(self) -> None:
        await self._live.purge_deleted(self._started_at)
        rows = await self._live.list_conversations()
        self.listLoaded.emit(rows)

    async def _refresh_one(self, conv_id: str) -> None:
        row = await self._live.get_conversation(conv_id)
        if row is None or row.deleted_at is not None:
            self.rowRemoved.emit(conv_id)
        else:
            self.rowChanged.emit(row)

    async def _rename(self, conv_id: str, title: str) -> None:
        await self._live.rename_conversation(conv_id, title)
        await self._refresh_one(conv_id)

    async def _set_pinned(self, conv_id: str, pinned: bool) -> None:
        await self._live.set_pinned(conv_id, pinned)
        await self._refresh_one(conv_id)

    async def _delete(self, conv_id: str) -> None:
        row = await self._live.get_conversation(conv_id)
        await self._live.delete_conversation(conv_id)
        self._deleted.append(conv_id)
        self.rowRemoved.emit(conv_id)
        self.deleted.emit(conv_id, row.title if row is not None else "")

    async def _restore(self, conv_id: str) -> None:
        await self._live.restore_conversation(conv_id)
        await self._refresh_one(conv_id)

    async def _open(self, conv_id: str, message_id: str) -> None:
        conversation = await load_conversation(self._live, conv_id, at_message=message_id or None)
        if conversation is None:
            self.failed.emit(self.tr("That conversation no longer exists."))
            self.rowRemoved.emit(conv_id)
            return
        self.conversationOpened.emit(conversation, message_id)

    async def _load_usage(self, conv_id: str, prices: PriceTable) -> None:
        rows = await self._live.usage_rows(conv_id)
        # ~10 ms for 1,000 replies: kept off the GUI thread, which is busy showing them
        summary = await asyncio.to_thread(conversation_cost, rows, prices)
        self.usageLoaded.emit(conv_id, summary)

    async def _search(self, query: str) -> None:
        hits = await self._live.search(query) if query.strip() else []
        self.searchFinished.emit(query, hits)
