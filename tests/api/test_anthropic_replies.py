"""The Anthropic-compatible wire format: whole (non-streamed) replies and model lists."""

from __future__ import annotations

from typing import Any

import pytest

from app.api.anthropic_wire import message_events, parse_message, parse_model_list
from app.api.errors import AuthError, ProtocolError, RateLimited, StreamError
from app.api.events import (
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    TextDelta,
    ToolCallDelta,
    Usage,
)

MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "content": [
        {"type": "thinking", "thinking": "Because.", "signature": "S9"},
        {"type": "text", "text": "Here "},
        {"type": "text", "text": "you go."},
        {"type": "tool_use", "id": "t1", "name": "lookup", "input": {"q": "水"}},
    ],
    "stop_reason": "tool_use",
    "usage": {"input_tokens": 5, "cache_read_input_tokens": 1, "output_tokens": 3},
}


def test_a_whole_message_becomes_a_chat_result_with_wire_shaped_tool_calls() -> None:
    result = parse_message(MESSAGE)
    assert (result.content, result.reasoning) == ("Here you go.", "Because.")
    assert result.finish_reason == "tool_calls"
    assert result.tool_calls == [
        {"id": "t1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "水"}'}}
    ]
    assert result.usage == Usage(6, 3, 9, cached_tokens=1)


def test_a_json_reply_to_a_stream_request_gives_the_stream_events() -> None:
    assert message_events(MESSAGE) == [
        ReasoningDelta("Because."),
        ReasoningSignature("S9"),
        TextDelta("Here you go."),
        ToolCallDelta(0, "t1", "lookup", '{"q": "水"}'),
        Finish("tool_calls"),
        Usage(6, 3, 9, cached_tokens=1),
    ]


@pytest.mark.parametrize(
    ("payload", "error_class"),
    [
        ({"type": "error", "error": {"type": "rate_limit_error", "message": "Slow"}}, RateLimited),
        ({"error": {"code": "401", "message": "Invalid API Key"}}, AuthError),
        ({"type": "error", "error": {"type": "odd_error", "message": "Odd"}}, StreamError),
    ],
)
def test_an_error_in_a_200_body_is_typed(payload: Any, error_class: type[Exception]) -> None:
    with pytest.raises(error_class):
        parse_message(payload)
    with pytest.raises(error_class):
        parse_model_list(payload)


def test_a_message_without_content_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_message({"type": "message", "stop_reason": "end_turn"})


def test_model_lists_of_both_shapes_give_the_ids() -> None:
    anthropic = {"data": [{"id": "mimo-v2-pro", "type": "model", "display_name": "Pro"}],
                 "has_more": False}  # fmt: skip
    openai = {"object": "list", "data": [{"id": "mimo-v2-flash", "object": "model"}]}
    assert parse_model_list(anthropic) == ["mimo-v2-pro"]
    assert parse_model_list(openai) == ["mimo-v2-flash"]
