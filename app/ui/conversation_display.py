"""Showing a saved conversation in the chat view, as it looked when it was written."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from app.api.events import Usage
from app.core.catalogue import PriceTable, spec_for
from app.core.conversation import Conversation, Status
from app.ui.chat_view import ChatView


def interrupted_note() -> str:
    return QCoreApplication.translate(
        "ChatView", "Interrupted: the app stopped before this reply finished."
    )


def usage_summary(usage: Usage, model_id: str, prices: PriceTable) -> tuple[str, str]:
    """A reply's footer: short text (tokens, cost) and a tooltip with every count."""
    cost = prices.cost_usd(
        model_id, usage.prompt_tokens, usage.cached_tokens, usage.completion_tokens
    )
    short = f"{usage.prompt_tokens:,} in · {usage.completion_tokens:,} out"
    if cost is not None:
        short += f" · ${cost:.4f}"
    lines = [
        f"Input: {usage.prompt_tokens:,} tokens ({usage.cached_tokens:,} cached)",
        f"Output: {usage.completion_tokens:,} tokens ({usage.reasoning_tokens:,} reasoning)",
    ]
    if cost is not None:
        lines.append(f"Cost: ${cost:.6f}")
    return short, "\n".join(lines)


def show_conversation(view: ChatView, conversation: Conversation, prices: PriceTable) -> None:
    """Rebuild the view from ``conversation``; its last unfinished reply offers Retry."""
    view.clear()
    last = conversation.messages[-1] if conversation.messages else None
    for position, message in enumerate(conversation.messages):
        if message.role == "user":
            view.add_user_message(message.content)
        elif message.role == "assistant":
            bubble = view.begin_reply(spec_for(message.model).label if message.model else "")
            view.append_reply(message.reasoning, message.content)
            status = message.status
            view.finish_reply(status.value)
            if status is Status.INTERRUPTED and message is not last:
                bubble.set_status(interrupted_note())
            if message.usage is not None:
                bubble.set_usage(*usage_summary(message.usage, message.model or "", prices))
        else:
            continue
        index, count = conversation.branch_of(position)
        if count > 1:
            view.set_branch(position, index, count)
    if last is not None and last.role == "assistant":
        if last.status is Status.FAILED:
            view.show_error(last.error or "The reply failed.", True)
        elif last.status is Status.INTERRUPTED:
            view.show_error(interrupted_note(), True)
