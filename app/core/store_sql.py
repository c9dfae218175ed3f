"""The SQL the conversation store runs, and how its rows become records.

Shared by :mod:`app.core.store` and :mod:`app.core.store_transfer`: the column lists
and queries of conversations and messages, the compact JSON of the JSON columns, and
the decoding of a row into a :class:`ConversationRow` or :class:`StoredMessage`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from app.core.store_records import (
    AttachmentRecord,
    BranchSnapshot,
    ConversationRow,
    StoredMessage,
)

MAX_DEPTH = 1_000_000  # guards the tree walks against a (corrupt) parent cycle

CONVERSATION_COLUMNS = """c.id, c.title, c.created_at, c.updated_at, c.pinned, c.model,
    c.settings, c.current_leaf_id, c.deleted_at,
    (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count"""

MESSAGE_COLUMNS = """m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning,
    m.model, m.options, m.status, m.finish_reason, m.error, m.usage, m.timings,
    m.created_at, m.updated_at,
    (SELECT group_concat(a.position || ':' || a.sha256) FROM message_attachments a
     WHERE a.message_id = m.id) AS attachments"""

PATH_SQL = f"""
WITH RECURSIVE up(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM messages WHERE id = ({{seed}})
    UNION ALL
    SELECT m.id, m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.parent_id
    WHERE up.depth < {MAX_DEPTH}
)
SELECT {MESSAGE_COLUMNS} FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC
"""

LATEST_LEAF_SQL = f"""
WITH RECURSIVE down(id, depth) AS (
    SELECT id, 0 FROM messages WHERE id = ?
    UNION ALL
    SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id
            ORDER BY c.created_at DESC, c.seq DESC LIMIT 1), down.depth + 1
    FROM down WHERE down.id IS NOT NULL AND down.depth < {MAX_DEPTH}
)
SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
"""


def compact_json(value: Mapping[str, Any]) -> str:
    """``value`` as JSON text for a JSON column: compact, non-ASCII kept as is."""
    return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))


def conversation_from_row(row: sqlite3.Row) -> ConversationRow:
    data = dict(row)
    data.update(pinned=bool(data["pinned"]), settings=json.loads(data["settings"]))
    return ConversationRow(**data)


def _loads(text: str | None) -> Any:
    if text is None:
        return None
    return {} if text == "{}" else json.loads(text)  # most rows: skip the parser


def message_from_row(row: sqlite3.Row) -> StoredMessage:
    attachments: tuple[str, ...] = ()
    if row[15]:  # "position:sha256,...", in no particular order (group_concat promises none)
        pairs = (item.split(":") for item in row[15].split(","))
        attachments = tuple(sha for _, sha in sorted((int(p), sha) for p, sha in pairs))
    # Positional, in the order of MESSAGE_COLUMNS: this runs for every message shown.
    return StoredMessage(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], _loads(row[7]), row[8],
        row[9], row[10], _loads(row[11]), _loads(row[12]), row[13], row[14], attachments,
    )  # fmt: skip


def select_conversation(db: sqlite3.Connection, conv_id: str) -> ConversationRow | None:
    """The conversation, also when soft-deleted (see ``deleted_at``)."""
    row = db.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?", (conv_id,)
    ).fetchone()
    return None if row is None else conversation_from_row(row)


def select_attachments(db: sqlite3.Connection, shas: Sequence[str]) -> dict[str, AttachmentRecord]:
    """The rows (without bytes) of the attachments with these hashes, by hash."""
    unique = sorted(set(shas))
    rows = db.execute(
        "SELECT sha256, media_type, size, original_name FROM attachments"
        f" WHERE sha256 IN ({', '.join('?' * len(unique))})",
        unique,
    )
    return {row[0]: AttachmentRecord(row[0], row[1], int(row[2]), row[3]) for row in rows}


def select_current_path(db: sqlite3.Connection, conv_id: str) -> list[StoredMessage]:
    """The conversation's current branch, root first; [] when it has none."""
    seed = "SELECT current_leaf_id FROM conversations WHERE id = ?"
    return [message_from_row(row) for row in db.execute(PATH_SQL.format(seed=seed), (conv_id,))]


def select_siblings(db: sqlite3.Connection, conv_id: str) -> dict[str | None, list[str]]:
    """Every message id of the conversation by parent id (None: the roots), oldest first."""
    rows = db.execute(
        "SELECT parent_id, id FROM messages WHERE conversation_id = ? ORDER BY created_at, seq",
        (conv_id,),
    )
    siblings: dict[str | None, list[str]] = {}
    for parent_id, msg_id in rows:
        siblings.setdefault(parent_id, []).append(msg_id)
    return siblings


def select_branch(db: sqlite3.Connection, conv_id: str) -> BranchSnapshot | None:
    """The conversation, its current branch, sibling map and attachment records, read in
    one (deferred, lock-free) transaction so that they agree; None: no such conversation."""
    db.execute("BEGIN")
    try:
        row = select_conversation(db, conv_id)
        if row is None:
            return None
        path = tuple(select_current_path(db, conv_id))
        shas = [sha for message in path for sha in message.attachments]
        records = select_attachments(db, shas) if shas else {}
        return BranchSnapshot(row, path, select_siblings(db, conv_id), records)
    finally:
        db.execute("COMMIT")
