"""Loading conversations for the window: the newest one at start, pinned or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.history import load_latest
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
