"""Exporting a conversation to a file and importing one from a file, off the GUI thread.

The window calls these two coroutines: the database work runs on the store's worker
thread, the rendering, parsing and file I/O on a thread of :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

from app.core.paths import atomic_write_bytes
from app.core.store_async import AsyncStore
from app.core.store_records import ConversationExport, ConversationImport
from app.core.transfer import conversation_to_json, conversation_to_markdown
from app.core.transfer_parse import MAX_IMPORT_BYTES, parse_export, too_large

ExportKind = Literal["json", "markdown"]

__all__ = ["ExportKind", "export_to_file", "import_from_file", "read_export"]


async def export_to_file(
    store: AsyncStore,
    conv_id: str,
    path: Path,
    kind: ExportKind,
    *,
    include_attachments: bool = True,
) -> None:
    """Write conversation ``conv_id`` to ``path``, replacing the file atomically.

    Args:
        store: The open store.
        conv_id: The conversation to export.
        path: The file to write (created with mode 0600, or replaced whole).
        kind: ``"json"`` for the lossless export that :func:`import_from_file` reads
            back, ``"markdown"`` for a readable page of the branch on screen.
        include_attachments: For JSON: whether to embed the attachments' bytes.

    Raises:
        ValueError: ``kind`` is neither ``"json"`` nor ``"markdown"``.
        NotFoundError: no such conversation.
        OSError: the file cannot be written; no partial file is left behind.
    """
    if kind not in ("json", "markdown"):
        raise ValueError(f"unknown export kind {kind!r}")
    with_data = kind == "json" and include_attachments
    snapshot = await store.export_conversation(conv_id, include_attachments=with_data)
    await asyncio.to_thread(_write_export, snapshot, Path(path), kind, with_data)


def _write_export(
    snapshot: ConversationExport, path: Path, kind: ExportKind, include_attachments: bool
) -> None:
    """Render ``snapshot`` as ``kind`` and write it atomically (runs on a worker thread)."""
    if kind == "json":
        data = conversation_to_json(snapshot, include_attachments=include_attachments)
    else:
        data = conversation_to_markdown(snapshot).encode("utf-8")
    atomic_write_bytes(path, data)


async def import_from_file(store: AsyncStore, path: Path) -> str:
    """Import the JSON export at ``path`` as a new conversation and return its id.

    Raises:
        ImportFormatError: the file is too large, not an export or damaged (the
            message is a sentence for the user); nothing is added.
        OSError: the file cannot be read.
    """
    data = await asyncio.to_thread(read_export, Path(path))
    return await store.import_conversation(data)


def read_export(path: Path) -> ConversationImport:
    """Read and parse the JSON export at ``path``, refusing a too large file unread."""
    if path.stat().st_size > MAX_IMPORT_BYTES:
        raise too_large()
    with path.open("rb") as handle:
        data = handle.read(MAX_IMPORT_BYTES + 1)
    return parse_export(data)
