"""Export and import of a whole conversation in the store: a snapshot out, rows back in.

These are the bodies of :meth:`Store.export_conversation
<app.core.store.Store.export_conversation>` and :meth:`Store.import_conversation
<app.core.store.Store.import_conversation>`, which document them; they take the
store's connection, attachments folder, transaction and clock as arguments. Rendering
and parsing the files is :mod:`app.core.transfer` and :mod:`app.core.transfer_parse`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from app.core.attachment_files import attachment_file
from app.core.store_records import (
    AttachmentRecord,
    ConversationExport,
    ConversationImport,
    NotFoundError,
    StoredMessage,
    StoreError,
    parents_first,
)
from app.core.store_sql import (
    MESSAGE_COLUMNS,
    compact_json,
    message_from_row,
    select_conversation,
)

__all__ = ["export_conversation", "import_conversation"]

# Export


def export_conversation(
    db: sqlite3.Connection,
    attachments_dir: Path,
    clock: Callable[[], float],
    conv_id: str,
    *,
    include_attachments: bool,
) -> ConversationExport:
    """See :meth:`Store.export_conversation <app.core.store.Store.export_conversation>`."""
    db.execute("BEGIN")
    try:
        conversation = select_conversation(db, conv_id)
        if conversation is None:
            raise NotFoundError(f"no conversation {conv_id}")
        messages = _export_messages(db, conv_id)
        rows = db.execute(
            "SELECT sha256, media_type, size, original_name FROM attachments WHERE sha256 IN"
            " (SELECT u.sha256 FROM message_attachments u JOIN messages m"
            " ON m.id = u.message_id WHERE m.conversation_id = ?) ORDER BY sha256",
            (conv_id,),
        ).fetchall()
    finally:
        db.execute("COMMIT")
    attachments = tuple(
        _export_attachment(attachments_dir, AttachmentRecord(*row), include_attachments)
        for row in rows
    )
    return ConversationExport(conversation, messages, attachments, clock())


def _export_messages(db: sqlite3.Connection, conv_id: str) -> tuple[StoredMessage, ...]:
    """Every message of the conversation, each parent before its children."""
    rows = db.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?"
        " ORDER BY m.created_at, m.seq",
        (conv_id,),
    )
    messages = [message_from_row(row) for row in rows]
    ordered = parents_first(messages)
    if len(ordered) != len(messages):
        raise StoreError(f"the message tree of conversation {conv_id} is damaged")
    return tuple(ordered)


def _export_attachment(
    attachments_dir: Path, record: AttachmentRecord, include_data: bool
) -> AttachmentRecord:
    """``record`` with the bytes of its file, or marked missing when they cannot be had."""
    if not include_data:
        return record
    try:
        data = attachment_file(attachments_dir, record.sha256).read_bytes()
    except OSError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != record.sha256:
        return dataclasses.replace(record, data=None, missing=True)
    return dataclasses.replace(record, data=data)


# Import


def import_conversation(
    transaction: Callable[[], AbstractContextManager[sqlite3.Connection]],
    put_attachment: Callable[[bytes, str, str], str],
    clock: Callable[[], float],
    data: ConversationImport,
) -> str:
    """See :meth:`Store.import_conversation <app.core.store.Store.import_conversation>`.

    ``put_attachment`` stores one file atomically and returns its sha256, like
    :meth:`Store.put_attachment <app.core.store.Store.put_attachment>`; ``transaction``
    is the store's write transaction, yielding its connection.
    """
    messages = _check_import(data)
    for record in data.attachments:
        if record.data is not None:
            stored = put_attachment(record.data, record.media_type, record.original_name)
            if stored != record.sha256:
                raise StoreError(f"the bytes of attachment {record.sha256} do not match it")
    with transaction() as db:
        ids = _import_ids(db, data.conversation.id, messages)
        _insert_imported(db, clock, data, messages, ids)
    return ids[data.conversation.id]


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


def _import_ids(
    db: sqlite3.Connection, conv_id: str, messages: Sequence[StoredMessage]
) -> dict[str, str]:
    """Old id -> new id for the conversation and its messages: kept unless one is taken."""
    old = [conv_id, *(message.id for message in messages)]
    taken = db.execute(
        "SELECT EXISTS (SELECT 1 FROM conversations WHERE id = ?) OR EXISTS"
        " (SELECT 1 FROM messages WHERE id IN (SELECT value FROM json_each(?)))",
        (conv_id, json.dumps(old[1:])),
    ).fetchone()[0]
    if not taken:
        return {item: item for item in old}
    return {item: uuid.uuid4().hex for item in old}


def _insert_imported(
    db: sqlite3.Connection,
    clock: Callable[[], float],
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
         conv.updated_at, int(conv.pinned), conv.model, compact_json(conv.settings), leaf),
    )  # fmt: skip
    db.executemany(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, reasoning,"
        " model, options, status, finish_reason, error, usage, timings, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (ids[m.id], ids[conv.id], None if m.parent_id is None else ids[m.parent_id],
             m.role, m.content, m.reasoning, m.model, compact_json(m.options), m.status,
             m.finish_reason, m.error, None if m.usage is None else compact_json(m.usage),
             compact_json(m.timings), m.created_at, m.updated_at)
            for m in messages
        ],
    )  # fmt: skip
    now = clock()
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
