"""The records the conversation store reads and writes, and its errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BUSY_TIMEOUT_MS = 5000
MESSAGE_STATUSES = frozenset({"streaming", "complete", "cancelled", "failed", "interrupted"})
SNIPPET_OPEN = "«"
SNIPPET_CLOSE = "»"


class StoreError(Exception):
    """A store operation was refused; the database is unchanged."""


class NotFoundError(StoreError, LookupError):
    """No conversation, message or attachment has the given id."""


@dataclass(frozen=True)
class ConversationRow:
    """One conversation; ``updated_at`` is the time of its last added message."""

    id: str
    title: str
    created_at: float
    updated_at: float
    pinned: bool
    model: str | None
    settings: dict[str, Any]
    current_leaf_id: str | None
    message_count: int = 0
    deleted_at: float | None = None


@dataclass(frozen=True)
class StoredMessage:
    """One message of the tree; ``parent_id`` is None for a root."""

    id: str
    conversation_id: str
    parent_id: str | None
    role: str
    content: str
    reasoning: str
    model: str | None
    options: dict[str, Any]
    status: str
    finish_reason: str | None
    error: str | None
    usage: dict[str, int] | None
    timings: dict[str, Any]
    created_at: float
    updated_at: float
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True)
class BranchSnapshot:
    """What the window needs to show a conversation, read in one go.

    ``path`` is the current branch (root first), ``siblings`` every message id by
    parent id (see :meth:`Store.sibling_map`), ``records`` the attachments ``path`` uses.
    """

    conversation: ConversationRow
    path: tuple[StoredMessage, ...]
    siblings: dict[str | None, list[str]]
    records: dict[str, AttachmentRecord]


@dataclass(frozen=True)
class SearchHit:
    """A search match; ``message_id`` is None when the title matched.

    ``snippet`` marks each match as ``«word»`` (:data:`SNIPPET_OPEN`/``_CLOSE``) and
    ``…`` where text was cut. Lower ``rank`` is better (FTS5 bm25).
    """

    conversation_id: str
    message_id: str | None
    title: str
    snippet: str
    rank: float


@dataclass(frozen=True)
class AttachmentRecord:
    """An attachment as exported or imported: its row and, when included, its bytes.

    ``data`` is None when the bytes were left out of an export or not in the file;
    ``missing`` is True when the export wanted them but the stored file was gone.
    """

    sha256: str
    media_type: str
    size: int
    original_name: str
    data: bytes | None = None
    missing: bool = False


@dataclass(frozen=True)
class ConversationExport:
    """One conversation with its whole message tree, as :meth:`Store.export_conversation` read it.

    ``messages`` lists every message of the tree, each parent before its children;
    ``attachments`` every attachment those messages use, once each. ``exported_at``
    is the store clock's reading (epoch seconds) when the snapshot was taken.
    """

    conversation: ConversationRow
    messages: tuple[StoredMessage, ...]
    attachments: tuple[AttachmentRecord, ...]
    exported_at: float


@dataclass(frozen=True)
class ConversationImport:
    """A validated conversation to add with :meth:`Store.import_conversation`.

    Same shape as :class:`ConversationExport`: ``messages`` lists each parent before
    its children, every parent and attachment they name is present, and each
    attachment's ``data`` (when not None) hashes to its ``sha256``.
    """

    conversation: ConversationRow
    messages: tuple[StoredMessage, ...]
    attachments: tuple[AttachmentRecord, ...]


def parents_first(messages: Sequence[StoredMessage]) -> list[StoredMessage]:
    """The messages in tree order: each root, then its subtree, depth first.

    Siblings keep their order in ``messages``. A message whose parent is not in
    ``messages`` is left out, and so is every message of a parent cycle (none of them
    hangs under a root); callers compare lengths to notice either.
    """
    children: dict[str | None, list[StoredMessage]] = {}
    for message in messages:
        children.setdefault(message.parent_id, []).append(message)
    ordered: list[StoredMessage] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        message = stack.pop()
        ordered.append(message)
        stack.extend(reversed(children.get(message.id, [])))
    return ordered
