"""Typed events produced by a streamed chat completion.

The UI consumes only these; it never sees wire JSON, so the OpenAI- and the
Anthropic-compatible formats can feed the same view.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.api.errors import MimoError


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of ``reasoning_content`` (thinking mode)."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningSignature:
    """The signature of the reasoning just streamed (Anthropic-compatible format only).

    A ``thinking`` block may end with a ``signature_delta``; sending the signature back
    with the reasoning (as ``reasoning_signature`` beside ``reasoning_content`` in the
    assistant message) lets the server verify it. The OpenAI-compatible format has no
    such thing, so a consumer must not depend on this event; when several arrive (one
    per thinking block), the last one belongs with the reasoning as a whole.
    """

    signature: str


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer's ``content``."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call; pieces with the same ``index`` belong together."""

    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one reply, as billed."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(frozen=True, slots=True)
class Finish:
    """The model stopped: stop, length, tool_calls, content_filter, repetition_truncation."""

    reason: str


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """A request failed before its reply began and will be sent again after ``delay`` s."""

    attempt: int
    delay: float
    error: MimoError


StreamEvent = (
    ReasoningDelta
    | ReasoningSignature
    | TextDelta
    | ToolCallDelta
    | Usage
    | Finish
    | RetryScheduled
)


@dataclass(frozen=True, slots=True)
class AudioDelta:
    """A piece of synthesised speech: raw PCM in :data:`app.api.tts.PCM_FORMAT`.

    A piece may end in the middle of a frame; the next piece continues it.
    """

    pcm: bytes


SpeechEvent = AudioDelta | Finish | Usage | RetryScheduled
