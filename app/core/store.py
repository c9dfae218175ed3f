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
import hashlib
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
from app.core.attachment_files import attachment_file, copy_to_temp, fsync_dir
from app.core.migrations import migrate
from app.core.paths import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from app.core.store_records import (
    BUSY_TIMEOUT_MS,
    MESSAGE_STATUSES,
    SNIPPET_CLOSE,
    SNIPPET_OPEN,
    AttachmentRecord,
    ConversationExport,
    ConversationImport,
    ConversationRow,
    NotFoundError,
    SearchHit,
    StoredMessage,
    StoreError,
    parents_first,
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
    "fts_query",
]

_MAX_DEPTH = 1_000_000  # guards the tree walks against a (corrupt) parent cycle

_CONVERSATION_COLUMNS = """c.id, c.title, c.created_at, c.updated_at, c.pinned, c.model,
    c.settings, c.current_leaf_id, c.deleted_at,
    (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"""

_MESSAGE_COLUMNS = """m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning,
    m.model, m.options, m.status, m.finish_reason, m.error, m.usage, m.timings,
    m.created_at, m.updated_at,
    (SELECT group_concat(a.position || ':' || a.sha256) FROM message_attachments a
     WHERE a.message_id = m.id) AS attachments"""

_PATH_SQL = f"""
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM messages WHERE id = ({{seed}})
    UNION ALL
    SELECT m.id, m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.parent_id
    WHERE up.depth < {_MAX_DEPTH}
)
SELECT {_MESSAGE_COLUMNS} FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC
"""

_LATEST_LEAF_SQL = f"""
WITH RECURSIVE down(id, depth) AS (
    SELECT id, 0 FROM messages WHERE id = ?
    UNION ALL
    SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id
            ORDER BY c.created_at DESC, c.seq DESC LIMIT 1), down.depth + 1
    FROM down WHERE down.id IS NOT NULL AND down.depth < {_MAX_DEPTH}
)
SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
"""

_SEARCH_SQL = f"""
SELECT * FROM (
    SELECT c.id, NULL AS message_id, c.title,
        snippet(conversations_fts, 0, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', 12),
        conversations_fts.rank AS rank, 0 AS kind
    FROM conversations_fts JOIN conversations c ON c.seq = conversations_fts.rowid
    WHERE conversations_fts MATCH :q AND c.deleted_at IS NULL
    ORDER BY rank LIMIT :limit
)
UNION ALL
SELECT * FROM (
    SELECT c.id, m.id AS message_id, c.title,
        snippet(messages_fts, 0, '{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', 12),
        messages_fts.rank AS rank, 1 AS kind
    FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
    JOIN conversations c ON c.id = m.conversation_id
    WHERE messages_fts MATCH :q AND c.deleted_at IS NULL
    ORDER BY rank LIMIT :limit
)
ORDER BY kind, rank LIMIT :limit
"""


def fts_query(text: str) -> str | None:
    """Turn user text into a safe FTS5 query: every word a quoted phrase, all required.

    The last word matches as a prefix (search as you type). Returns None when the
    text holds no word, e.g. only spaces.
    """
    words = text.replace("\x00", " ").split()
    if not words:
        return None
    phrases = ['"' + word.replace('"', '""') + '"' for word in words]
    phrases[-1] += "*"
    return " ".join(phrases)


def _dumps(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))


def _conversation(row: sqlite3.Row) -> ConversationRow:
    data = dict(row)
    data.update(pinned=bool(data["pinned"]), settings=json.loads(data["settings"]))
    return ConversationRow(**data)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    return {} if text == "{}" else json.loads(text)  # most rows: skip the parser


def _message(row: sqlite3.Row) -> StoredMessage:
    attachments: tuple[str, ...] = ()
    if row[15]:  # "position:sha256,...", in no particular order (group_concat promises none)
        pairs = (item.split(":") for item in row[15].split(","))
        attachments = tuple(sha for _, sha in sorted((int(p), sha) for p, sha in pairs))
    # Positional, in the order of _MESSAGE_COLUMNS: this runs for every message shown.
    return StoredMessage(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], _loads(row[7]), row[8],
        row[9], row[10], _loads(row[11]), _loads(row[12]), row[13], row[14], attachments,
    )  # fmt: skip


def _enable_wal(db: sqlite3.Connection) -> None:
    # WAL is a property of the file: usually set already. Switching a new file takes
    # an exclusive lock without waiting on busy_timeout, so when two processes create
    # the file at once, the loser retries for as long as busy_timeout would wait.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    attempt = 0
    while (mode := db.execute("PRAGMA journal_mode").fetchone()[0]) != "wal":
        try:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            attempt += 1
            time.sleep(min(0.002 * attempt, 0.05))
            continue
        if mode != "wal":
            raise sqlite3.OperationalError(f"cannot use write-ahead logging (journal mode {mode})")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    # Created private first: SQLite gives its -wal and -shm files the same mode.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE))
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db


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
        return cls(_connect(path), Path(folder), clock)

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
                (conv_id, title, now, now, model, _dumps(settings or {})),
            )
        return ConversationRow(conv_id, title, now, now, False, model, dict(settings or {}), None)

    def get_conversation(self, conv_id: str) -> ConversationRow | None:
        """The conversation, also when soft-deleted (see ``deleted_at``)."""
        row = self._db.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?", (conv_id,)
        ).fetchone()
        return None if row is None else _conversation(row)

    def list_conversations(
        self, *, limit: int | None = None, offset: int = 0
    ) -> list[ConversationRow]:
        """Conversations not deleted: pinned first, then the most recently active."""
        rows = self._db.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.deleted_at IS NULL"
            " ORDER BY c.pinned DESC, c.updated_at DESC, c.seq DESC LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset),
        )
        return [_conversation(row) for row in rows]

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
        self._update_conversation(conv_id, "settings = ?, model = ?", _dumps(settings), model)

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
            "options": _dumps(options or {}), "status": status, "now": self._clock(),
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
    ) -> None:
        """Overwrite the given fields (None leaves a field as it is); the streaming checkpoint.

        ``content`` and ``reasoning`` replace the stored text (pass the whole text so
        far, not a delta). Committed before it returns.

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
            "usage": None if usage is None else _dumps(usage),
            "timings": None if timings is None else _dumps(timings),
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
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (msg_id,)
        ).fetchone()
        return None if row is None else _message(row)

    def children(self, parent_id: str | None, conv_id: str) -> list[StoredMessage]:
        """The messages under ``parent_id`` (None: the roots), oldest first."""
        if parent_id is None:
            # "+" keeps the planner off the parent index, which holds every root.
            where, params = "m.conversation_id = ? AND +m.parent_id IS NULL", [conv_id]
        else:
            where, params = "m.parent_id = ? AND m.conversation_id = ?", [parent_id, conv_id]
        rows = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE {where} ORDER BY m.created_at, m.seq",
            params,
        )
        return [_message(row) for row in rows]

    def sibling_map(self, conv_id: str) -> dict[str | None, list[str]]:
        """Every message id of the conversation by parent id (None: the roots), oldest first.

        The "2 / 3" arrows of a branch read it: a message's siblings are
        ``sibling_map[message.parent_id]``.
        """
        rows = self._db.execute(
            "SELECT parent_id, id FROM messages WHERE conversation_id = ? ORDER BY created_at, seq",
            (conv_id,),
        )
        siblings: dict[str | None, list[str]] = {}
        for parent_id, msg_id in rows:
            siblings.setdefault(parent_id, []).append(msg_id)
        return siblings

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
        return [_message(row) for row in self._db.execute(_PATH_SQL.format(seed="?"), (leaf_id,))]

    def current_path(self, conv_id: str) -> list[StoredMessage]:
        """The branch the conversation shows: root .. current leaf; [] when it has none."""
        seed = "SELECT current_leaf_id FROM conversations WHERE id = ?"
        return [_message(row) for row in self._db.execute(_PATH_SQL.format(seed=seed), (conv_id,))]

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
        row = self._db.execute(_LATEST_LEAF_SQL, (msg_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no message {msg_id}")
        return str(row[0])

    # Search, recovery, checks

    def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Title matches first, then message matches, each best first.

        Any text is safe: each word is matched literally (FTS5 operators and quotes
        lose their meaning) and the last word also as a prefix. Deleted conversations
        are left out.
        """
        match = fts_query(query)
        if match is None:
            return []
        rows = self._db.execute(_SEARCH_SQL, {"q": match, "limit": limit})
        return [SearchHit(row[0], row[1], row[2], row[3], float(row[4])) for row in rows]

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

    def attachment_path(self, sha256: str) -> Path:
        """Where the attachment with this hash lives: ``<attachments_dir>/ab/cdef...``."""
        return attachment_file(self._attachments_dir, sha256)

    # Export and import

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
        self._db.execute("BEGIN")
        try:
            conversation = self.get_conversation(conv_id)
            if conversation is None:
                raise NotFoundError(f"no conversation {conv_id}")
            messages = self._export_messages(conv_id)
            rows = self._db.execute(
                "SELECT sha256, media_type, size, original_name FROM attachments WHERE sha256 IN"
                " (SELECT u.sha256 FROM message_attachments u JOIN messages m"
                " ON m.id = u.message_id WHERE m.conversation_id = ?) ORDER BY sha256",
                (conv_id,),
            ).fetchall()
        finally:
            self._db.execute("COMMIT")
        attachments = tuple(
            self._export_attachment(AttachmentRecord(*row), include_attachments) for row in rows
        )
        return ConversationExport(conversation, messages, attachments, self._clock())

    def _export_messages(self, conv_id: str) -> tuple[StoredMessage, ...]:
        """Every message of the conversation, each parent before its children."""
        rows = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?"
            " ORDER BY m.created_at, m.seq",
            (conv_id,),
        )
        messages = [_message(row) for row in rows]
        ordered = parents_first(messages)
        if len(ordered) != len(messages):
            raise StoreError(f"the message tree of conversation {conv_id} is damaged")
        return tuple(ordered)

    def _export_attachment(self, record: AttachmentRecord, include_data: bool) -> AttachmentRecord:
        """``record`` with the bytes of its file, or marked missing when they cannot be had."""
        if not include_data:
            return record
        try:
            data = self.attachment_path(record.sha256).read_bytes()
        except OSError:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != record.sha256:
            return dataclasses.replace(record, data=None, missing=True)
        return dataclasses.replace(record, data=data)

    def import_conversation(self, data: ConversationImport) -> str:
        """Add an exported conversation (see :func:`app.core.transfer.parse_export`).

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
        messages = self._check_import(data)
        for record in data.attachments:
            if record.data is not None:
                stored = self.put_attachment(record.data, record.media_type, record.original_name)
                if stored != record.sha256:
                    raise StoreError(f"the bytes of attachment {record.sha256} do not match it")
        with self._transaction() as db:
            ids = self._import_ids(data.conversation.id, messages)
            self._insert_imported(db, data, messages, ids)
        return ids[data.conversation.id]

    @staticmethod
    def _check_import(data: ConversationImport) -> list[StoredMessage]:
        """The messages of ``data`` in tree order; StoreError unless ``data`` is consistent."""
        messages = parents_first(data.messages)
        ids = {message.id for message in messages}
        if len(messages) != len(data.messages) or len(ids) != len(messages):
            raise StoreError("the imported messages do not form one tree of distinct ids")
        leaf = data.conversation.current_leaf_id
        if leaf is not None and leaf not in ids:
            raise StoreError("the imported current message is not among the messages")
        known = {record.sha256 for record in data.attachments}
        if any(sha256 not in known for message in messages for sha256 in message.attachments):
            raise StoreError("an imported message names an attachment that is not in the import")
        return messages

    def _import_ids(self, conv_id: str, messages: Sequence[StoredMessage]) -> dict[str, str]:
        """Old id -> new id for the conversation and its messages: kept unless one is taken."""
        old = [conv_id, *(message.id for message in messages)]
        taken = self._db.execute(
            "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?) OR EXISTS"
            " (SELECT 1 FROM messages WHERE id IN (SELECT value FROM json_each(?)))",
            (conv_id, json.dumps(old[1:])),
        ).fetchone()[0]
        if not taken:
            return {item: item for item in old}
        return {item: uuid.uuid4().hex for item in old}

    def _insert_imported(
        self,
        db: sqlite3.Connection,
        data: ConversationImport,
        messages: Sequence[StoredMessage],
        ids: Mapping[str, str],
    ) -> None:
        """Insert the rows of an import, with ids mapped by ``ids`` (inside a transaction)."""
        conv = data.conversation
        fresh = ids[conv.id] != conv.id
        leaf = None if conv.current_leaf_id is None else ids[conv.current_leaf_id]
        db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, pinned, model,"
            " settings, current_leaf_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (ids[conv.id], f"{conv.title} (imported)" if fresh else conv.title, conv.created_at,
             conv.updated_at, int(conv.pinned), conv.model, _dumps(conv.settings), leaf),
        )  # fmt: skip
        db.executemany(
            "INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning,"
            " model, options, status, finish_reason, error, usage, timings, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (ids[m.id], ids[conv.id], None if m.parent_id is None else ids[m.parent_id],
                 m.role, m.content, m.reasoning, m.model, _dumps(m.options), m.status,
                 m.finish_reason, m.error, None if m.usage is None else _dumps(m.usage),
                 _dumps(m.timings), m.created_at, m.updated_at)
                for m in messages
            ],
        )  # fmt: skip
        now = self._clock()
        db.executemany(
            "INSERT INTO attachments (sha256, media_type, size, original_name, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
            [(a.sha256, a.media_type, a.size, a.original_name, now) for a in data.attachments],
        )
        db.executemany(
            "INSERT INTO message_attachments (message_id, sha256, position) VALUES (?, ?, ?)",
            [
                (ids[m.id], sha256, position)
                for m in messages
                for position, sha256 in enumerate(m.attachments)
            ],
        )
