"""Export of one conversation: a lossless JSON file and a readable Markdown page.

The JSON export (:data:`EXPORT_FORMAT`, version :data:`EXPORT_VERSION`) holds all the
store knows about a conversation: every message of its tree with every field, and its
attachments with their bytes (base64), so importing it gives the same conversation
back. The Markdown export shows the branch on screen, for reading and sharing; it is
not meant to be imported.

An export never carries a credential: settings and options keys that look like one
(``api_key``, ``password``, ...) are dropped, also from nested objects.

Nothing here touches Qt or the database: :meth:`Store.export_conversation
<app.core.store.Store.export_conversation>` takes the snapshot these functions render.
:mod:`app.core.transfer_parse` reads a JSON export back, for :meth:`Store.import_conversation
<app.core.store.Store.import_conversation>`. :mod:`app.core.transfer_files` joins the two.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.api.translation import translate
from app.core.catalogue import spec_for
from app.core.store_records import (
    AttachmentRecord,
    ConversationExport,
    ConversationRow,
    StoredMessage,
)

__all__ = [
    "EXPORT_FORMAT",
    "EXPORT_VERSION",
    "AttachmentRecord",
    "ConversationExport",
    "conversation_to_json",
    "conversation_to_markdown",
    "current_branch",
    "is_secret_name",
    "without_secrets",
]

EXPORT_FORMAT = "mimo-desktop.conversation"
EXPORT_VERSION = 1
_SECRET_NAMES = frozenset({"key", "apikey", "authorization", "secret", "password"})
_SECRET_PARTS = ("apikey", "authorization", "secret", "password", "passwd")


# Secrets


def is_secret_name(name: str) -> bool:
    """True for a key that may hold a credential: ``api_key``, ``apiKey``, ``password``...

    Case, ``_`` and ``-`` do not matter; ``key`` alone counts, and so does any name
    containing ``apikey``, ``secret``, ``password`` or ``authorization``.
    """
    folded = re.sub(r"[^0-9a-z]", "", name.lower())
    return folded in _SECRET_NAMES or any(part in folded for part in _SECRET_PARTS)


def without_secrets(value: Any) -> Any:
    """``value`` with every credential-looking key dropped, in nested objects too."""
    if isinstance(value, Mapping):
        return {
            key: without_secrets(item)
            for key, item in value.items()
            if not is_secret_name(str(key))
        }
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


# JSON export


def conversation_to_json(
    snapshot: ConversationExport, *, include_attachments: bool = True
) -> bytes:
    """The lossless export of ``snapshot``: UTF-8 JSON, indented by 2.

    The same snapshot always gives the same bytes, except for ``exported_at``. An
    attachment's bytes are left out when ``include_attachments`` is False or the
    snapshot has none (its file was missing).
    """
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso_time(snapshot.exported_at),
        "conversation": _conversation_json(snapshot.conversation),
        "messages": [_message_json(message) for message in snapshot.messages],
        "attachments": [
            _attachment_json(record, include_attachments) for record in snapshot.attachments
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _iso_time(timestamp: float) -> str:
    """``timestamp`` (epoch seconds) in ISO 8601 UTC, like ``2025-01-31T09:05:00Z``."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _conversation_json(row: ConversationRow) -> dict[str, Any]:
    """The conversation's fields as exported (not ``deleted_at``, not the message count)."""
    return {
        "id": row.id,
        "title": row.title,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "pinned": row.pinned,
        "model": row.model,
        "settings": without_secrets(row.settings),
        "current_leaf_id": row.current_leaf_id,
    }


def _message_json(message: StoredMessage) -> dict[str, Any]:
    """Every field of a message but its conversation id (the file's conversation)."""
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "model": message.model,
        "options": without_secrets(message.options),
        "status": message.status,
        "finish_reason": message.finish_reason,
        "error": message.error,
        "usage": message.usage,
        "timings": message.timings,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
        "attachments": list(message.attachments),
    }


def _attachment_json(record: AttachmentRecord, include_data: bool) -> dict[str, Any]:
    """An attachment's row, with its bytes as ``data_base64`` when wanted and known."""
    item: dict[str, Any] = {
        "sha256": record.sha256,
        "media_type": record.media_type,
        "size": record.size,
        "original_name": record.original_name,
    }
    if include_data and record.data is not None:
        item["data_base64"] = base64.b64encode(record.data).decode("ascii")
    return item


# Markdown export


def current_branch(snapshot: ConversationExport) -> list[StoredMessage]:
    """The messages from the root down to the conversation's current leaf."""
    by_id = {message.id: message for message in snapshot.messages}
    branch: list[StoredMessage] = []
    msg_id = snapshot.conversation.current_leaf_id
    while msg_id is not None and msg_id in by_id and len(branch) < len(by_id):
        branch.append(by_id[msg_id])
        msg_id = by_id[msg_id].parent_id
    return branch[::-1]


def conversation_to_markdown(snapshot: ConversationExport) -> str:
    """The branch on screen as a Markdown page: title, one section per message, token total.

    Reasoning goes in a collapsed ``<details>`` block, attachments are listed by name,
    and a reply that failed or did not finish gets an italic note.
    """
    conversation = snapshot.conversation
    branch = current_branch(snapshot)
    attachments = {record.sha256: record for record in snapshot.attachments}
    title = _one_line(conversation.title) or translate("MarkdownExport", "Untitled conversation")
    parts = [f"# {title}"]
    parts.append(_byline(conversation, snapshot.exported_at))
    parts.extend(_message_markdown(m, conversation.model, attachments) for m in branch)
    footer = _usage_footer(branch)
    if footer is not None:
        parts.append(footer)
    return "\n\n".join(parts) + "\n"


def _one_line(text: str) -> str:
    """``text`` with its runs of white space (new lines too) made single spaces."""
    return " ".join(text.split())


def _byline(conversation: ConversationRow, exported_at: float) -> str:
    """The line under the title: the conversation's model and the export date."""
    date = datetime.fromtimestamp(exported_at, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    if conversation.model:
        text = translate("MarkdownExport", "Model: {model} · Exported {date}")
        return text.format(model=spec_for(conversation.model).label, date=date)
    return translate("MarkdownExport", "Exported {date}").format(date=date)


def _speaker(message: StoredMessage, default_model: str | None) -> str:
    """The heading of a message: "You", the model's name, or the role."""
    if message.role == "user":
        return translate("MarkdownExport", "You")
    if message.role == "assistant":
        model = message.model or default_model
        return spec_for(model).label if model else translate("MarkdownExport", "Assistant")
    if message.role == "system":
        return translate("MarkdownExport", "System")
    return message.role.capitalize() or translate("MarkdownExport", "Message")


def _message_markdown(
    message: StoredMessage, default_model: str | None, attachments: Mapping[str, AttachmentRecord]
) -> str:
    """One message as a ``##`` section."""
    parts = [f"## {_speaker(message, default_model)}"]
    if message.reasoning.strip():
        summary = translate("MarkdownExport", "Reasoning")
        parts.append(
            f"<details><summary>{summary}</summary>\n\n{message.reasoning.strip()}\n\n</details>"
        )
    if message.content.strip():
        parts.append(message.content.strip())
    if message.attachments:
        parts.append("\n".join(_attachment_line(sha, attachments) for sha in message.attachments))
    note = _status_note(message)
    if note is not None:
        parts.append(f"*{_escape_inline(note)}*")
    return "\n\n".join(parts)


def _attachment_line(sha256: str, attachments: Mapping[str, AttachmentRecord]) -> str:
    """A list item naming one attachment: name, media type, size and hash."""
    record = attachments.get(sha256)
    unnamed = translate("MarkdownExport", "attachment")
    if record is None:
        return f"- {unnamed} `sha256:{sha256}`"
    name = _escape_inline(_one_line(record.original_name)) or unnamed
    missing = " " + translate("MarkdownExport", "(file missing)") if record.missing else ""
    return f"- {name} ({record.media_type}, {_human_size(record.size)}) `sha256:{sha256}`{missing}"


def _human_size(size: int) -> str:
    """``size`` bytes for people: ``512 bytes``, ``1.5 kB``, ``12.0 MB``."""
    if size < 1000:
        if size == 1:
            return translate("MarkdownExport", "1 byte")
        return translate("MarkdownExport", "{size} bytes").format(size=size)
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


def _status_note(message: StoredMessage) -> str | None:
    """A sentence saying why a reply is not whole, or None when it is."""
    if message.status == "failed":
        error = _one_line(message.error or "")
        if error:
            return translate("MarkdownExport", "The reply failed: {error}").format(error=error)
        return translate("MarkdownExport", "The reply failed.")
    if message.status == "streaming":
        return translate(
            "MarkdownExport", "The reply was still being written when this was exported."
        )
    if message.status == "cancelled":
        return translate("MarkdownExport", "The reply was stopped before it was finished.")
    if message.status == "interrupted":
        return translate(
            "MarkdownExport", "The reply was cut off: the app closed while it was being written."
        )
    return None


def _escape_inline(text: str) -> str:
    """``text`` safe inside one line of Markdown emphasis."""
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def _usage_footer(branch: Sequence[StoredMessage]) -> str | None:
    """A closing line with the tokens the shown replies used; None when none is known."""
    usages = [message.usage for message in branch if message.usage]
    if not usages:
        return None
    prompt = sum(usage.get("prompt_tokens", 0) for usage in usages)
    completion = sum(usage.get("completion_tokens", 0) for usage in usages)
    total = sum(
        usage.get("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
        for usage in usages
    )
    text = translate(
        "MarkdownExport",
        "Tokens used by the replies above: {total} ({prompt} prompt, {completion} completion).",
    )
    line = text.format(total=f"{total:,}", prompt=f"{prompt:,}", completion=f"{completion:,}")
    return f"---\n\n*{line}*"
