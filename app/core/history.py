"""Opening the conversation history, and turning stored rows into a conversation."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from app.api.events import Usage
from app.api.translation import translate
from app.core.conversation import Attachment, Conversation, Message, Status
from app.core.store import Store, StoredMessage
from app.core.store_async import AsyncStore
from app.core.store_records import AttachmentRecord, BranchSnapshot

log = logging.getLogger(__name__)

DATABASE_NAME = "mimo.sqlite3"


async def open_history(data_dir: Path) -> tuple[AsyncStore | None, str | None]:
    """Open (creating or migrating) the history; on failure, no store and a warning.

    Replies that were streaming when the app last stopped are marked interrupted.
    """
    try:
        store = await AsyncStore.open(data_dir / DATABASE_NAME, data_dir / "attachments")
        recovered = await store.recover_interrupted()
    except (OSError, sqlite3.Error) as error:
        log.error("Could not open the history in %s: %s", data_dir, error)
        text = translate(
            "History", "History could not be opened ({error}); this session is not saved."
        )
        return None, text.format(error=error)
    if recovered:
        log.info("Marked %d interrupted repl%s", recovered, "y" if recovered == 1 else "ies")
    return store, None


def usage_from(raw: object) -> Usage | None:
    """A stored usage dict as :class:`Usage`; missing or odd counts read as 0."""
    if not isinstance(raw, dict) or not raw:
        return None

    def count(name: str) -> int:
        value = raw.get(name, 0)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    return Usage(
        prompt_tokens=count("prompt_tokens"),
        completion_tokens=count("completion_tokens"),
        total_tokens=count("total_tokens"),
        cached_tokens=count("cached_tokens"),
        reasoning_tokens=count("reasoning_tokens"),
    )


def message_from(
    row: StoredMessage,
    records: Mapping[str, AttachmentRecord] | None = None,
    path_of: Callable[[str], Path] | None = None,
) -> Message:
    """A stored message for the window; its attachments need ``records`` and ``path_of``."""
    usage = usage_from(row.usage)
    message = Message(
        role=row.role,
        content=row.content,
        reasoning=row.reasoning,
        model=row.model,
        status=Status(row.status),
        finish_reason=row.finish_reason,
        error=row.error,
        usage=usage,
        id=row.id,
        parent_id=row.parent_id,
        attachments=_attachments_of(row, records or {}, path_of),
    )
    if row.options:
        message.load_tool_options(row.options)
    return message


def _attachments_of(
    row: StoredMessage,
    records: Mapping[str, AttachmentRecord],
    path_of: Callable[[str], Path] | None,
) -> list[Attachment]:
    if not row.attachments or path_of is None:
        return []
    media = row.options.get("media") if isinstance(row.options, dict) else None
    options = media if isinstance(media, list) else []
    attachments = []
    for position, sha in enumerate(row.attachments):
        record = records.get(sha)
        if record is None:
            continue
        saved = options[position] if position < len(options) else {}
        saved = saved if isinstance(saved, dict) else {}
        fps, resolution = saved.get("fps"), saved.get("media_resolution")
        attachments.append(
            Attachment(
                path=path_of(sha),
                mime=record.media_type,
                name=record.original_name or sha[:12],
                size=record.size,
                sha256=sha,
                fps=float(fps) if isinstance(fps, int | float) else None,
                resolution=resolution if isinstance(resolution, str) else None,
            )
        )
    return attachments


def conversation_from(
    snapshot: BranchSnapshot, path_of: Callable[[str], Path] | None = None
) -> Conversation:
    """The conversation a :meth:`Store.open_branch` read, along its current branch
    (~6 us a message: run it off the GUI thread, as :func:`load_conversation` does)."""
    row, records = snapshot.conversation, snapshot.records
    return Conversation(
        system_prompt=str(row.settings.get("system_prompt", "")),
        messages=[message_from(item, records, path_of) for item in snapshot.path],
        id=row.id,
        title=row.title,
        siblings=snapshot.siblings,
        model=row.model,
        settings=dict(row.settings),
    )


async def load_conversation(
    store: AsyncStore, conv_id: str, *, at_message: str | None = None
) -> Conversation | None:
    """A saved conversation along its current branch, or None when it does not exist.

    With ``at_message``, the branch through that message (down to its newest leaf)
    becomes the current one first, so a search hit on an older branch opens there.
    One trip to the store thread reads it all and makes the messages there.
    """

    def read(live: Store) -> Conversation | None:
        snapshot = live.open_branch(conv_id, at_message)
        return None if snapshot is None else conversation_from(snapshot, store.attachment_path)

    return await store.run(read)


async def load_latest(store: AsyncStore) -> Conversation | None:
    """The most recently updated conversation (pinned or not), along its current branch."""
    rows = await store.list_conversations(limit=1, pinned_first=False)
    if not rows:
        return None
    return await load_conversation(store, rows[0].id)
