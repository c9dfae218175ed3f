"""What the simulator answers: the Plan switches, recorded requests and error bodies.

A :class:`Plan` describes one reply to ``POST /v1/chat/completions`` or to the
Anthropic-compatible ``POST /anthropic/v1/messages`` (its text, reasoning, tool calls)
and the faults to inject into it. The reply objects themselves (chunks, completion,
usage) are built in :mod:`tests.sim.reply` and :mod:`tests.sim.anthropic`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AUTH_ERROR_BODY",
    "ERROR_EVENT_PAYLOAD",
    "MALFORMED_PAYLOAD",
    "Plan",
    "RecordedRequest",
    "SentEvent",
    "dumps",
    "error_body",
]


def dumps(obj: Any) -> str:
    """Serialises like the server: compact separators, UTF-8 kept as is."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


AUTH_ERROR_BODY: bytes = dumps(
    {
        "error": {
            "message": "Invalid API Key",
            "param": "Please provide valid API Key",
            "code": "401",
            "type": "invalid_key",
        }
    }
).encode()

#: The payload of the ``data:`` line sent by ``Plan.error_event_after``.
ERROR_EVENT_PAYLOAD: str = dumps(
    {
        "error": {
            "code": "500",
            "message": "Internal error during generation",
            "type": "server_error",
        }
    }
)

#: The payload of the ``data:`` line sent by ``Plan.malformed_after`` (invalid JSON).
MALFORMED_PAYLOAD: str = '{"id":<<garbage, not JSON>>'

_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Bad request", "invalid_request_error"),
    402: ("Insufficient balance", "insufficient_balance"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not_found"),
    421: ("Content filtered", "content_filter"),
    429: ("Too many requests", "limitation"),
    500: ("Internal server error", "server_error"),
    503: ("Service unavailable", "server_error"),
}


def error_body(status: int, message: str | None = None) -> bytes:
    """Returns MiMo's JSON error body for ``status``.

    Args:
        status: The HTTP status. 401 gives the documented invalid-key body.
        message: Overrides the default message for the status.
    """
    if status == 401 and message is None:
        return AUTH_ERROR_BODY
    default_message, kind = _ERRORS.get(
        status, ("Error", "server_error" if status >= 500 else "invalid_request_error")
    )
    error = {"code": str(status), "message": message or default_message, "type": kind}
    return dumps({"error": error}).encode()


@dataclass(frozen=True)
class RecordedRequest:
    """One request the simulator received.

    Attributes:
        method: The HTTP method, e.g. ``"POST"``.
        path: The path without the query string, e.g. ``"/v1/chat/completions"``.
        headers: Header names in lower case (the last value wins for repeats).
        body: The parsed JSON body, or None (no body or not JSON).
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def api_key(self) -> str | None:
        """The key from ``Authorization: Bearer <k>``, else from ``api-key: <k>``."""
        auth = self.headers.get("authorization", "")
        scheme, _, token = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
        key = self.headers.get("api-key", "").strip()
        return key or None


@dataclass(frozen=True)
class SentEvent:
    """One SSE event the simulator wrote (see ``Plan.event_log``).

    Attributes:
        number: 1 for the first event of the stream, 2 for the next, ...
        at: ``time.monotonic()`` just before the event was written to the socket (so
            nothing of it was sent before ``at``, and a client that read it finds it
            logged).
        data: The event's ``data:`` payload.
    """

    number: int
    at: float
    data: str


@dataclass
class Plan:
    """One reply of ``/v1/chat/completions`` and the faults to inject into it.

    The same plan drives ``/anthropic/v1/messages`` (see :mod:`tests.sim.anthropic`):
    the same text, reasoning (as a thinking block), tool calls (as tool_use blocks),
    usage and faults, in that format's events and error bodies.

    Event counts ("after N events") count SSE events sent, the first chunk (or
    ``message_start``) being event 1; N = 0 means before the first event.

    Attributes:
        content: The reply text; None gives ``"Echo: " + <last user message text>``
            (or ``""`` when ``tool_calls`` are given).
        reasoning: Streamed as ``reasoning_content`` before the content, unless the
            request says ``thinking: {"type": "disabled"}``.
        tool_calls: ``[{"name": ..., "arguments": "<json string>"}]``; streamed as
            ``delta.tool_calls`` pieces; finish_reason becomes ``"tool_calls"``
            (unless ``finish_reason`` is set to something other than ``"stop"``).
        finish_reason: The finish reason of the reply.
        status: Answer this HTTP status with MiMo's error body (Anthropic's shape on
            the Anthropic endpoint) instead of a reply.
        retry_after: ``Retry-After`` header value sent with ``status``.
        error_body: Overrides the error body bytes sent with ``status``.
        drop_after: Close the socket after N events (no terminating chunk).
        malformed_after: After N events send an invalid JSON ``data:`` line, then end
            the HTTP response normally (no ``[DONE]`` / ``message_stop``).
        error_event_after: After N events send an ``{"error": ...}`` event (Anthropic:
            ``event: error`` with ``{"type": "error", "error": ...}``), then end the
            HTTP response normally (no ``[DONE]`` / ``message_stop``).
        tokens_per_second: Paces the reasoning and content tokens (None: no pacing).
        split_utf8: Write the stream in HTTP chunks of 1-3 bytes, splitting multi-byte
            characters and lines across chunks.
        line_ending: ``"\\n"``, ``"\\r\\n"`` or ``"\\r"``: the SSE line terminator.
        hang: Accept the request and send nothing until ``Simulator.release()``
            (then answer normally) or ``Simulator.stop()`` (then close).
        pause_after: After N events wait for ``Simulator.release()``, then continue.
        ping_after: After N events send a keep-alive: ``event: ping`` with
            ``{"type": "ping"}`` on the Anthropic endpoint, a ``: ping`` comment line
            on the OpenAI one. It is not counted as an event and not logged.
        usage: Replaces the usage object, in the OpenAI shape (the Anthropic endpoint
            converts it: ``input_tokens`` = prompt - cached, ``cache_read_input_tokens``
            = cached, ``output_tokens`` = completion), or in the Anthropic shape (it
            has ``input_tokens``), which only the Anthropic endpoint understands.
        audio_pieces: Speech (TTS) streams send the audio in this many
            ``delta.audio.data`` pieces (fewer when the audio has fewer frames).
        audio_interval: Seconds to wait before each audio piece (None: no pacing).
        event_log: When a list, every SSE event written is appended to it as a
            :class:`SentEvent` (chat and speech streams alike).

    A request is a speech request when its model id contains ``tts`` or it has an
    ``audio`` field; see :mod:`tests.sim.tts` for its audio.
    """

    content: str | None = None
    reasoning: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    finish_reason: str = "stop"
    status: int | None = None
    retry_after: str | None = None
    error_body: bytes | None = None
    drop_after: int | None = None
    malformed_after: int | None = None
    error_event_after: int | None = None
    tokens_per_second: float | None = None
    split_utf8: bool = False
    line_ending: str = "\n"
    hang: bool = False
    pause_after: int | None = None
    ping_after: int | None = None
    usage: dict[str, Any] | None = None
    audio_pieces: int = 4
    audio_interval: float | None = None
    event_log: list[SentEvent] | None = None

    def __post_init__(self) -> None:
        if self.line_ending not in ("\n", "\r\n", "\r"):
            raise ValueError(f"line_ending must be LF, CRLF or CR, not {self.line_ending!r}")
        if self.tokens_per_second is not None and self.tokens_per_second <= 0:
            raise ValueError("tokens_per_second must be positive")
        if self.audio_pieces < 1:
            raise ValueError("audio_pieces must be >= 1")
        if self.audio_interval is not None and self.audio_interval < 0:
            raise ValueError("audio_interval must be >= 0")
        faults = ("drop_after", "malformed_after", "error_event_after", "pause_after", "ping_after")
        for name in faults:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0")
