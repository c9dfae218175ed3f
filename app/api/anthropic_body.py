"""The request half of the Anthropic-compatible format: OpenAI-shaped messages in.

Pure functions, no I/O; :mod:`app.api.anthropic_wire` re-exports them. The rest of the
app builds OpenAI-shaped ``ChatRequest.messages`` (MIMO_API.md, "Chat completions");
:func:`build_messages_body` turns them into a Messages body. Choices the documentation
leaves open:

* ``max_tokens`` is required by this format: ``request.max_completion_tokens``, else
  :data:`DEFAULT_MAX_TOKENS` (within every chat model's maximum output).
* A thinking block (sent only when ``request.thinking`` is True) carries ``signature``
  from the assistant message's ``reasoning_signature`` key, or ``""`` when there is
  none: the Anthropic schema requires the field, and an empty one passes a schema
  check where a missing one fails.
* Empty assistant turns are dropped and turns of the same role in a row are merged
  (tool results first), because this format wants user and assistant to alternate.
* Tool call arguments that are not a JSON object are sent as ``input: {}``.
* A media URL that is not a base64 ``data:`` URL is sent as a ``url`` source; ``fps``
  and ``media_resolution`` go beside a video's ``source``, unchecked (the server checks).
* ``extra["stop"]`` becomes ``stop_sequences``, a string ``extra["tool_choice"]``
  becomes ``{"type": ...}``; every other ``extra`` key is merged in last, as it is.
"""

from __future__ import annotations

import json
from typing import Any

from app.api.content_parts import (
    MediaKind,
    anthropic_base64_block,
    anthropic_url_block,
    split_data_url,
)
from app.api.openai_wire import ChatRequest

__all__ = ["DEFAULT_MAX_TOKENS", "build_messages_body"]

#: ``max_tokens`` when the request sets no ``max_completion_tokens``.
DEFAULT_MAX_TOKENS = 32_768

_AUDIO_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "ogg": "audio/ogg"}
_EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


def build_messages_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body of ``POST {base}/v1/messages`` for an OpenAI-shaped request.

    Splits big ``data:`` URLs into raw base64 (a copy each): call it off the event loop.
    """
    system: list[str] = []
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        role = message.get("role")
        if role in ("system", "developer"):
            text = _joined_text(message.get("content"))
            if text:
                system.append(text)
        elif role == "tool":
            _append(messages, "user", [_tool_result(message)])
        elif role == "assistant":
            blocks = _assistant_blocks(message, thinking=request.thinking is True)
            if blocks:
                _append(messages, "assistant", blocks)
        else:
            _append(messages, "user", _user_content(message.get("content")))
    body: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_completion_tokens or DEFAULT_MAX_TOKENS,
    }
    if system:
        body["system"] = "\n\n".join(system)
    body["messages"] = messages
    body["stream"] = stream
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.top_p is not None:
        body["top_p"] = request.top_p
    if request.tools:
        body["tools"] = [_tool(tool) for tool in request.tools]
    if request.thinking is not None:
        body["thinking"] = {"type": "enabled" if request.thinking else "disabled"}
    extra = dict(request.extra)
    stop = extra.pop("stop", None)
    if isinstance(stop, str):
        body["stop_sequences"] = [stop]
    elif isinstance(stop, list):
        body["stop_sequences"] = stop
    if isinstance(extra.get("tool_choice"), str):
        choice = extra.pop("tool_choice")
        body["tool_choice"] = {"type": "any" if choice == "required" else choice}
    body.update(extra)
    return body


def _append(messages: list[dict[str, Any]], role: str, content: str | list[Any]) -> None:
    """Add a turn, merging it into the last one when that has the same role."""
    if messages and messages[-1]["role"] == role:
        last = messages[-1]
        last["content"] = _as_blocks(last["content"]) + _as_blocks(content)
    else:
        messages.append({"role": role, "content": content})


def _as_blocks(content: str | list[Any]) -> list[Any]:
    if isinstance(content, list):
        return content
    return [{"type": "text", "text": content}] if content else []


def _joined_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else []
    return "\n".join(
        part["text"]
        for part in parts
        if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"]
    )


def _assistant_blocks(message: dict[str, Any], *, thinking: bool) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    reasoning = message.get("reasoning_content")
    if thinking and isinstance(reasoning, str) and reasoning:
        signature = message.get("reasoning_signature")
        blocks.append(
            {
                "type": "thinking",
                "thinking": reasoning,
                "signature": signature if isinstance(signature, str) else "",
            }
        )
    text = _joined_text(message.get("content"))
    if text:
        blocks.append({"type": "text", "text": text})
    calls = message.get("tool_calls")
    for call in calls if isinstance(calls, list) else []:
        if isinstance(call, dict):
            blocks.append(_tool_use(call))
    return blocks


def _tool_use(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    try:
        arguments = json.loads(function.get("arguments") or "{}")
    except (TypeError, ValueError):
        arguments = {}  # the model wrote broken JSON; the turn must still go back
    return {
        "type": "tool_use",
        "id": str(call.get("id") or ""),
        "name": str(function.get("name") or ""),
        "input": arguments if isinstance(arguments, dict) else {},
    }


def _tool_result(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    result: dict[str, Any] = {
        "type": "tool_result",
        "tool_use_id": str(message.get("tool_call_id") or ""),
    }
    if isinstance(content, list):
        result["content"] = _user_content(content)
    elif content is not None:
        result["content"] = str(content)
    return result


def _user_content(content: Any) -> str | list[Any]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    return [_user_block(part) for part in content]


def _user_block(part: Any) -> Any:
    if not isinstance(part, dict):
        return part
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": part.get("text", "")}
    if kind == "image_url":
        return _media_block("image", _url_in(part.get("image_url"), "url"))
    if kind == "input_audio":
        holder = part.get("input_audio")
        fmt = holder.get("format") if isinstance(holder, dict) else None
        return _media_block("audio", _url_in(holder, "data"), fmt)
    if kind == "video_url":
        block = _media_block("video", _url_in(part.get("video_url"), "url"))
        block.update({key: part[key] for key in ("fps", "media_resolution") if key in part})
        return block
    return part  # already a block of this format, or unknown: the server decides


def _url_in(holder: Any, key: str) -> str:
    if isinstance(holder, str):
        return holder
    value = holder.get(key) if isinstance(holder, dict) else None
    return value if isinstance(value, str) else ""


def _media_block(kind: MediaKind, url: str, audio_format: Any = None) -> dict[str, Any]:
    if url.startswith("data:"):
        try:
            media_type, data = split_data_url(url)
        except ValueError:
            return anthropic_url_block(kind, url)
        return anthropic_base64_block(kind, media_type, data)
    if kind == "audio" and audio_format in _AUDIO_TYPES and "://" not in url:
        # OpenAI's own input_audio: raw base64 with a "format" beside it.
        return anthropic_base64_block(kind, _AUDIO_TYPES[audio_format], url)
    return anthropic_url_block(kind, url)


def _tool(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, dict):
        return tool  # already {name, description, input_schema}
    converted: dict[str, Any] = {"name": function.get("name", "")}
    if function.get("description"):
        converted["description"] = function["description"]
    parameters = function.get("parameters")
    converted["input_schema"] = parameters if isinstance(parameters, dict) else _EMPTY_SCHEMA
    return converted
