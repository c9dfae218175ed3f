"""The records the conversation store reads and writes, and its errors."""

from __future__ import annotations

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
