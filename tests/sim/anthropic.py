"""The simulator's Anthropic-compatible endpoint: ``/anthropic/v1/messages`` and models.

The same :class:`~tests.sim.plan.Plan` drives it as the OpenAI endpoint: the request is
first checked as MiMo would (:func:`messages_problem`), then viewed in the OpenAI shape
(:func:`openai_view`) so that the media checks of :mod:`tests.sim.media` and the reply
of :class:`~tests.sim.reply.Reply` (echo, reasoning, tool calls, usage) are the very
same; :class:`MessagesReply` only re-dresses that reply as Anthropic events::

    event: message_start
    data: {"type":"message_start","message":{"model":...,"id":"msg_...",...}}   }

Each ``data:`` JSON is compact with a few spaces of padding before its last brace, and
a ping is ``{"type": "ping"}``, as Anthropic's servers send them. Reasoning is a
thinking block closed by a ``signature_delta``; each tool call is a tool_use block whose
``input`` arrives as several ``input_json_delta`` pieces (the first one empty).

Error bodies use Anthropic's shape, ``{"type":"error","error":{"type":...,"message":
...}}``: MiMo's real error shape on this endpoint is not documented.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from tests.sim.plan import Plan, dumps
from tests.sim.reply import Reply, StreamEvent

__all__ = [
    "ANTHROPIC_AUTH_ERROR_BODY",
    "ANTHROPIC_ERROR_EVENT",
    "PING_PAYLOAD",
    "MessagesReply",
    "anthropic_error_body",
    "messages_problem",
    "models_body",
    "openai_view",
]

_ERROR_TYPES: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Bad request"),
    401: ("authentication_error", "Invalid API Key"),
    402: ("billing_error", "Insufficient balance"),
    403: ("permission_error", "Forbidden"),
    404: ("not_found_error", "Not found"),
    413: ("request_too_large", "Request too large"),
    421: ("invalid_request_error", "Content filtered"),
    429: ("rate_limit_error", "Too many requests"),
    500: ("api_error", "Internal server error"),
    503: ("overloaded_error", "Service unavailable"),
    529: ("overloaded_error", "Overloaded"),
}
_FIELDS = {
    "model", "messages", "max_tokens", "system", "stop_sequences", "stream", "temperature",
    "top_p", "top_k", "tools", "tool_choice", "thinking", "metadata",
}  # fmt: skip
_MEDIA = {
    "image": ("image_url", "url"),
    "audio": ("input_audio", "data"),
    "video": ("video_url", "url"),
}
_USER_BLOCKS = {"text", "image", "audio", "video", "tool_result"}
_ASSISTANT_BLOCKS = {"text", "thinking", "redacted_thinking", "tool_use"}
_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"}
_JSON_PIECE = 5  # characters of tool input per input_json_delta

#: The ``data:`` of a ping event, byte for byte (note the space).
PING_PAYLOAD = '{"type": "ping"}'


def anthropic_error_body(status: int, message: str | None = None) -> bytes:
    """Anthropic's JSON error body for ``status`` (the message defaults per status)."""
    kind, default = _ERROR_TYPES.get(
        status, ("api_error" if status >= 500 else "invalid_request_error", "Error")
    )
    return dumps({"type": "error", "error": {"type": kind, "message": message or default}}).encode()


ANTHROPIC_AUTH_ERROR_BODY: bytes = anthropic_error_body(401)

#: The ``data:`` of the ``event: error`` sent by ``Plan.error_event_after``.
ANTHROPIC_ERROR_EVENT: str = dumps(
    {"type": "error", "error": {"type": "api_error", "message": "Internal error during generation"}}
)


def models_body(models: tuple[str, ...]) -> bytes:
    """``GET /anthropic/v1/models`` in Anthropic's list shape."""
    data = [
        {"type": "model", "id": m, "display_name": m, "created_at": "2026-01-01T00:00:00Z"}
        for m in models
    ]
    page = {"data": data, "has_more": False, "first_id": models[0] if models else None,
            "last_id": models[-1] if models else None}  # fmt: skip
    return dumps(page).encode()


# -- validation -----------------------------------------------------------------


class _Invalid(Exception):
    """The request breaks a rule; the message goes into the 400 body."""


def messages_problem(body: Any, models: tuple[str, ...]) -> str | None:
    """The 400 message for an invalid Messages request, or None when it is valid."""
    try:
        _check(body, models)
    except _Invalid as exc:
        return str(exc)
    return None


def _check(body: Any, models: tuple[str, ...]) -> None:
    if not isinstance(body, dict):
        raise _Invalid("Request body must be a JSON object")
    for key in body:
        if key not in _FIELDS:
            raise _Invalid(f"{key}: Extra inputs are not permitted")
    if body.get("model") not in models:
        raise _Invalid(f"Not supported model {body.get('model')}")
    tokens = body.get("max_tokens")
    if isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1:
        raise _Invalid("max_tokens: Field required (an integer >= 1)")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _Invalid("stream: Input should be a valid boolean")
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        _blocks(system, {"text"}, "system")
    thinking = body.get("thinking")
    if thinking is not None and (
        not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "disabled")
    ):
        raise _Invalid("thinking.type: Input should be 'enabled' or 'disabled'")
    for i, tool in enumerate(body.get("tools") or []):
        if (
            not isinstance(tool, dict)
            or not isinstance(tool.get("name"), str)
            or not isinstance(tool.get("input_schema"), dict)
        ):
            raise _Invalid(f"tools.{i}: a tool needs a name and an input_schema")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _Invalid("messages: at least one message is required")
    tool_ids: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages.{i}"
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            raise _Invalid(f"{where}.role: Input should be 'user' or 'assistant'")
        if i == 0 and role != "user":
            raise _Invalid('messages: first message must use the "user" role')
        if i > 0 and role == messages[i - 1]["role"]:
            raise _Invalid('messages: roles must alternate between "user" and "assistant"')
        content = message.get("content")
        if isinstance(content, str):
            if not content and i < len(messages) - 1:
                raise _Invalid(f"{where}: all messages must have non-empty content")
            blocks: list[dict[str, Any]] = []
        else:
            blocks = _blocks(content, _USER_BLOCKS if role == "user" else _ASSISTANT_BLOCKS, where)
        results = {b.get("tool_use_id") for b in blocks if b["type"] == "tool_result"}
        unexpected = sorted(map(str, results - tool_ids))
        if unexpected:
            raise _Invalid(
                f"{where}: unexpected tool_use_id found in tool_result blocks: {unexpected}"
            )
        if tool_ids and results != tool_ids:
            raise _Invalid(
                f"{where}: tool_use ids were found without tool_result blocks immediately after"
            )
        tool_ids = {str(b.get("id")) for b in blocks if b["type"] == "tool_use"}


def _blocks(content: Any, allowed: set[str], where: str) -> list[dict[str, Any]]:
    if not isinstance(content, list) or not content:
        raise _Invalid(f"{where}.content: Input should be a string or a non-empty list of blocks")
    for j, block in enumerate(content):
        at = f"{where}.content.{j}"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in allowed:
            raise _Invalid(f"{at}.type: Input should be one of {sorted(allowed)}, got {kind!r}")
        if kind == "text" and (not isinstance(block.get("text"), str) or not block["text"]):
            raise _Invalid(f"{at}: text content blocks must be non-empty")
        if kind == "thinking" and not (
            isinstance(block.get("thinking"), str) and isinstance(block.get("signature", ""), str)
        ):
            raise _Invalid(f"{at}: a thinking block needs a string thinking and signature")
        if kind == "tool_use" and not (
            isinstance(block.get("id"), str)
            and isinstance(block.get("name"), str)
            and isinstance(block.get("input"), dict)
        ):
            raise _Invalid(f"{at}: a tool_use block needs an id, a name and an input object")
        if kind in _MEDIA:
            _source(block.get("source"), at)
    return content


def _source(source: Any, at: str) -> None:
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "base64":
        if not isinstance(source.get("media_type"), str) or not isinstance(source.get("data"), str):
            raise _Invalid(f"{at}.source: a base64 source needs media_type and data")
    elif kind == "url":
        if not isinstance(source.get("url"), str):
            raise _Invalid(f"{at}.source.url: Field required")
    else:
        raise _Invalid(f"{at}.source.type: Input should be 'base64' or 'url'")


# -- the OpenAI view --------------------------------------------------------------


def openai_view(body: dict[str, Any]) -> dict[str, Any]:
    """A valid Messages request as the OpenAI-shaped body the rest of the sim reads.

    Media blocks become ``image_url`` / ``input_audio`` / ``video_url`` parts with a
    ``data:`` URL (``fps`` and ``media_resolution`` kept beside), tool results become
    ``tool`` messages, the ``system`` prompt a system message.
    """
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _text(system)})
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, str) or message["role"] == "assistant":
            messages.append({"role": message["role"], "content": _text(content)})
            continue
        parts: list[dict[str, Any]] = []
        for block in content:
            if block["type"] == "tool_result":
                result = {
                    "role": "tool",
                    "tool_call_id": block.get("tool_use_id"),
                    "content": _text(block.get("content", "")),
                }
                messages.append(result)
            elif block["type"] == "text":
                parts.append({"type": "text", "text": block["text"]})
            else:
                parts.append(_media_part(block))
        if parts:
            messages.append({"role": "user", "content": parts})
    return {"model": body["model"], "messages": messages, "thinking": body.get("thinking")}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    blocks = content if isinstance(content, list) else []
    return "\n".join(b["text"] for b in blocks if isinstance(b, dict) and b.get("type") == "text")


def _media_part(block: dict[str, Any]) -> dict[str, Any]:
    source = block["source"]
    url = (
        source["url"]
        if source["type"] == "url"
        else f"data:{source['media_type']};base64,{source['data']}"
    )
    key, url_key = _MEDIA[block["type"]]
    part: dict[str, Any] = {"type": key, key: {url_key: url}}
    part.update({name: block[name] for name in ("fps", "media_resolution") if name in block})
    return part


# -- the reply ----------------------------------------------------------------------


class MessagesReply:
    """The reply a :class:`Plan` gives to one Messages request.

    Args:
        plan: The plan to follow.
        request: The parsed, valid request body.
        ordinal: The 1-based number of this chat request; makes the ids deterministic
            (tool call ids are the OpenAI endpoint's ``call_...`` ids).
        created: Unused by this format; kept for the handler's symmetry.
    """

    def __init__(self, plan: Plan, request: dict[str, Any], ordinal: int, created: int) -> None:
        self.plan = plan
        self.reply = Reply(plan, openai_view(request), ordinal, created)
        seed = hashlib.sha256(f"mimo-sim-{ordinal}".encode()).hexdigest()
        self.id = "msg_" + seed[:24]
        self.signature = base64.b64encode(hashlib.sha256(f"sig-{seed}".encode()).digest()).decode()
        reason = self.reply.finish_reason
        self.stop_reason = _STOP_REASONS.get(reason, reason)

    def usage(self) -> dict[str, Any]:
        """Anthropic usage: ``Plan.usage`` as it is when it has ``input_tokens``, else converted."""
        plan_usage = self.plan.usage
        if plan_usage is not None and "input_tokens" in plan_usage:
            return plan_usage
        usage = self.reply.usage()
        details = usage.get("prompt_tokens_details")
        cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
        return {
            "input_tokens": int(usage.get("prompt_tokens") or 0) - cached,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": cached,
            "output_tokens": int(usage.get("completion_tokens") or 0),
        }

    def _blocks(self) -> list[dict[str, Any]]:
        reply = self.reply
        blocks: list[dict[str, Any]] = []
        if reply.reasoning:
            blocks.append(
                {"type": "thinking", "thinking": reply.reasoning, "signature": self.signature}
            )
        if reply.content or not reply.tool_calls:
            blocks.append({"type": "text", "text": reply.content})
        for call in reply.tool_calls:
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call["id"],
                    "name": call["name"],
                    "input": call["arguments"],
                }
            )
        return blocks

    def message(self) -> dict[str, Any]:
        """The whole ``message`` object (``stream: false``)."""
        content = [dict(b) for b in self._blocks()]
        for block in content:
            if block["type"] == "tool_use":
                block["input"] = _object(block["input"])
        return {
            "id": self.id, "type": "message", "role": "assistant", "model": self.reply.model,
            "content": content, "stop_reason": self.stop_reason, "stop_sequence": None,
            "usage": self.usage(),
        }  # fmt: skip

    def events(self) -> list[StreamEvent]:
        """Every SSE event of the stream, in order, ``message_stop`` included."""
        reply = self.reply
        usage = self.usage()
        start = {"model": reply.model, "id": self.id, "type": "message", "role": "assistant",
                 "content": [], "stop_reason": None, "stop_sequence": None,
                 "usage": {**usage, "output_tokens": 1}}  # fmt: skip
        out = [("message_start", {"message": start}, False)]
        for index, block in enumerate(self._blocks()):
            kind = block["type"]
            deltas: list[tuple[dict[str, Any], bool]] = []
            if kind == "thinking":
                head = {"type": "thinking", "thinking": "", "signature": ""}
                deltas = [
                    ({"type": "thinking_delta", "thinking": t}, True)
                    for t in reply.reasoning_tokens
                ]
                deltas.append(({"type": "signature_delta", "signature": block["signature"]}, False))
            elif kind == "text":
                head = {"type": "text", "text": ""}
                deltas = [({"type": "text_delta", "text": t}, True) for t in reply.content_tokens]
            else:
                head = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
                text = block["input"]
                pieces = [""] + [
                    text[i : i + _JSON_PIECE] for i in range(0, len(text), _JSON_PIECE)
                ]
                deltas = [({"type": "input_json_delta", "partial_json": p}, False) for p in pieces]
            out.append(("content_block_start", {"index": index, "content_block": head}, False))
            out += [
                ("content_block_delta", {"index": index, "delta": d}, paced) for d, paced in deltas
            ]
            out.append(("content_block_stop", {"index": index}, False))
        delta = {"stop_reason": self.stop_reason, "stop_sequence": None}
        out.append(("message_delta", {"delta": delta, "usage": usage}, False))
        out.append(("message_stop", {}, False))
        return [
            StreamEvent(_padded({"type": name, **fields}, number), paced, event=name)
            for number, (name, fields, paced) in enumerate(out, start=1)
        ]


def _padded(payload: dict[str, Any], number: int) -> str:
    """Compact JSON with 0-14 spaces before the last brace, as Anthropic pads its events."""
    return dumps(payload)[:-1] + " " * (number * 7 % 15) + "}"


def _object(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
