"""The OpenAI-compatible wire format: request bodies out, typed results in.

Pure functions over JSON-shaped data; no I/O. See /work/shared/MIMO_API.md for the
shapes. ``ChatRequest`` and ``ChatResult`` live here (and are re-exported by
``app.api.client``) so that this module does not import the client.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from app.api.errors import MimoError, ProtocolError, StreamError
from app.api.events import (
    Finish,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from app.api.http_errors import error_for_status, error_payload_fields
from app.api.translation import translate

DONE = "[DONE]"
#: Message keys the app keeps for the Anthropic format; never sent in this one.
ANTHROPIC_ONLY_KEYS = frozenset({"reasoning_signature"})


@dataclass
class ChatRequest:
    """One chat completion request, independent of the wire format.

    Attributes:
        thinking: True/False send ``{"thinking": {"type": "enabled"|"disabled"}}``;
            None leaves the model's default.
        extra: Further body fields, merged in last (they win).
    """

    model: str
    messages: list[dict[str, Any]]
    temperature: float | None = None
    top_p: float | None = None
    max_completion_tokens: int | None = None
    thinking: bool | None = None
    tools: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChatResult:
    """A whole, non-streamed answer.

    Attributes:
        tool_calls: In wire shape: ``{"id", "type": "function", "function": {"name",
            "arguments"}}``, ready to be sent back in the history.
    """

    content: str
    reasoning: str
    tool_calls: list[dict[str, Any]]
    finish_reason: str | None
    usage: Usage | None


def build_chat_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body of ``POST {base}/chat/completions``."""
    messages = [
        {key: value for key, value in item.items() if key not in ANTHROPIC_ONLY_KEYS}
        if ANTHROPIC_ONLY_KEYS.intersection(item)
        else item
        for item in request.messages
    ]
    body: dict[str, Any] = {"model": request.model, "messages": messages}
    body["stream"] = stream
    if stream:
        # Undocumented on MiMo (usage is always sent) but needed by other servers.
        body["stream_options"] = {"include_usage": True}
    optional = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_completion_tokens": request.max_completion_tokens,
        "tools": request.tools,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    if request.thinking is not None:
        body["thinking"] = {"type": "enabled" if request.thinking else "disabled"}
    body.update(request.extra)
    return body


def load_json(text: str | bytes) -> Any:
    """Parse JSON or raise :class:`ProtocolError`."""
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(
            translate("OpenAIWire", "The server sent a reply that is not valid JSON")
        ) from exc


def decode_stream_event(data: str, event: str | None = None) -> list[StreamEvent] | None:
    """The events of one SSE event's data; None for the closing ``[DONE]``.

    Blank data (a keep-alive) yields nothing.

    Raises:
        StreamError: An ``error`` payload (or an SSE event named ``error``).
        ProtocolError: The data is not a JSON object.
    """
    text = data.strip()
    if text == DONE:
        return None
    if not text:
        return []
    payload = load_json(text)
    if event == "error":
        message, code = error_payload_fields(payload)
        raise StreamError(message or _error_during_reply(), code=code)
    return stream_events(payload)


def result_events(result: ChatResult) -> list[StreamEvent]:
    """A whole answer as stream events, for a server that ignored ``stream: true``."""
    events: list[StreamEvent] = []
    if result.reasoning:
        events.append(ReasoningDelta(result.reasoning))
    if result.content:
        events.append(TextDelta(result.content))
    for index, call in enumerate(result.tool_calls):
        events.extend(_tool_call_deltas([{**call, "index": index}]))
    if result.finish_reason:
        events.append(Finish(result.finish_reason))
    if result.usage is not None:
        events.append(result.usage)
    return events


def stream_events(chunk: Any) -> list[StreamEvent]:
    """The events of one parsed ``chat.completion.chunk``.

    Empty and null pieces yield nothing; only the first choice is read.

    Raises:
        StreamError: The chunk is an ``error`` payload.
        ProtocolError: The chunk is not a JSON object.
    """
    if not isinstance(chunk, dict):
        raise ProtocolError(
            translate("OpenAIWire", "The server sent a stream chunk of the wrong shape")
        )
    if chunk.get("error") is not None:
        message, code = error_payload_fields(chunk)
        raise StreamError(message or _error_during_reply(), code=code)
    events: list[StreamEvent] = []
    choice = _first_choice(chunk)
    if choice is not None:
        delta = choice.get("delta")
        if isinstance(delta, dict):
            reasoning = _reasoning_of(delta)
            if reasoning:
                events.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if isinstance(content, str) and content:
                events.append(TextDelta(content))
            events.extend(_tool_call_deltas(delta.get("tool_calls")))
        reason = choice.get("finish_reason")
        if isinstance(reason, str) and reason:
            events.append(Finish(reason))
    usage = parse_usage(chunk.get("usage"))
    if usage is not None:
        events.append(usage)
    return events


def parse_completion(payload: Any) -> ChatResult:
    """Read a whole ``chat.completion`` body.

    Raises:
        MimoError: The body is an error payload (typed by its code when numeric).
        ProtocolError: The body has no usable choice.
    """
    if isinstance(payload, dict) and payload.get("error") is not None:
        raise _error_in_body(payload)
    choice = _first_choice(payload) if isinstance(payload, dict) else None
    message = choice.get("message") if choice is not None else None
    if choice is None or not isinstance(message, dict):
        raise ProtocolError(translate("OpenAIWire", "The server's reply holds no answer"))
    content = message.get("content")
    calls = message.get("tool_calls")
    reason = choice.get("finish_reason")
    return ChatResult(
        content=content if isinstance(content, str) else "",
        reasoning=_reasoning_of(message),
        tool_calls=[call for call in calls if isinstance(call, dict)]
        if isinstance(calls, list)
        else [],
        finish_reason=reason if isinstance(reason, str) else None,
        usage=parse_usage(payload.get("usage")),
    )


def parse_models(payload: Any) -> list[str]:
    """The model ids of a ``GET /models`` body, in the server's order."""
    if isinstance(payload, dict) and payload.get("error") is not None:
        raise _error_in_body(payload)
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list):
        raise ProtocolError(translate("OpenAIWire", "The server's model list has the wrong shape"))
    return [
        item["id"] for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]


def parse_usage(raw: Any) -> Usage | None:
    """Read a ``usage`` object; None when absent or null."""
    if not isinstance(raw, dict):
        return None
    prompt = _int(raw.get("prompt_tokens"))
    completion = _int(raw.get("completion_tokens"))
    total = _int(raw.get("total_tokens")) or prompt + completion
    prompt_details = raw.get("prompt_tokens_details")
    completion_details = raw.get("completion_tokens_details")
    cached = prompt_details.get("cached_tokens") if isinstance(prompt_details, dict) else None
    reasoning = (
        completion_details.get("reasoning_tokens") if isinstance(completion_details, dict) else None
    )
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=total,
        cached_tokens=_int(cached),
        reasoning_tokens=_int(reasoning),
    )


def _first_choice(payload: dict[str, Any]) -> dict[str, Any] | None:
    choices = payload.get("choices")
    if not isinstance(choices, list):
        return None
    for choice in choices:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return None


def _reasoning_of(holder: dict[str, Any]) -> str:
    # MiMo and DeepSeek say reasoning_content; some other servers say reasoning.
    for key in ("reasoning_content", "reasoning"):
        value = holder.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _tool_call_deltas(raw: Any) -> list[ToolCallDelta]:
    if not isinstance(raw, list):
        return []
    deltas: list[ToolCallDelta] = []
    for position, call in enumerate(raw):
        if not isinstance(call, dict):
            continue
        function = call.get("function")
        function = function if isinstance(function, dict) else {}
        index = call.get("index")
        call_id = call.get("id")
        name = function.get("name")
        arguments = function.get("arguments")
        delta = ToolCallDelta(
            index=index if isinstance(index, int) else position,
            id=call_id if isinstance(call_id, str) and call_id else None,
            name=name if isinstance(name, str) and name else None,
            arguments=arguments if isinstance(arguments, str) else "",
        )
        if delta.id or delta.name or delta.arguments:
            deltas.append(delta)
    return deltas


def _error_in_body(payload: dict[str, Any]) -> MimoError:
    """An error payload in a 2xx body: typed by its code when that is a status."""
    message, code = error_payload_fields(payload)
    if code is not None and code.isdigit() and 400 <= int(code) <= 599:
        return error_for_status(int(code), message, code)
    return StreamError(
        message or translate("OpenAIWire", "The server reported an error"), code=code
    )


def _error_during_reply() -> str:
    return translate("OpenAIWire", "The server reported an error during the reply")


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
