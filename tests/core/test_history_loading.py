"""Saving and loading conversations for the window: the newest at start, attachments."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from app.api.events import Usage
from app.core.conversation import Attachment, Conversation
from app.core.history import load_conversation, load_latest, message_from
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


async def separate_reads(store: AsyncStore, conv_id: str) -> Conversation:
    """The conversation as it was loaded before: one store call for each part."""
    row = await store.get_conversation(conv_id)
    assert row is not None
    path = await store.current_path(conv_id)
    shas = [sha for item in path for sha in item.attachments]
    records = await store.attachment_records(shas) if shas else {}
    return Conversation(
        system_prompt=str(row.settings.get("system_prompt", "")),
        messages=[message_from(item, records, store.attachment_path) for item in path],
        id=row.id,
        title=row.title,
        siblings=await store.sibling_map(conv_id),
        model=row.model,
        settings=dict(row.settings),
    )


@pytest.mark.asyncio
async def test_one_trip_load_gives_the_conversation_the_separate_reads_give(
    tmp_path: Path,
) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG fake bytes")
    store = await AsyncStore.open(tmp_path / "mimo.sqlite3", tmp_path / "attachments")
    try:
        recorder = Recorder(store)
        conv = Conversation()
        conv.system_prompt = "Be brief."
        question = conv.add_user("What is this?", [Attachment(picture, "image/png", "cat.png", 15)])
        await recorder.save_user(conv, question, "mimo-v2-omni")
        assert conv.id is not None
        first = await store.add_message(
            conv.id, parent_id=question.id, role="assistant", content="A cat.", model="m"
        )
        await store.update_message(first.id, usage={"prompt_tokens": 7, "completion_tokens": 2})
        await store.add_message(conv.id, parent_id=question.id, role="assistant", content="A dog?")

        loaded = await load_conversation(store, conv.id)

        assert loaded == await separate_reads(store, conv.id)
        assert loaded is not None
        assert [m.content for m in loaded.messages] == ["What is this?", "A dog?"]
        assert loaded.messages[0].attachments[0].name == "cat.png"
        assert loaded.branch_of(1) == (2, 2)

        older = await load_conversation(store, conv.id, at_message=first.id)
        assert older is not None and [m.content for m in older.messages][-1] == "A cat."
        assert older.messages[-1].usage == Usage(
            prompt_tokens=7, completion_tokens=2, total_tokens=0
        )
        assert older == await separate_reads(store, conv.id)  # the switch was saved
        assert await load_conversation(store, "missing") is None
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_a_store_run_happens_on_the_store_thread(tmp_path: Path) -> None:
    store = await AsyncStore.open(tmp_path / "mimo.sqlite3")
    try:
        name = await store.run(lambda _live: threading.current_thread().name)
        assert name.startswith("mimo-store")
        assert name != threading.current_thread().name
    finally:
        await store.close()
