"""The persistent conversation store: one SQLite file plus a folder of attachments.

Conversations hold a TREE of messages (each names its parent; editing a user message
adds a sibling), so every branch the user ever made is kept. Attachments are stored
once per content hash under ``<attachments_dir>/ab/cdef...``.

Durability: the database runs in WAL mode with ``synchronous=NORMAL``. Every write
method commits before it returns, so once it has returned the data survives a crash
or kill of the app; a power cut or OS crash may lose the last few commits but never
corrupts the file (WAL with NORMAL syncs at each checkpoint, the WAL itself stays
consistent). A streaming reply is checkpointed with :meth:`Store.update_message`;
after a crash :meth:`Store.recover_interrupted` marks such replies ``interrupted``.

Concurrency: a :class:`Store` owns one ``sqlite3`` connection and is thread-confined:
use it only from the thread that opened it (``sqlite3`` raises otherwise). The GUI
uses :class:`app.core.store_async.AsyncStore`, which confines one Store to a worker
thread. Other Stores (threads, processes) may open the same file: readers see the last
committed state and never wait for the writer; writers queue on ``busy_timeout``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from app.api.events import Usage
from app.core import store_search, store_transfer
from app.core.attachment_files import attachment_file, copy_to_temp, fsync_dir
from app.core.paths import PRIVATE_DIR_MODE
from app.core.store_connection import connect
from app.core.store_records import (
    BUSY_TIMEOUT_MS,
    MESSAGE_STATUSES,
    SNIPPET_CLOSE,
    SNIPPET_OPEN,
    AttachmentRecord,
    BranchSnapshot,
    ConversationExport,
    ConversationImport,
    ConversationRow,
    NotFoundError,
    SearchHit,
    StoredMessage,
    StoreError,
)
from app.core.store_sql import (
    CONVERSATION_COLUMNS,
    LATEST_LEAF_SQL,
    MESSAGE_COLUMNS,
    PATH_SQL,
    compact_json,
    conversation_from_row,
    message_from_row,
    select_attachments,
    select_branch,
    select_conversation,
    select_current_path,
    select_siblings,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MESSAGE_STATUSES",
    "SNIPPET_CLOSE",
    "SNIPPET_OPEN",
    "ConversationRow",
    "NotFoundError",
    "SearchHit",
    "Store",
    "StoreError",
    "StoredMessage",
    "attachment_file",
]


class Store:
    """Conversations, their message trees and attachments, in one SQLite file.

    Thread-confined: call it only from the thread that opened it. Every write method
    commits before it returns. Unknown ids raise :class:`NotFoundError`.
    """

    def __init__(
        self, db: sqlite3.Connection, attachments_dir: Path, clock: Callable[[], float]
    ) -> None:
        """Use :meth:`open`; this wraps an already configured, migrated connection."""
        self._db = db
        self._attachments_dir = attachments_dir
        self._clock = clock

    @classmethod
    def open(
        cls,
        path: Path,
        attachments_dir: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> Store:
        """Open (creating if needed) and migrate the database at ``path``.

        Args:
            path: The SQLite file; its folder is created if missing.
            attachments_dir: Where attachment files go; default ``attachments`` next to
                ``path``.
            clock: Seconds since the epoch, for timestamps (tests pass a fake).

        Raises:
            sqlite3.DatabaseError: ``path`` is not a database, or (as
                :class:`~app.core.migrations.SchemaTooNewError`) a newer app wrote it,
                or WAL mode is not available there. The file is left untouched.
            OSError: the folder or file cannot be created.
        """
        path = Path(path)
        folder = attachments_dir if attachments_dir is not None else path.parent / "attachments"
        return cls(connect(path), Path(folder), clock)

    def close(self) -> None:
        """Close the connection (a no-op when closed already)."""
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so a busy writer is waited for
        # (busy_timeout) instead of failing on a lock upgrade half-way.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _update_conversation(self, conv_id: str, sql: str, *params: Any) -> None:
        with self._transaction() as db:
            cursor = db.execute(f"UPDATE conversations SET {sql} WHERE id = ?", (*params, conv_id))
            if cursor.rowcount == 0:
                raise NotFoundError(f"no conversation {conv_id}")

    def _require(self, sql: str, *params: Any) -> None:
        if self._db.execute(sql, params).fetchone() is None:
            raise NotFoundError(f"not found: {', '.join(map(str, params))}")

    # Conversations

    def create_conversation(
        self,
        *,
        title: str = "",
        model: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> ConversationRow:
        conv_id = uuid.uuid4().hex
        now = self._clock()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at, model, settings)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conv_id, title, now, now, model, compact_json(settings or {})),
            )
        return ConversationRow(conv_id, title, now, now, False, model, dict(settings or {}), None)

    def get_conversation(self, conv_id: str) -> ConversationRow | None:
        """The conversation, also when soft-deleted (see ``deleted_at``)."""
        return select_conversation(self._db, conv_id)

    def list_conversations(
        self, *, limit: int | None = None, offset: int = 0, pinned_first: bool = True
    ) -> list[ConversationRow]:
        """Conversations not deleted: pinned first (unless not asked), then the newest."""
        pinned = "c.pinned DESC, " if pinned_first else ""
        rows = self._db.execute(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.deleted_at IS NULL"
            f" ORDER BY {pinned}c.updated_at DESC, c.seq DESC LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset),
        )
        return [conversation_from_row(row) for row in rows]

    def count_conversations(self) -> int:
        """How many conversations are not deleted."""
        row = self._db.execute("SELECT count(*) FROM conversations WHERE deleted_at IS NULL")
        return int(row.fetchone()[0])

    def rename_conversation(self, conv_id: str, title: str) -> None:
        self._update_conversation(conv_id, "title = ?", title)

    def set_pinned(self, conv_id: str, pinned: bool) -> None:
        self._update_conversation(conv_id, "pinned = ?", int(pinned))

    def update_settings(self, conv_id: str, settings: Mapping[str, Any], model: str | None) -> None:
        """Replace the conversation's settings and default model."""
        self._update_conversation(conv_id, "settings = ?, model = ?", compact_json(settings), model)

    def delete_conversation(self, conv_id: str) -> None:
        """Soft delete: hidden from lists and search until restored or purged."""
        self._update_conversation(conv_id, "deleted_at = coalesce(deleted_at, ?)", self._clock())

    def restore_conversation(self, conv_id: str) -> None:
        """Undo :meth:`delete_conversation`."""
        self._update_conversation(conv_id, "deleted_at = NULL")

    def purge_deleted(self, older_than: float) -> int:
        """Erase conversations soft-deleted before ``older_than`` (epoch seconds).

        Their messages go too (cascade), and so does every attachment that no message
        uses any more and that was last stored before ``older_than`` (row and file).

        Returns:
            The number of conversations erased.
        """
        with self._transaction() as db:
            count = db.execute(
                "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (older_than,),
            ).rowcount
            orphans = [
                row[0]
                for row in db.execute(
                    "SELECT sha256 FROM attachments a WHERE a.created_at < ? AND NOT EXISTS"
                    " (SELECT 1 FROM message_attachments u WHERE u.sha256 = a.sha256)",
                    (older_than,),
                )
            ]
            db.executemany("DELETE FROM attachments WHERE sha256 = ?", [(s,) for s in orphans])
        # Files go only once the rows are gone for good, under the write lock again so a
        # put_attachment (maybe in another process) cannot revive one meanwhile.
        with self._transaction() as db:
            for sha256 in orphans:
                if not db.execute(
                    "SELECT 1 FROM attachments WHERE sha256 = ?", (sha256,)
                ).fetchone():
                    self.attachment_path(sha256).unlink(missing_ok=True)
        return count

    # Messages

    def add_message(
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
        """Add a message under ``parent_id`` (None: a new root) and make it the current leaf.

        Also bumps the conversation's ``updated_at``. Committed before it returns.

        Raises:
            NotFoundError: no such conversation, parent (in this conversation) or
                attachment.
            ValueError: ``status`` is not one of :data:`MESSAGE_STATUSES`.
        """
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        msg_id = uuid.uuid4().hex
        row = {
            "id": msg_id, "conversation_id": conv_id, "parent_id": parent_id,
            "role": role, "content": content, "reasoning": reasoning, "model": model,
            "options": compact_json(options or {}), "status": status, "now": self._clock(),
        }  # fmt: skip
        with self._transaction() as db:
            self._require("SELECT 1 FROM conversations WHERE id = ?", conv_id)
            if parent_id is not None:
                sql = "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?"
                self._require(sql, parent_id, conv_id)
            for sha256 in attachments:
                self._require("SELECT 1 FROM attachments WHERE sha256 = ?", sha256)
            db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning,"
                " model, options, status, created_at, updated_at) VALUES (:id, :conversation_id,"
                " :parent_id, :role, :content, :reasoning, :model, :options, :status, :now, :now)",
                row,
            )
            db.executemany(
                "INSERT INTO message_attachments (message_id, sha256, position) VALUES (?, ?, ?)",
                [(row["id"], sha256, position) for position, sha256 in enumerate(attachments)],
            )
            db.execute(
                "UPDATE conversations SET current_leaf_id = :id,"
                " updated_at = max(updated_at, :now) WHERE id = :conversation_id",
                row,
            )
            stored = self.get_message(msg_id)
        assert stored is not None
        return stored

    def update_message(
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
        """Overwrite the given fields (None leaves a field as it is); the streaming checkpoint.

        ``content`` and ``reasoning`` replace the stored text (pass the whole text so
        far, not a delta); ``options`` replaces the whole options object. Committed
        before it returns.

        Raises:
            NotFoundError: no such message.
            ValueError: ``status`` is not one of :data:`MESSAGE_STATUSES`.
        """
        if status is not None and status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        if isinstance(usage, Usage):
            usage = dataclasses.asdict(usage)
        fields: dict[str, Any] = {
            "content": content,
            "reasoning": reasoning,
            "status": status,
            "finish_reason": finish_reason,
            "error": error,
            "usage": None if usage is None else compact_json(usage),
            "timings": None if timings is None else compact_json(timings),
            "options": None if options is None else compact_json(options),
        }
        changes = {name: value for name, value in fields.items() if value is not None}
        changes["updated_at"] = self._clock()
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE messages SET {assignments} WHERE id = :msg_id",
                {**changes, "msg_id": msg_id},
            )
            if cursor.rowcount == 0:
                raise NotFoundError(f"no message {msg_id}")

    def get_message(self, msg_id: str) -> StoredMessage | None:
        row = self._db.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (msg_id,)
        ).fetchone()
        return None if row is None else message_from_row(row)

    def children(self, parent_id: str | None, conv_id: str) -> list[StoredMessage]:
        """The messages under ``parent_id`` (None: the roots), oldest first."""
        if parent_id is None:
            # "+" keeps the planner off the parent index, which holds every root.
            where, params = "m.conversation_id = ? AND +m.parent_id IS NULL", [conv_id]
        else:
            where, params = "m.parent_id = ? AND m.conversation_id = ?", [parent_id, conv_id]
        rows = self._db.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE {where} ORDER BY m.created_at, m.seq",
            params,
        )
        return [message_from_row(row) for row in rows]

    def sibling_map(self, conv_id: str) -> dict[str | None, list[str]]:
        """Every message id of the conversation by parent id (None: the roots), oldest first.

        The "2 / 3" arrows of a branch read it: a message's siblings are
        ``sibling_map[message.parent_id]``.
        """
        return select_siblings(self._db, conv_id)

    def usage_rows(self, conv_id: str) -> list[tuple[str | None, dict[str, int]]]:
        """(model, usage) of every message of the conversation that has usage, all branches."""
        rows = self._db.execute(
            "SELECT model, usage FROM messages WHERE conversation_id = ? AND usage IS NOT NULL"
            " ORDER BY created_at, seq",
            (conv_id,),
        )
        return [(model, json.loads(usage)) for model, usage in rows]

    def path_to(self, leaf_id: str) -> list[StoredMessage]:
        """The messages from the root down to ``leaf_id``; [] when there is no such message."""
        return [
            message_from_row(row) for row in self._db.execute(PATH_SQL.format(seed="?"), (leaf_id,))
        ]

    def current_path(self, conv_id: str) -> list[StoredMessage]:
        """The branch the conversation shows: root .. current leaf; [] when it has none."""
        return select_current_path(self._db, conv_id)

    def set_current_leaf(self, conv_id: str, msg_id: str) -> None:
        """Show the branch ending at ``msg_id``, which must belong to ``conv_id``."""
        with self._transaction() as db:
            self._require(
                "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?", msg_id, conv_id
            )
            db.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (msg_id, conv_id)
            )

    def latest_leaf_under(self, msg_id: str) -> str:
        """The leaf reached from ``msg_id`` by always taking the newest child."""
        row = self._db.execute(LATEST_LEAF_SQL, (msg_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no message {msg_id}")
        return str(row[0])

    def open_branch(self, conv_id: str, at_message: str | None = None) -> BranchSnapshot | None:
        """The conversation, its current branch, sibling map and attachment records,
        read in one transaction (so they agree); None when there is no such conversation.

        With ``at_message``, the branch through that message (down to its newest leaf)
        becomes the current one first.

        Raises:
            NotFoundError: no message ``at_message``.
        """
        if at_message is not None:
            row = self.get_conversation(conv_id)
            if row is None:
                return None
            leaf = self.latest_leaf_under(at_message)
            if leaf != row.current_leaf_id:
                self.set_current_leaf(conv_id, leaf)
        return select_branch(self._db, conv_id)

    # Search, recovery, checks

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Title matches first, then message matches, each best first.

        Every word matches as a substring, in any script, and any text is safe
        (:mod:`app.core.store_search`). Deleted conversations are left out.
        """
        return store_search.search(self._db, query, limit)

    def recover_interrupted(self) -> int:
        """Mark every ``streaming`` message ``interrupted``; call once at start-up.

        A message still streaming when the app starts was cut off by a crash. Do not
        call it while another instance of the app may be streaming into the same file.

        Returns:
            How many messages were marked.
        """
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE messages SET status = 'interrupted', updated_at = ?"
                " WHERE status = 'streaming'",
                (self._clock(),),
            )
        return cursor.rowcount

    def integrity_check(self) -> str:
        """The result of ``PRAGMA integrity_check``: ``"ok"`` or the problems, one per line."""
        return "\n".join(str(row[0]) for row in self._db.execute("PRAGMA integrity_check"))

    # Attachments

    def put_attachment(self, data: bytes | Path, media_type: str, name: str = "") -> str:
        """Store a file once per content and return its sha256 (hex).

        The content is copied to a private temp file (fsynced) and renamed into place,
        so the attachment file is always whole. Storing the same content again keeps
        the first name and media type and only refreshes the row's ``created_at``.

        Args:
            data: The bytes, or a file to copy (read once, in chunks).
            media_type: For example ``image/png``.
            name: The original file name; default the name of ``data`` when a path.
        """
        folder = self._attachments_dir
        folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if isinstance(data, Path):
            name = name or data.name
            with data.open("rb") as source:
                sha256, size, tmp = copy_to_temp(source, folder)
        else:
            sha256, size, tmp = copy_to_temp(io.BytesIO(data), folder)
        try:
            with self._transaction() as db:
                final = self.attachment_path(sha256)
                if final.is_file() and final.stat().st_size == size:
                    tmp.unlink()
                else:
                    final.parent.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
                    os.replace(tmp, final)
                    fsync_dir(final.parent)
                db.execute(
                    "INSERT INTO attachments (sha256, media_type, size, original_name, created_at)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE"
                    " SET created_at = max(created_at, excluded.created_at)",
                    (sha256, media_type, size, name, self._clock()),
                )
        finally:
            tmp.unlink(missing_ok=True)
        return sha256

    def attachment_records(self, shas: Sequence[str]) -> dict[str, AttachmentRecord]:
        """What is known of these attachments (type, size, name), by hash; no bytes."""
        return select_attachments(self._db, shas)

    def attachment_path(self, sha256: str) -> Path:
        """Where the attachment with this hash lives: ``<attachments_dir>/ab/cdef...``."""
        return attachment_file(self._attachments_dir, sha256)

    # Export and import (the bodies are in app.core.store_transfer)

    def export_conversation(
        self, conv_id: str, *, include_attachments: bool = True
    ) -> ConversationExport:
        """A snapshot of one conversation: its row, its whole message tree, its attachments.

        The rows are read in one read transaction, so they are consistent with each
        other; then the attachment files are read (unless ``include_attachments`` is
        False). A file that is gone or no longer matches its hash gives a record with
        ``data`` None and ``missing`` True instead of an error.

        Raises:
            NotFoundError: no such conversation (a soft-deleted one is exported too).
            StoreError: the stored message tree is damaged (a parent cycle).
        """
        return store_transfer.export_conversation(
            self._db,
            self._attachments_dir,
            self._clock,
            conv_id,
            include_attachments=include_attachments,
        )

    def import_conversation(self, data: ConversationImport) -> str:
        """Add an exported conversation (see :func:`app.core.transfer_parse.parse_export`).

        Attachment files are stored first, each like :meth:`put_attachment` (hash
        checked, file written atomically); an attachment without bytes gets its row
        only, unless the store has it already. Then ONE transaction adds the
        conversation and its messages with every field as given (timestamps, statuses,
        usage, current leaf). When the conversation id, or any message id, is in the
        database already, the conversation and all its messages get fresh ids instead
        and the title gains " (imported)".

        Returns:
            The id of the new conversation.

        Raises:
            StoreError: ``data`` is inconsistent (an attachment's bytes do not match
                its hash, a message's parent or attachment is not in ``data``); nothing
                is added then, except attachment files that no message uses.
        """
        return store_transfer.import_conversation(
            self._transaction, self.put_attachment, self._clock, data
        )
