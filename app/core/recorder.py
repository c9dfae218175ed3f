"""Writes a conversation to the store as it happens, so nothing is lost.

The user's message is committed before the request goes out; a streaming reply is
saved when it starts, checkpointed while it streams, and closed with its final status.
Without a store (some tests), every call does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any

from app.core.conversation import Attachment, Conversation, Message
from app.core.store_async import AsyncStore

CHECKPOINT_SECONDS = 0.5
TITLE_LENGTH = 60


def shorten_title(title: str) -> str:
    """``title`` cut to :data:`TITLE_LENGTH` characters, with "…" where it was cut."""
    return title if len(title) <= TITLE_LENGTH else title[: TITLE_LENGTH - 1].rstrip() + "…"


def title_from(text: str) -> str:
    """A conversation title made from the first question: its first line, shortened."""
    return shorten_title(" ".join(text.strip().split("\n", 1)[0].split()))


class Recorder:
    """Saves the messages of the conversation in progress."""

    def __init__(self, store: AsyncStore | None) -> None:
        self.store = store

    async def save_user(
        self,
        conversation: Conversation,
        message: Message,
        model: str,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """Commit the user's message (creating the conversation on the first one)."""
        if self.store is None or message.id is not None:
            return
        if conversation.id is None:
            conversation.title = title_from(message.content) or shorten_title(
                ", ".join(item.name for item in message.attachments)
            )
            row = await self.store.create_conversation(
                title=conversation.title, model=model, settings=settings
            )
            conversation.id = row.id
        message.parent_id = self._parent_of(conversation, message)
        message.attachments = [await self._stored(item) for item in message.attachments]
        media = [item.options() for item in message.attachments]
        stored = await self.store.add_message(
            conversation.id,
            parent_id=message.parent_id,
            role="user",
            content=message.content,
            options={"media": media} if any(media) else None,
            attachments=[item.sha256 for item in message.attachments if item.sha256],
        )
        message.id = stored.id
        conversation.record_saved(message)

    async def _stored(self, attachment: Attachment) -> Attachment:
        """The attachment copied into the store (once per content), pointing at the copy."""
        assert self.store is not None
        if attachment.sha256 is not None:
            return attachment
        sha = await self.store.put_attachment(attachment.path, attachment.mime, attachment.name)
        return replace(attachment, sha256=sha, path=self.store.attachment_path(sha))

    async def begin_reply(self, conversation: Conversation, reply: Message) -> None:
        if self.store is None or conversation.id is None:
            return
        reply.parent_id = self._parent_of(conversation, reply, roles=("user", "tool"))
        stored = await self.store.add_message(
            conversation.id,
            parent_id=reply.parent_id,
            role="assistant",
            model=reply.model,
            status=reply.status.value,
        )
        reply.id = stored.id
        conversation.record_saved(reply)

    async def save_tool_result(self, conversation: Conversation, message: Message) -> None:
        """Commit a tool turn (the result of one call) under the message before it."""
        if self.store is None or conversation.id is None:
            return
        message.parent_id = self._parent_of(conversation, message)
        stored = await self.store.add_message(
            conversation.id,
            parent_id=message.parent_id,
            role="tool",
            content=message.content,
            options=message.tool_options(),
        )
        message.id = stored.id
        conversation.record_saved(message)

    async def save_settings(
        self, conversation: Conversation, settings: Mapping[str, Any], model: str
    ) -> None:
        """Keep a saved conversation's settings (an unsaved one gets them when created)."""
        if self.store is None or conversation.id is None:
            return
        await self.store.update_settings(conversation.id, settings, model)

    async def checkpoint(self, reply: Message) -> None:
        """Save what has arrived of a streaming reply (the caller paces the calls)."""
        if self.store is None or reply.id is None:
            return
        await self.store.update_message(reply.id, content=reply.content, reasoning=reply.reasoning)

    async def finish(self, reply: Message) -> None:
        """Close the reply with its final status, text, usage and finish reason."""
        if self.store is None or reply.id is None:
            return
        usage: dict[str, Any] | None = asdict(reply.usage) if reply.usage else None
        await self.store.update_message(
            reply.id,
            content=reply.content,
            reasoning=reply.reasoning,
            status=reply.status.value,
            finish_reason=reply.finish_reason,
            error=reply.error,
            usage=usage,
            options=reply.tool_options() or None,
        )

    @staticmethod
    def _parent_of(
        conversation: Conversation, message: Message, roles: tuple[str, ...] = ()
    ) -> str | None:
        """The id of the saved message before ``message`` (of one of ``roles``, if given).

        A reply hangs under the user message (or the tool result) it answers, so a
        retried reply becomes a sibling of the failed one instead of its child.
        """
        index = next(i for i, item in enumerate(conversation.messages) if item is message)
        for earlier in reversed(conversation.messages[:index]):
            if earlier.id is not None and (not roles or earlier.role in roles):
                return earlier.id
        return None
