"""Showing a saved conversation in the chat view, as it looked when it was written."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.core.catalogue import spec_for
from app.core.conversation import Conversation, Status
from app.ui.chat_view import ChatView


def interrupted_note() -> str:
    return QCoreApplication.translate(
        "ChatView", "Interrupted: the app stopped before this reply finished."
    )


def show_conversation(view: ChatView, conversation: Conversation) -> None:
    """Rebuild the view from ``conversation``; its last unfinished reply offers Retry."""
    view.clear()
    last = conversation.messages[-1] if conversation.messages else None
    for message in conversation.messages:
        if message.role == "user":
            view.add_user_message(message.content)
            continue
        if message.role != "assistant":
            continue
        bubble = view.begin_reply(spec_for(message.model or "").label if message.model else "")
        view.append_reply(message.reasoning, message.content)
        status = message.status
        view.finish_reply(status.value)
        if status is Status.INTERRUPTED and message is not last:
            bubble.set_status(interrupted_note())
    if last is not None and last.role == "assistant":
        if last.status is Status.FAILED:
            view.show_error(last.error or "The reply failed.", True)
        elif last.status is Status.INTERRUPTED:
            view.show_error(interrupted_note(), True)
