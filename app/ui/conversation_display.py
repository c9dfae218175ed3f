"""Showing a saved conversation in the chat view, as it looked when it was written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from app.api.events import Usage
from app.api.translation import translate
from app.core.catalogue import PriceTable, spec_for
from app.core.conversation import Conversation, Message, Status
from app.core.mcp_config import TOOL_SEPARATOR
from app.core.tool_types import BUILTIN_SOURCE, Outcome, ToolCall, ToolResult
from app.ui.chat_view import ChatView
from app.ui.message_widgets import AssistantBubble, UserBubble
from app.ui.tool_card import ToolCallCard

OUTCOMES: tuple[str, ...] = get_args(Outcome)

WINDOW = 40  # messages built when a conversation opens
PAGE = 40  # messages added by "Show earlier messages"
FOCUS_CONTEXT = 2  # messages shown above one opened from search
FIRST_SCREENS = 1.5  # view heights of bubbles built before the first paint (guessed)
MIN_SCREEN_HEIGHT = 600  # px; a view not laid out yet guesses with this
BUBBLE_CHROME = 40  # px a bubble adds to its text's lines (at least)
BUBBLE_INDENT = 60  # px of the view's width a bubble's text does not get


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

    Only the last :data:`WINDOW` messages are shown (from ``focus`` on, when that is
    earlier); "Show earlier messages" adds the rest a page at a time
    (:func:`show_earlier`), so opening a long conversation costs the same as a short one.
    Of those, the bubbles of the first screen (the last messages, or from ``focus`` on)
    are built at once; the view builds the others after it has painted.
    """
    messages = conversation.messages
    start = max(0, len(messages) - WINDOW)
    if focus is not None:
        focus = min(focus, len(messages))
        start = max(0, min(start, focus - FOCUS_CONTEXT))
        first = max(start, focus - FOCUS_CONTEXT)
        end = focus + first_screen(view, messages[focus:])  # it goes to the top
    else:
        end = len(messages)
        first = end - first_screen(view, messages[start:][::-1])
    view.clear(first)
    for position in range(first, end):
        view.insert_bubble(_bubble_for(view, conversation, position, prices))
    if end == len(messages):
        show_last_error(view, conversation)
    view.settle()
    if first > start or end < len(messages):
        view.build_later(WindowFill(view, conversation, prices, start))


class WindowFill:
    """The rest of an opened window, one bubble a call (see :meth:`ChatView.build_later`):
    the messages after the bubbles shown, then those above them down to ``start``."""

    def __init__(
        self, view: ChatView, conversation: Conversation, prices: PriceTable, start: int
    ) -> None:
        self.view, self.conversation, self.prices = view, conversation, prices
        self.start = start
        self.end = len(conversation.messages)  # messages added later are the view's own

    def __call__(self) -> bool:
        view, messages = self.view, self.conversation.messages
        end = min(self.end, len(messages))
        below = view.offset + len(view.bubbles)
        if below < end:
            view.insert_bubble(_bubble_for(view, self.conversation, below, self.prices))
            if below + 1 == self.end:  # the last message, as opened
                show_last_error(view, self.conversation)
            return True
        if view.offset <= self.start:
            return False
        view.insert_above(_bubble_for(view, self.conversation, view.offset - 1, self.prices))
        return view.offset > self.start


def first_screen(view: ChatView, messages: Sequence[Message]) -> int:
    """How many of ``messages`` (the nearest first) fill about :data:`FIRST_SCREENS`
    heights of the view, guessed from their text (at least one)."""
    metrics = view.fontMetrics()
    viewport = view.viewport()
    height = max(viewport.height(), MIN_SCREEN_HEIGHT) * FIRST_SCREENS
    chars_per_line = max(20, (viewport.width() - BUBBLE_INDENT) // metrics.averageCharWidth())
    line = metrics.lineSpacing()
    filled = 0
    for count, message in enumerate(messages, 1):
        text = message.content
        lines = text.count("\n") + len(text) // chars_per_line + 1
        filled += BUBBLE_CHROME + lines * line
        if filled >= height:
            return count
    return len(messages)


def show_last_error(view: ChatView, conversation: Conversation) -> None:
    """Below a last reply that failed or was cut off: what happened, with Retry."""
    last = conversation.messages[-1] if conversation.messages else None
    if last is not None and last.role == "assistant":
        if last.status is Status.FAILED:
            view.show_error(last.error or failed_note(), True)
        elif last.status is Status.INTERRUPTED:
            view.show_error(interrupted_note(), True)


def show_earlier(view: ChatView, conversation: Conversation, prices: PriceTable) -> None:
    """Add the page of messages above the first one shown, keeping the reader's place."""
    view.finish_building()
    end = view.offset
    start = max(0, end - PAGE)
    if end <= 0 or end > len(conversation.messages):
        return
    if view.bubbles:
        view.keep_in_view(view.bubbles[0])
    for index, position in enumerate(range(start, end)):
        view.insert_bubble(_bubble_for(view, conversation, position, prices), index)
    view.set_hidden_before(start)
