"""An asyncio facade over :class:`~app.core.store.Store` for the GUI thread.

Every call runs on ONE dedicated worker thread that opened the Store (its SQLite
connection never leaves that thread) and is awaited with :func:`asyncio.wrap_future`,
so the GUI thread never waits for the disk. Calls run one at a time, in the order
they were made; :meth:`AsyncStore.close` runs after every call made before it.

Cancelling an ``await`` drops the call only if it has not started yet; a write that
has started still commits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from app.api.events import Usage
from app.core.store import (
    ConversationRow,
    SearchHit,
    Store,
    StoredMessage,
    StoreError,
    attachment_file,
)
from app.core.store_records import (
    AttachmentRecord,
    BranchSnapshot,
    ConversationExport,
    ConversationImport,
)

P = ParamSpec("P")
T = TypeVar("T")


class AsyncStore:
    """The :class:`Store` API as coroutines; create it with :meth:`open`."""

    def __init__(
        self,
        path: Path,
        attachments_dir: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Prefer :meth:`open`; this only prepares the worker thread."""
        self._store: Store | None = None
        self._open_error: BaseException | None = None
        self._closed = False
        self._attachments_dir = (
            Path(attachments_dir)
            if attachments_dir is not None
            else Path(path).parent / "attachments"
        )

        def open_store() -> None:  # runs on the worker thread, once
            try:
                self._store = Store.open(path, attachments_dir, clock=clock)
            except BaseException as error:  # re-raised by the first call
                self._open_error = error

        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="mimo-store", initializer=open_store
        )

    @classmethod
    async def open(
        cls,
        path: Path,
        attachments_dir: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> AsyncStore:
        """Open and migrate the database on the worker thread.

        Raises:
            Whatever :meth:`Store.open` raises; the worker thread is then stopped.
        """
        store = cls(path, attachments_dir, clock=clock)
        try:
            await store._call(lambda _: None)
        except BaseException:  # failed, or cancelled while the migrations run
            store._closed = True
            store._executor.submit(store._close_on_worker)
            store._executor.shutdown(wait=False)  # the thread ends after that close
            raise
        return store

    def _close_on_worker(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _on_worker(self, function: Callable[..., T], args: Any, kwargs: Any) -> T:
        if self._open_error is not None:
            raise self._open_error
        if self._store is None:
            raise StoreError("the store is closed")
        return function(self._store, *args, **kwargs)

    async def _call(
        self, function: Callable[Concatenate[Store, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        if self._closed:
            raise StoreError("the store is closed")
        future = self._executor.submit(self._on_worker, function, args, kwargs)
        return await asyncio.wrap_future(future)

    async def close(self) -> None:
        """Close the connection on its thread, after every earlier call; then stop the thread."""
        if self._closed:
            return
        self._closed = True
        closing = self._executor.submit(self._close_on_worker)
        try:
            # Shielded: cancelling this await must not cancel the close itself.
            await asyncio.shield(asyncio.wrap_future(closing))
        finally:
            self._executor.shutdown(wait=True)  # normally idle by now: returns at once

    async def run(self, function: Callable[[Store], T]) -> T:
        """``function(store)`` on the store thread: several calls, and work on their
        results (turning rows into domain objects), in one trip off the GUI thread."""
        return await self._call(function)

    async def attachment_records(self, shas: Sequence[str]) -> dict[str, AttachmentRecord]:
        return await self._call(Store.attachment_records, shas)

    def attachment_path(self, sha256: str) -> Path:
        """Where an attachment's file lives (no disk access, so not a coroutine)."""
        return attachment_file(self._attachments_dir, sha256)

    # The Store API; see there for what each call does.

    async def create_conversation(
        self,
        *,
        title: str = "",
        model: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> ConversationRow:
        return await self._call(
            Store.create_conversation, title=title, model=model, settings=settings
        )

    async def get_conversation(self, conv_id: str) -> ConversationRow | None:
        return await self._call(Store.get_conversation, conv_id)

    async def list_conversations(
        self, *, limit: int | None = None, offset: int = 0, pinned_first: bool = True
    ) -> list[ConversationRow]:
        return await self._call(
            Store.list_conversations, limit=limit, offset=offset, pinned_first=pinned_first
        )

    async def count_conversations(self) -> int:
        return await self._call(Store.count_conversations)

    async def rename_conversation(self, conv_id: str, title: str) -> None:
        await self._call(Store.rename_conversation, conv_id, title)

    async def set_pinned(self, conv_id: str, pinned: bool) -> None:
        await self._call(Store.set_pinned, conv_id, pinned)

    async def update_settings(
        self, conv_id: str, settings: Mapping[str, Any], model: str | None
    ) -> None:
        await self._call(Store.update_settings, conv_id, settings, model)

    async def delete_conversation(self, conv_id: str) -> None:
        await self._call(Store.delete_conversation, conv_id)

    async def restore_conversation(self, conv_id: str) -> None:
        await self._call(Store.restore_conversation, conv_id)

    async def purge_deleted(self, older_than: float) -> int:
        return await self._call(Store.purge_deleted, older_than)

    async def add_message(
        self,
        conv_id: str,
        *,
        parent_id: str | None,
        role: str,
        content: str = "",
        reasoning: str = "",
        model: str | None = None,
        options: Mapping[str, Any] | None = None,
        status: str = "complete",
        attachments: Sequence[str] = (),
    ) -> StoredMessage:
        return await self._call(
            Store.add_message,
            conv_id,
            parent_id=parent_id,
            role=role,
            content=content,
            reasoning=reasoning,
            model=model,
            options=options,
            status=status,
            attachments=tuple(attachments),
        )

    async def update_message(
        self,
        msg_id: str,
        *,
        content: str | None = None,
        reasoning: str | None = None,
        status: str | None = None,
        finish_reason: str | None = None,
        error: str | None = None,
        usage: Usage | Mapping[str, int] | None = None,
        timings: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        await self._call(
            Store.update_message,
            msg_id,
            content=content,
            reasoning=reasoning,
            status=status,
            finish_reason=finish_reason,
            error=error,
            usage=usage,
            timings=timings,
            options=options,
        )

    async def get_message(self, msg_id: str) -> StoredMessage | None:
        return await self._call(Store.get_message, msg_id)

    async def children(self, parent_id: str | None, conv_id: str) -> list[StoredMessage]:
        return await self._call(Store.children, parent_id, conv_id)

    async def sibling_map(self, conv_id: str) -> dict[str | None, list[str]]:
        return await self._call(Store.sibling_map, conv_id)

    async def usage_rows(self, conv_id: str) -> list[tuple[str | None, dict[str, int]]]:
        return await self._call(Store.usage_rows, conv_id)

    async def path_to(self, leaf_id: str) -> list[StoredMessage]:
        return await self._call(Store.path_to, leaf_id)

    async def current_path(self, conv_id: str) -> list[StoredMessage]:
        return await self._call(Store.current_path, conv_id)

    async def open_branch(
        self, conv_id: str, at_message: str | None = None
    ) -> BranchSnapshot | None:
        return await self._call(Store.open_branch, conv_id, at_message)

    async def set_current_leaf(self, conv_id: str, msg_id: str) -> None:
        await self._call(Store.set_current_leaf, conv_id, msg_id)

    async def latest_leaf_under(self, msg_id: str) -> str:
        return await self._call(Store.latest_leaf_under, msg_id)

    async def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        return await self._call(Store.search, query, limit=limit)

    async def recover_interrupted(self) -> int:
        return await self._call(Store.recover_interrupted)

    async def integrity_check(self) -> str:
        return await self._call(Store.integrity_check)

    async def put_attachment(self, data: bytes | Path, media_type: str, name: str = "") -> str:
        return await self._call(Store.put_attachment, data, media_type, name)

    # Export and import

    async def export_conversation(
        self, conv_id: str, *, include_attachments: bool = True
    ) -> ConversationExport:
        return await self._call(
            Store.export_conversation, conv_id, include_attachments=include_attachments
        )

    async def import_conversation(self, data: ConversationImport) -> str:
        return await self._call(Store.import_conversation, data)
