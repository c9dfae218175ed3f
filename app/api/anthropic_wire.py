"""The Anthropic-compatible wire format: Messages bodies out, the same typed events in.

Pure functions over JSON-shaped data; no I/O. :func:`build_messages_body` (from
:mod:`app.api.anthropic_body`) converts the OpenAI-shaped requests the app builds;
:class:`MessagesStreamDecoder`, :func:`parse_message` and :func:`message_events` turn
the replies into the events and results of :mod:`app.api.openai_wire`, so nothing above
this layer can tell which format ran. The one event only this format yields is
:class:`~app.api.events.ReasoningSignature`; and it reports no reasoning token count
(``Usage.reasoning_tokens`` stays 0).

Stop reasons map to finish reasons: end_turn and stop_sequence -> stop, max_tokens ->
length, tool_use -> tool_calls; others (content_filter, repetition_truncation) pass
through. Usage: ``prompt_tokens`` = input + cache read + cache creation input tokens,
``cached_tokens`` = cache read input tokens.
"""

from __future__ import annotations

import json
from typing import Any

from app.api.anthropic_body import DEFAULT_MAX_TOKENS, build_messages_body
from app.api.errors import ProtocolError, StreamError
from app.api.events import (
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from app.api.http_errors import error_in_body, error_payload_fields
from app.api.openai_wire import ChatResult, load_json, parse_models, result_events
from app.api.translation import translate

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "MessagesStreamDecoder",
    "build_messages_body",
    "finish_reason",
    "message_events",
    "parse_message",
    "parse_messages_usage",
    "parse_model_list",
]

_STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
}


def finish_reason(stop_reason: str) -> str:
    """The OpenAI-compatible finish reason of an Anthropic ``stop_reason``."""
    return _STOP_REASONS.get(stop_reason, stop_reason)


def parse_messages_usage(raw: Any) -> Usage | None:
    """A :class:`Usage` from Anthropic ``usage`` fields; None when absent.

    The prompt counts every input token: ``input_tokens`` (the uncached part) plus
    ``cache_read_input_tokens`` and ``cache_creation_input_tokens``.
    """
    if not isinstance(raw, dict):
        return None
    cached = _int(raw.get("cache_read_input_tokens"))
    prompt = _int(raw.get("input_tokens")) + cached + _int(raw.get("cache_creation_input_tokens"))
    completion = _int(raw.get("output_tokens"))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        cached_tokens=cached,
    )


def parse_message(payload: Any) -> ChatResult:
    """Read a whole ``message`` body (``stream: false``).

    Raises:
        MimoError: The body is an error payload (typed by its code or error type).
        ProtocolError: The body holds no content.
    """
    _raise_if_error(payload)
    content = payload.get("content") if isinstance(payload, dict) else None
    if not isinstance(content, list):
        raise ProtocolError(translate("AnthropicWire", "The server's reply holds no answer"))
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            reasoning.append(block["thinking"])
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input") or {}, ensure_ascii=False)
            function = {"name": str(block.get("name") or ""), "arguments": arguments}
            calls.append(
                {"id": str(block.get("id") or ""), "type": "function", "function": function}
            )
    reason = payload.get("stop_reason")
    return ChatResult(
        content="".join(texts),
        reasoning="".join(reasoning),
        tool_calls=calls,
        finish_reason=finish_reason(reason) if isinstance(reason, str) and reason else None,
        usage=parse_messages_usage(payload.get("usage")),
    )


def message_events(payload: Any) -> list[StreamEvent]:
    """A whole ``message`` body as stream events (a server that ignored ``stream``)."""
    events = result_events(parse_message(payload))
    blocks = payload.get("content") if isinstance(payload, dict) else None
    signatures = [
        block["signature"]
        for block in (blocks if isinstance(blocks, list) else [])
        if isinstance(block, dict)
        and block.get("type") == "thinking"
        and isinstance(block.get("signature"), str)
        and block["signature"]
    ]
    if signatures:
        at = 1 if events and isinstance(events[0], ReasoningDelta) else 0
        events.insert(at, ReasoningSignature(signatures[-1]))
    return events


def parse_model_list(payload: Any) -> list[str]:
    """The ids of ``GET /v1/models``: Anthropic's list shape or OpenAI's."""
    _raise_if_error(payload)
    return parse_models(payload)


def _raise_if_error(payload: Any) -> None:
    if isinstance(payload, dict) and (
        payload.get("type") == "error" or payload.get("error") is not None
    ):
        raise error_in_body(payload)


class MessagesStreamDecoder:
    """Turns the SSE events of one streamed ``message`` into typed events.

    One decoder per HTTP response: it remembers which content blocks are tool calls
    (a tool call's index is its ordinal among the tool_use blocks, as in the OpenAI
    format) and the usage seen so far. ``message_delta`` yields :class:`Finish`;
    ``message_stop`` yields the :class:`Usage` and ends the stream.
    """

    def __init__(self) -> None:
        self._tools: dict[Any, int] = {}
        self._usage: dict[str, Any] = {}
        self._finished = False
        self._stopped = False

    def decode(self, data: str, event: str | None = None) -> list[StreamEvent] | None:
        """The events of one SSE event; None once the message has stopped.

        The payload's ``type`` decides (the SSE event name when it has none, and an
        ``event: error`` is an error whatever its data says); ``ping``, blank data and
        unknown types yield nothing.

        Raises:
            StreamError: An ``error`` event.
            ProtocolError: The data is not a JSON object.
        """
        text = data.strip()
        if self._stopped or text == "[DONE]":
            return None
        if not text:
            return []
        payload = load_json(text)
        if not isinstance(payload, dict):
            raise ProtocolError(
                translate("AnthropicWire", "The server sent a stream event of the wrong shape")
            )
        kind = payload.get("type") if isinstance(payload.get("type"), str) else event
        if "error" in (event, kind) or payload.get("error") is not None:
            message, code = error_payload_fields(payload)
            raise StreamError(
                message
                or translate("AnthropicWire", "The server reported an error during the reply"),
                code=code,
            )
        if kind == "message_start":
            message = payload.get("message")
            self._merge_usage(message.get("usage") if isinstance(message, dict) else None)
            return []
        if kind == "content_block_start":
            return self._block_start(payload.get("index"), payload.get("content_block"))
        if kind == "content_block_delta":
            return self._block_delta(payload.get("index"), payload.get("delta"))
        if kind == "message_delta":
            return self._message_delta(payload)
        if kind == "message_stop":
            return self._stop()
        return []  # content_block_stop, ping, and types added later

    def _block_start(self, index: Any, block: Any) -> list[StreamEvent]:
        if not isinstance(block, dict):
            return []
        kind = block.get("type")
        if kind == "tool_use":
            ordinal = self._tools.setdefault(index, len(self._tools))
            tool_input = block.get("input")
            arguments = json.dumps(tool_input, ensure_ascii=False) if tool_input else ""
            call_id, name = block.get("id"), block.get("name")
            return [
                ToolCallDelta(
                    index=ordinal,
                    id=call_id if isinstance(call_id, str) and call_id else None,
                    name=name if isinstance(name, str) and name else None,
                    arguments=arguments,
                )
            ]
        if kind == "text":
            return self._block_delta(index, {"type": "text_delta", "text": block.get("text")})
        if kind == "thinking":
            thinking = {"type": "thinking_delta", "thinking": block.get("thinking")}
            signature = {"type": "signature_delta", "signature": block.get("signature")}
            return self._block_delta(index, thinking) + self._block_delta(index, signature)
        return []  # redacted_thinking and other blocks carry nothing to show

    def _block_delta(self, index: Any, delta: Any) -> list[StreamEvent]:
        if not isinstance(delta, dict):
            return []
        kind = delta.get("type")
        fields = {
            "text_delta": "text",
            "thinking_delta": "thinking",
            "input_json_delta": "partial_json",
            "signature_delta": "signature",
        }
        value = delta.get(fields.get(str(kind), ""))
        if not isinstance(value, str) or not value:
            return []
        if kind == "text_delta":
            return [TextDelta(value)]
        if kind == "thinking_delta":
            return [ReasoningDelta(value)]
        if kind == "signature_delta":
            return [ReasoningSignature(value)]
        ordinal = self._tools.get(index)  # input_json_delta
        return [] if ordinal is None else [ToolCallDelta(ordinal, None, None, value)]

    def _message_delta(self, payload: dict[str, Any]) -> list[StreamEvent]:
        self._merge_usage(payload.get("usage"))
        delta = payload.get("delta")
        reason = delta.get("stop_reason") if isinstance(delta, dict) else None
        if isinstance(reason, str) and reason and not self._finished:
            self._finished = True
            return [Finish(finish_reason(reason))]
        return []

    def _stop(self) -> list[StreamEvent]:
        self._stopped = True
        events: list[StreamEvent] = []
        if not self._finished:  # a complete message that named no stop reason
            self._finished = True
            events.append(Finish("stop"))
        usage = parse_messages_usage(self._usage) if self._usage else None
        if usage is not None:
            events.append(usage)
        return events

    def _merge_usage(self, raw: Any) -> None:
        """Later counts win (``message_delta`` repeats or updates ``message_start``'s)."""
        if isinstance(raw, dict):
            self._usage.update({key: value for key, value in raw.items() if value is not None})


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
