"""Showing a saved conversation in the chat view, as it looked when it was written."""

from __future__ import annotations

from typing import get_args

from app.api.events import Usage
from app.api.translation import translate
from app.core.catalogue import PriceTable, spec_for
from app.core.conversation import Conversation, Status
from app.core.mcp_config import TOOL_SEPARATOR
from app.core.tool_types import BUILTIN_SOURCE, Outcome, ToolCall, ToolResult
from app.ui.chat_view import ChatView
from app.ui.message_widgets import AssistantBubble, UserBubble
from app.ui.tool_card import ToolCallCard

OUTCOMES: tuple[str, ...] = get_args(Outcome)

WINDOW = 40  # messages built when a conversation opens
PAGE = 40  # messages added by "Show earlier messages"
FOCUS_CONTEXT = 2  # messages shown above one opened from search


def interrupted_note() -> str:
    return translate("ChatView", "Interrupted: the app stopped before this reply finished.")


def failed_note() -> str:
    """The error shown under a saved reply that failed without a message."""
    return translate("ChatView", "The reply failed.")


def usage_summary(usage: Usage, model_id: str, prices: PriceTable) -> tuple[str, str]:
    """A reply's footer: short text (tokens, cost) and a tooltip with every count."""
    cost = prices.cost_usd(
        model_id, usage.prompt_tokens, usage.cached_tokens, usage.completion_tokens
    )
    prompt, cached = f"{usage.prompt_tokens:,}", f"{usage.cached_tokens:,}"
    completion, reasoning = f"{usage.completion_tokens:,}", f"{usage.reasoning_tokens:,}"
    short = translate("ChatView", "{prompt} in · {completion} out").format(
        prompt=prompt, completion=completion
    )
    if cost is not None:
        short += f" · ${cost:.4f}"
    lines = [
        translate("ChatView", "Input: {prompt} tokens ({cached} cached)").format(
            prompt=prompt, cached=cached
        ),
        translate("ChatView", "Output: {completion} tokens ({reasoning} reasoning)").format(
            completion=completion, reasoning=reasoning
        ),
    ]
    if cost is not None:
        lines.append(translate("ChatView", "Cost: ${cost}").format(cost=f"{cost:.6f}"))
    return short, "\n".join(lines)


def saved_tool_card(view: ChatView, conversation: Conversation, position: int) -> ToolCallCard:
    """The card of tool message ``position``: its call (from the turn that made it)."""
    message = conversation.messages[position]
    call = ToolCall(message.tool_call_id or "", message.tool_name, "")
    for earlier in reversed(conversation.messages[:position]):
        found = [c for c in earlier.tool_calls if c.get("id") == message.tool_call_id]
        if found:
            call = ToolCall.from_wire(found[0])
            break
    server, separator, _ = call.name.partition(TOOL_SEPARATOR)
    card = ToolCallCard(call, source=server if separator else BUILTIN_SOURCE, parent=view.content)
    outcome = message.tool_outcome if message.tool_outcome in OUTCOMES else "ok"
    card.set_result(
        ToolResult(message.content, outcome=outcome, duration=message.tool_duration)  # type: ignore[arg-type]
    )
    return card


def _bubble_for(
    view: ChatView, conversation: Conversation, position: int, prices: PriceTable
) -> UserBubble | AssistantBubble | ToolCallCard:
    """A finished bubble for message ``position``, as it was saved."""
    message = conversation.messages[position]
    bubble: UserBubble | AssistantBubble | ToolCallCard
    if message.role == "tool":
        return saved_tool_card(view, conversation, position)
    if message.role == "user":
        bubble = UserBubble(message.content, view.content, message.attachments)
    else:
        label = spec_for(message.model).label if message.model else ""
        bubble = AssistantBubble(label, view.content)
        bubble.show_saved(
            message.reasoning,
            message.content,
            message.status.value,
            calls_tools=bool(message.tool_calls),
        )
        if message.status is Status.INTERRUPTED and position < len(conversation.messages) - 1:
            bubble.set_status(interrupted_note())
        if message.usage is not None:
            bubble.set_usage(*usage_summary(message.usage, message.model or "", prices))
    index, count = conversation.branch_of(position)
    bubble.set_branch(index, count)
    return bubble


def show_conversation(
    view: ChatView,
    conversation: Conversation,
    prices: PriceTable,
    *,
    focus: int | None = None,
) -> None:
    """Rebuild the view from ``conversation``; its last unfinished reply offers Retry.

    Only the last :data:`WINDOW` messages are built (from ``focus`` on, when that is
    earlier); "Show earlier messages" adds the rest a page at a time
    (:func:`show_earlier`), so opening a long conversation costs the same as a short one.
    """
    messages = conversation.messages
    start = max(0, len(messages) - WINDOW)
    if focus is not None:
        start = max(0, min(start, focus - FOCUS_CONTEXT))
    view.clear(start)
    for position in range(start, len(messages)):
        view.insert_bubble(_bubble_for(view, conversation, position, prices))
    last = messages[-1] if messages else None
    if last is not None and last.role == "assistant":
        if last.status is Status.FAILED:
            view.show_error(last.error or failed_note(), True)
        elif last.status is Status.INTERRUPTED:
            view.show_error(interrupted_note(), True)


def show_earlier(view: ChatView, conversation: Conversation, prices: PriceTable) -> None:
    """Add the page of messages above the first one shown, keeping the reader's place."""
    end = view.offset
    start = max(0, end - PAGE)
    if end <= 0 or end > len(conversation.messages):
        return
    if view.bubbles:
        view.keep_in_view(view.bubbles[0])
    for index, position in enumerate(range(start, end)):
        view.insert_bubble(_bubble_for(view, conversation, position, prices), index)
    view.set_hidden_before(start)
