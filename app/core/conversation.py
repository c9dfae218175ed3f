"""An in-memory conversation: the branch of one chat on screen, and the request it makes.

The store keeps every message as a tree; a :class:`Conversation` holds one path through
it (root to the current leaf) plus, for the "2 / 3" arrows, the ids of every message by
parent (``siblings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.api.events import Usage


class Status(StrEnum):
    """Life cycle of a message; user messages are always complete."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # the app stopped (crash, kill) while the reply streamed


@dataclass(frozen=True)
class Attachment:
    """A file a user message carries to Omni.

    Attributes:
        path: The file: the user's own while drafting, the stored copy once saved.
        mime: The media type found from the content, e.g. ``image/png``.
        name: The original file name.
        size: Bytes.
        sha256: The content hash, once stored (the store's key).
        fps: Video only: frames per second sampled (0.1-10); None: the API's default.
        resolution: Video only: ``default`` or ``max``; None: the API's default.
    """

    path: Path
    mime: str
    name: str
    size: int
    sha256: str | None = None
    fps: float | None = None
    resolution: str | None = None

    @property
    def kind(self) -> str:
        """``image``, ``audio`` or ``video``."""
        return self.mime.partition("/")[0]

    def options(self) -> dict[str, Any]:
        """The per-attachment request options worth saving (video only)."""
        saved: dict[str, Any] = {}
        if self.fps is not None:
            saved["fps"] = self.fps
        if self.resolution is not None:
            saved["media_resolution"] = self.resolution
        return saved


@dataclass
class Message:
    """One turn of the conversation."""

    role: str
    content: str = ""
    id: str | None = None  # the store's id, once saved
    parent_id: str | None = None
    reasoning: str = ""
    model: str | None = None
    status: Status = Status.COMPLETE
    finish_reason: str | None = None
    error: str | None = None
    usage: Usage | None = None
    # Function calling: an assistant turn's calls in wire shape ({"id", "type":
    # "function", "function": {"name", "arguments"}}); a tool turn's call id.
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_call_id: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    # A tool turn: the tool's name, how the call went (ToolResult.outcome), seconds.
    tool_name: str = ""
    tool_outcome: str = ""
    tool_duration: float = 0.0
    # The Anthropic format's signature of the reasoning (sent back with it).
    reasoning_signature: str = ""

    def tool_options(self) -> dict[str, Any]:
        """The function-calling fields, as kept in the store's ``options`` object."""
        saved: dict[str, Any] = {}
        if self.tool_calls:
            saved["tool_calls"] = [dict(call) for call in self.tool_calls]
        if self.role == "tool":
            saved.update(
                tool_call_id=self.tool_call_id or "",
                tool_name=self.tool_name,
                outcome=self.tool_outcome,
                duration=round(self.tool_duration, 3),
            )
        if self.reasoning_signature:
            saved["reasoning_signature"] = self.reasoning_signature
        return saved

    def load_tool_options(self, options: Mapping[str, Any]) -> None:
        """Read back what :meth:`tool_options` saved (wrong shapes are ignored)."""
        calls = options.get("tool_calls")
        if isinstance(calls, list):
            self.tool_calls = [dict(call) for call in calls if isinstance(call, Mapping)]
        for key, attribute in (
            ("tool_call_id", "tool_call_id"),
            ("tool_name", "tool_name"),
            ("outcome", "tool_outcome"),
            ("reasoning_signature", "reasoning_signature"),
        ):
            value = options.get(key)
            if isinstance(value, str):
                setattr(self, attribute, value)
        duration = options.get("duration")
        if isinstance(duration, int | float) and not isinstance(duration, bool):
            self.tool_duration = float(duration)

    def to_request(self, *, thinking: bool = False) -> dict[str, Any]:
        """This message as an OpenAI-compatible ``messages`` item.

        MiMo's rules (MIMO_API.md): an assistant turn with tool calls sends
        ``content: ""``, never null, and in thinking mode its ``reasoning_content``
        must go back too, else the API answers 400.
        """
        item: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.role == "tool":
            item["tool_call_id"] = self.tool_call_id or ""
        if self.tool_calls:
            item["tool_calls"] = [dict(call) for call in self.tool_calls]
            if thinking and self.reasoning:
                item["reasoning_content"] = self.reasoning
                if self.reasoning_signature:  # read by the Anthropic format only
                    item["reasoning_signature"] = self.reasoning_signature
        return item


@dataclass
class Conversation:
    """The ordered messages of one chat, with an optional system prompt."""

    system_prompt: str = ""
    messages: list[Message] = field(default_factory=list)
    id: str | None = None  # the store's id, once saved
    title: str = ""
    # Every saved message id of the tree by parent id (None: the roots), oldest first.
    siblings: dict[str | None, list[str]] = field(default_factory=dict)
    model: str | None = None  # as saved: the conversation's model and its settings JSON
    settings: dict[str, Any] = field(default_factory=dict)

    def add_user(self, text: str, attachments: list[Attachment] | None = None) -> Message:
        message = Message(role="user", content=text, attachments=list(attachments or []))
        self.messages.append(message)
        return message

    def start_reply(self, model: str) -> Message:
        message = Message(role="assistant", model=model, status=Status.STREAMING)
        self.messages.append(message)
        return message

    def truncate(self, position: int) -> None:
        """Drop the messages from ``position`` on (to branch off before them)."""
        del self.messages[position:]

    def record_saved(self, message: Message) -> None:
        """Note a newly saved message as the newest child of its parent."""
        if message.id is not None:
            children = self.siblings.setdefault(message.parent_id, [])
            if message.id not in children:
                children.append(message.id)

    def branch_of(self, position: int) -> tuple[int, int]:
        """Which sibling the message at ``position`` is: (1-based index, count).

        (1, 1) for a message with no siblings or not saved yet.
        """
        message = self.messages[position]
        children = self.siblings.get(message.parent_id, [])
        if message.id is None or message.id not in children:
            return 1, 1
        return children.index(message.id) + 1, len(children)

    def sibling(self, position: int, step: int) -> str | None:
        """The id of the sibling ``step`` places from the message at ``position``."""
        message = self.messages[position]
        children = self.siblings.get(message.parent_id, [])
        if message.id not in children:
            return None
        index = children.index(message.id) + step
        return children[index] if 0 <= index < len(children) else None

    def position_of(self, message_id: str) -> int | None:
        for position, message in enumerate(self.messages):
            if message.id == message_id:
                return position
        return None

    def last_user(self) -> Message | None:
        for message in reversed(self.messages):
            if message.role == "user":
                return message
        return None

    def request_messages(self, *, thinking: bool = False) -> list[dict[str, Any]]:
        """The ``messages`` of the next request, text only (see :meth:`request_turns`)."""
        return [item for _, item in self.request_turns(thinking=thinking)]

    def request_turns(
        self, *, thinking: bool = False
    ) -> list[tuple[Message | None, dict[str, Any]]]:
        """The history sent with the next request.

        Each item comes with the message it was made from (None for the system prompt,
        and for a stand-in tool result), so attachments can be encoded into it
        afterwards, off the GUI thread.

        Failed replies, the reply streaming now and replies with neither text nor tool
        calls are left out; a cancelled or interrupted reply earlier in the chat is
        sent with what arrived, so the model sees what the user saw. A tool call left
        without its result (the app stopped meanwhile) gets a stand-in result, as the
        API requires one for every call. ``thinking``: the request has thinking on, so
        the reasoning of turns with tool calls goes back (see :meth:`Message.to_request`).
        """
        items: list[tuple[Message | None, dict[str, Any]]] = []
        if self.system_prompt:
            items.append((None, {"role": "system", "content": self.system_prompt}))
        open_calls: list[str] = []
        for message in self.messages:
            if message.role == "assistant" and (
                message.status in (Status.FAILED, Status.STREAMING)
                or not (message.content or message.tool_calls)
            ):
                continue
            if message.role != "tool":
                items.extend(_stand_ins(open_calls))
                open_calls = [str(call.get("id", "")) for call in message.tool_calls]
            elif message.tool_call_id in open_calls:
                open_calls.remove(message.tool_call_id)
            items.append((message, message.to_request(thinking=thinking)))
        items.extend(_stand_ins(open_calls))
        return items


MISSING_RESULT = "The call did not complete: the app stopped before it ran."


def _stand_ins(call_ids: list[str]) -> list[tuple[Message | None, dict[str, Any]]]:
    return [
        (None, {"role": "tool", "tool_call_id": call_id, "content": MISSING_RESULT})
        for call_id in call_ids
    ]
