"""Builds the reply objects of a chat completion: stream chunks, completion, usage.

Stream chunk shape (compact JSON, keys in this order)::

    {"id":"chatcmpl-...","object":"chat.completion.chunk","created":<int>,
     "model":"<model>","choices":[{"index":0,"delta":{"content":...,"role":...,
     "tool_calls":...,"reasoning_content":...},"finish_reason":null}],"usage":null}

The first delta is ``{"content":"","role":"assistant","tool_calls":null,
"reasoning_content":null}``; later deltas carry the same four keys, null where empty.
After the finish chunk comes one chunk with ``"choices":[]`` and the usage, then
``[DONE]``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from tests.sim.media import media_echo
from tests.sim.plan import Plan, dumps

__all__ = ["Reply", "StreamEvent", "prompt_text_words", "tokenize"]

_TOKEN_RE = re.compile(r"\s*\S+")


def tokenize(text: str) -> list[str]:
    """Splits ``text`` into ``\\s*\\S+`` pieces whose concatenation is ``text``.

    Trailing whitespace (which the pattern leaves over) is glued to the last piece.
    """
    pieces = _TOKEN_RE.findall(text)
    rest = text[sum(len(p) for p in pieces) :]
    if rest:
        if pieces:
            pieces[-1] += rest
        else:
            pieces.append(rest)
    return pieces


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or the joined ``text`` parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        ]
        return "\n".join(texts)
    return ""


def prompt_text_words(messages: list[Any]) -> int:
    """A rough prompt token count: the number of words in all message texts (>= 1)."""
    words = sum(len(_text_of(m.get("content")).split()) for m in messages if isinstance(m, dict))
    return max(1, words)


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _split3(text: str) -> list[str]:
    """Splits ``text`` into up to three non-empty pieces of about equal length."""
    if len(text) < 3:
        return [text] if text else []
    step = -(-len(text) // 3)
    return [text[i : i + step] for i in range(0, len(text), step)]


@dataclass(frozen=True)
class StreamEvent:
    """One SSE event: its ``data:`` payload and, when set, its ``event:`` name.

    ``paced`` events wait for ``tokens_per_second``.
    """

    data: str
    paced: bool = False
    event: str | None = None


class Reply:
    """The reply a :class:`Plan` gives to one chat completion request.

    Args:
        plan: The plan to follow.
        request: The parsed request body (a dict with ``model`` and ``messages``).
        ordinal: The 1-based number of this chat request; makes the ids deterministic.
        created: The ``created`` timestamp to put into every object.
    """

    def __init__(self, plan: Plan, request: dict[str, Any], ordinal: int, created: int) -> None:
        self.plan = plan
        self.model: str = request["model"]
        self.created = created
        seed = hashlib.sha256(f"mimo-sim-{ordinal}".encode()).hexdigest()
        self.id = f"chatcmpl-{seed[:29]}"
        messages: list[Any] = request["messages"]
        thinking = request.get("thinking")
        disabled = isinstance(thinking, dict) and thinking.get("type") == "disabled"
        self.reasoning: str | None = None if disabled else plan.reasoning
        self.tool_calls: list[dict[str, Any]] = [
            {
                "id": "call_" + hashlib.sha256(f"{seed}-{i}".encode()).hexdigest()[:24],
                "name": str(call["name"]),
                "arguments": str(call.get("arguments", "")),
            }
            for i, call in enumerate(plan.tool_calls or [])
        ]
        if plan.content is not None:
            self.content = plan.content
        elif self.tool_calls:
            self.content = ""
        else:
            self.content = "Echo: " + _last_user_text(messages) + media_echo(messages)
        if self.tool_calls and plan.finish_reason == "stop":
            self.finish_reason = "tool_calls"
        else:
            self.finish_reason = plan.finish_reason
        self.reasoning_tokens = tokenize(self.reasoning or "")
        self.content_tokens = tokenize(self.content)
        self.tool_pieces = [[*_split3(c["arguments"])] for c in self.tool_calls]
        self.prompt_tokens = prompt_text_words(messages)

    # -- usage ------------------------------------------------------------------

    def usage(self) -> dict[str, Any]:
        """The usage object (``Plan.usage`` when set)."""
        if self.plan.usage is not None:
            return self.plan.usage
        tool_tokens = sum(1 + len(pieces) for pieces in self.tool_pieces)
        completion = len(self.reasoning_tokens) + len(self.content_tokens) + tool_tokens
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": self.prompt_tokens + completion,
            "completion_tokens_details": {"reasoning_tokens": len(self.reasoning_tokens)},
            "prompt_tokens_details": {
                "cached_tokens": 0,
                "audio_tokens": 0,
                "image_tokens": 0,
                "video_tokens": 0,
            },
        }

    # -- non-streaming ----------------------------------------------------------

    def completion(self) -> dict[str, Any]:
        """The full ``chat.completion`` object."""
        tool_calls = [
            {
                "id": c["id"],
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for c in self.tool_calls
        ]
        message = {
            "role": "assistant",
            "content": self.content,
            "reasoning_content": self.reasoning or None,
            "tool_calls": tool_calls or None,
        }
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "finish_reason": self.finish_reason, "message": message}],
            "usage": self.usage(),
        }

    # -- streaming --------------------------------------------------------------

    def _chunk(self, choices: list[dict[str, Any]], usage: dict[str, Any] | None) -> str:
        return dumps(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": choices,
                "usage": usage,
            }
        )

    def _delta_chunk(
        self,
        *,
        content: str | None = None,
        role: str | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        reasoning: str | None = None,
        finish_reason: str | None = None,
    ) -> str:
        delta = {
            "content": content,
            "role": role,
            "tool_calls": tool_calls,
            "reasoning_content": reasoning,
        }
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return self._chunk([choice], None)

    def events(self) -> list[StreamEvent]:
        """Every SSE payload of the stream, ``[DONE]`` included, in order."""
        events = [StreamEvent(self._delta_chunk(content="", role="assistant"))]
        events += [
            StreamEvent(self._delta_chunk(reasoning=t), paced=True) for t in self.reasoning_tokens
        ]
        events += [
            StreamEvent(self._delta_chunk(content=t), paced=True) for t in self.content_tokens
        ]
        for index, (call, pieces) in enumerate(zip(self.tool_calls, self.tool_pieces, strict=True)):
            head = {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": ""},
            }
            events.append(StreamEvent(self._delta_chunk(tool_calls=[head])))
            for piece in pieces:
                part = {"index": index, "function": {"arguments": piece}}
                events.append(StreamEvent(self._delta_chunk(tool_calls=[part])))
        events.append(StreamEvent(self._delta_chunk(finish_reason=self.finish_reason)))
        events.append(StreamEvent(self._chunk([], self.usage())))
        events.append(StreamEvent("[DONE]"))
        return events
