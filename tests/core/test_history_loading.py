"""Saving and loading conversations for the window: the newest at start, attachments."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.core.conversation import Attachment, Conversation
from app.core.history import load_latest
from app.core.recorder import Recorder
from app.core.store_async import AsyncStore


@pytest.mark.asyncio
async def test_start_reopens_the_most_recent_chat_even_when_another_is_pinned(
    tmp_path: Path,
) -> None:
    store = await AsyncStore.open(tmp_path / "mimo.sqlite3")
    try:
        assert await load_latest(store) is None
        pinned = await store.create_conversation(title="Pinned long ago")
        await store.set_pinned(pinned.id, True)
        recent = await store.create_conversation(title="Yesterday's chat")
        question = await store.add_message(recent.id, parent_id=None, role="user", content="hi")
        loaded = await load_latest(store)
        assert loaded is not None
        assert (loaded.id, [m.id for m in loaded.messages]) == (recent.id, [question.id])
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_attachments_are_stored_by_content_and_come_back_with_their_options(
    tmp_path: Path,
) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG fake bytes")
    clip = tmp_path / "walk.mp4"
    clip.write_bytes(b"fake video")
    store = await AsyncStore.open(tmp_path / "mimo.sqlite3", tmp_path / "attachments")
    try:
        recorder = Recorder(store)
        conv = Conversation()
        message = conv.add_user(
            "",
            [
                Attachment(picture, "image/png", "cat.png", 15),
                Attachment(clip, "video/mp4", "walk.mp4", 10, fps=5.0, resolution="max"),
            ],
        )
        await recorder.save_user(conv, message, "mimo-v2-omni")
        assert conv.title == "cat.png, walk.mp4"  # no text: named after the files
        stored = message.attachments
        assert [a.sha256 for a in stored] == [
            hashlib.sha256(b"\x89PNG fake bytes").hexdigest(),
            hashlib.sha256(b"fake video").hexdigest(),
        ]
        assert all(a.path.parent.parent == tmp_path / "attachments" for a in stored)

        loaded = await load_latest(store)
        assert loaded is not None
        assert loaded.messages[0].attachments == stored
        assert (stored[1].fps, stored[1].resolution, stored[0].fps) == (5.0, "max", None)
        assert stored[1].path.read_bytes() == b"fake video"
        assert [a.kind for a in stored] == ["image", "video"]
    finally:
        await store.close()
