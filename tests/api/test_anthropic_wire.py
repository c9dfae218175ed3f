"""The Anthropic-compatible wire format: request body conversion and stream decoding."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.api.anthropic_wire import (
    DEFAULT_MAX_TOKENS,
    MessagesStreamDecoder,
    build_messages_body,
)
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
from app.api.openai_wire import ChatRequest
from tests.sim.anthropic import messages_problem
from tests.sim.server import DEFAULT_MODELS

PNG_URL = "data:image/png;base64,iVBORw0KGgo="
WAV_URL = "data:audio/wav;base64,UklGRiQAAABXQVZF"
MP4_URL = "data:video/mp4;base64,AAAAGGZ0eXBtcDQy"


def request(*messages: dict[str, Any], **kwargs: Any) -> ChatRequest:
    return ChatRequest(model="mimo-v2-pro", messages=list(messages), **kwargs)


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def tool_turn(thinking: bool | None = True, **assistant: Any) -> ChatRequest:
    """A tool round trip: question, two parallel calls, their results, a follow-up."""
    return request(
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather and time in Beijing?"},
        {
            "role": "assistant",
            "content": "",
            "reasoning_content": "I need two tools.",
            "tool_calls": [
                call("call_1", "get_weather", '{"city": "Beijing"}'),
                call("call_2", "get_time", '{"tz": "Asia/Shanghai"}'),
            ],
            **assistant,
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 25 C"},
        {"role": "tool", "tool_call_id": "call_2", "content": "14:05"},
        {"role": "user", "content": "Thanks!"},
        thinking=thinking,
    )


# -- request body ---------------------------------------------------------------


def test_plain_request_has_top_level_system_and_the_required_max_tokens() -> None:
    body = build_messages_body(
        request(
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use French."}]},
            {"role": "user", "content": "hello"},
            temperature=0.3,
            top_p=0.9,
        ),
        stream=True,
    )
    assert body == {
        "model": "mimo-v2-pro",
        "max_tokens": DEFAULT_MAX_TOKENS,
        "system": "Be brief.\n\nUse French.",
        "messages": [{"role": "user", "content": "hello"}],
        "stream": True,
        "temperature": 0.3,
        "top_p": 0.9,
    }


@pytest.mark.parametrize(
    ("thinking", "expected"),
    [(True, {"type": "enabled"}), (False, {"type": "disabled"}), (None, None)],
)
def test_thinking_and_max_tokens_follow_the_request(thinking: bool | None, expected: Any) -> None:
    chat = request({"role": "user", "content": "hi"}, thinking=thinking, max_completion_tokens=64)
    body = build_messages_body(chat, stream=False)
    assert body.get("thinking") == expected
    assert body["max_tokens"] == 64
    assert body["stream"] is False


def test_tool_round_trip_becomes_tool_use_then_one_user_turn_of_results() -> None:
    body = build_messages_body(tool_turn(reasoning_signature="sig-1"), stream=True)
    assert body["system"] == "Be brief."
    assert body["messages"] == [
        {"role": "user", "content": "Weather and time in Beijing?"},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "I need two tools.", "signature": "sig-1"},
                {"type": "tool_use", "id": "call_1", "name": "get_weather",
                 "input": {"city": "Beijing"}},
                {"type": "tool_use", "id": "call_2", "name": "get_time",
                 "input": {"tz": "Asia/Shanghai"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "Sunny, 25 C"},
                {"type": "tool_result", "tool_use_id": "call_2", "content": "14:05"},
                {"type": "text", "text": "Thanks!"},
            ],
        },
    ]  # fmt: skip
    assert messages_problem(body, DEFAULT_MODELS) is None


def test_a_thinking_block_without_a_known_signature_sends_an_empty_one() -> None:
    blocks = build_messages_body(tool_turn(), stream=True)["messages"][1]["content"]
    assert blocks[0] == {"type": "thinking", "thinking": "I need two tools.", "signature": ""}


@pytest.mark.parametrize("thinking", [False, None])
def test_reasoning_is_sent_back_only_in_thinking_mode(thinking: bool | None) -> None:
    blocks = build_messages_body(tool_turn(thinking), stream=True)["messages"][1]["content"]
    assert [block["type"] for block in blocks] == ["tool_use", "tool_use"]


def test_assistant_text_comes_between_thinking_and_tool_use() -> None:
    blocks = build_messages_body(tool_turn(content="Let me look."), stream=True)["messages"][1]
    types = [(block["type"], block.get("text")) for block in blocks["content"]]
    assert types == [("thinking", None), ("text", "Let me look."), ("tool_use", None),
                     ("tool_use", None)]  # fmt: skip


@pytest.mark.parametrize("arguments", ['{"city": "Bei', "", "[1, 2]", "null"])
def test_tool_arguments_that_are_not_a_json_object_are_sent_as_empty_input(
    arguments: str,
) -> None:
    chat = request(
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "", "tool_calls": [call("c1", "f", arguments),
                                                            call("c2", "g", '{"ok": 1}')]},
        {"role": "tool", "tool_call_id": "c1", "content": "x"},
        {"role": "tool", "tool_call_id": "c2", "content": "y"},
    )  # fmt: skip
    uses = build_messages_body(chat, stream=True)["messages"][1]["content"]
    assert [(use["name"], use["input"]) for use in uses] == [("f", {}), ("g", {"ok": 1})]


def test_empty_assistant_turns_are_dropped_and_user_turns_merged() -> None:
    chat = request(
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "second"},
    )
    messages = build_messages_body(chat, stream=True)["messages"]
    assert messages == [
        {"role": "user", "content": [{"type": "text", "text": "first"},
                                     {"type": "text", "text": "second"}]},
    ]  # fmt: skip


def test_media_parts_become_base64_or_url_blocks() -> None:
    content = [
        {"type": "image_url", "image_url": {"url": PNG_URL}},
        {"type": "image_url", "image_url": {"url": "https://example.test/a.jpg"}},
        {"type": "input_audio", "input_audio": {"data": WAV_URL}},
        {"type": "input_audio", "input_audio": {"data": "SUQz", "format": "mp3"}},
        {"type": "video_url", "video_url": {"url": MP4_URL}, "fps": 2, "media_resolution": "max"},
        {"type": "video_url", "video_url": {"url": "https://example.test/v.mp4"}},
        {"type": "text", "text": "What is this?"},
    ]
    body = build_messages_body(request({"role": "user", "content": content}), stream=True)
    assert body["messages"][0]["content"] == [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.test/a.jpg"}},
        {"type": "audio", "source": {"type": "base64", "media_type": "audio/wav",
                                     "data": "UklGRiQAAABXQVZF"}},
        {"type": "audio", "source": {"type": "base64", "media_type": "audio/mpeg",
                                     "data": "SUQz"}},
        {"type": "video", "source": {"type": "base64", "media_type": "video/mp4",
                                     "data": "AAAAGGZ0eXBtcDQy"}, "fps": 2,
         "media_resolution": "max"},
        {"type": "video", "source": {"type": "url", "url": "https://example.test/v.mp4"}},
        {"type": "text", "text": "What is this?"},
    ]  # fmt: skip


def test_tools_become_name_description_and_input_schema() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    native = {"name": "native", "input_schema": {"type": "object"}}
    tools = [
        {"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                          "parameters": schema}},
        {"type": "function", "function": {"name": "ping"}},
        native,
    ]  # fmt: skip
    body = build_messages_body(request({"role": "user", "content": "hi"}, tools=tools), stream=True)
    assert body["tools"] == [
        {"name": "get_weather", "description": "Weather now", "input_schema": schema},
        {"name": "ping", "input_schema": {"type": "object", "properties": {}}},
        native,
    ]


def test_extra_stop_becomes_stop_sequences_and_extra_wins_last() -> None:
    extra = {"stop": "END", "tool_choice": "auto", "max_tokens": 10, "top_k": 5}
    body = build_messages_body(request({"role": "user", "content": "hi"}, extra=extra), stream=True)
    assert body["stop_sequences"] == ["END"]
    assert "stop" not in body
    assert body["tool_choice"] == {"type": "auto"}
    assert (body["max_tokens"], body["top_k"]) == (10, 5)


# -- stream decoding ------------------------------------------------------------


def sse(kind: str, **fields: Any) -> tuple[str, str]:
    # Anthropic pads its JSON with spaces before the last brace.
    return kind, json.dumps({"type": kind, **fields}, separators=(",", ":"))[:-1] + "    }"


START_USAGE = {"input_tokens": 10, "cache_creation_input_tokens": 2,
               "cache_read_input_tokens": 4, "output_tokens": 1}  # fmt: skip


def decode_all(events: list[tuple[str | None, str]]) -> list[StreamEvent]:
    decoder = MessagesStreamDecoder()
    out: list[StreamEvent] = []
    for name, data in events:
        decoded = decoder.decode(data, name)
        assert decoded is not None
        out += decoded
    return out


def json_piece(index: int, piece: str) -> tuple[str, str]:
    delta = {"type": "input_json_delta", "partial_json": piece}
    return sse("content_block_delta", index=index, delta=delta)


def full_stream(stop_reason: str = "tool_use") -> list[tuple[str | None, str]]:
    return [
        sse("message_start", message={"id": "msg_1", "content": [], "usage": START_USAGE}),
        sse("content_block_start", index=0,
            content_block={"type": "thinking", "thinking": "", "signature": ""}),
        ("ping", '{"type": "ping"}'),
        sse("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "Hm"}),
        sse("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": ""}),
        sse("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "S1"}),
        sse("content_block_stop", index=0),
        sse("content_block_start", index=1, content_block={"type": "text", "text": ""}),
        sse("content_block_delta", index=1, delta={"type": "text_delta", "text": "Hi"}),
        sse("content_block_stop", index=1),
        sse("content_block_start", index=2,
            content_block={"type": "tool_use", "id": "t1", "name": "f", "input": {}}),
        json_piece(2, ""),
        json_piece(2, '{"a"'),
        sse("content_block_start", index=3,
            content_block={"type": "tool_use", "id": "t2", "name": "g", "input": {}}),
        json_piece(3, "{}"),
        json_piece(2, ":1}"),
        ("brand_new_event", '{"type": "brand_new_event", "x": 1}'),
        sse("message_delta", delta={"stop_reason": stop_reason, "stop_sequence": None},
            usage={"output_tokens": 7}),
        (None, '{"type": "message_stop"}'),  # an event without a name: its type decides
    ]  # fmt: skip


def test_a_full_stream_decodes_to_the_openai_events() -> None:
    assert decode_all(full_stream()) == [
        ReasoningDelta("Hm"),
        ReasoningSignature("S1"),
        TextDelta("Hi"),
        ToolCallDelta(0, "t1", "f", ""),
        ToolCallDelta(0, None, None, '{"a"'),
        ToolCallDelta(1, "t2", "g", ""),
        ToolCallDelta(1, None, None, "{}"),
        ToolCallDelta(0, None, None, ":1}"),
        Finish("tool_calls"),
        Usage(prompt_tokens=16, completion_tokens=7, total_tokens=23, cached_tokens=4),
    ]


@pytest.mark.parametrize(
    ("stop_reason", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("content_filter", "content_filter"),
        ("repetition_truncation", "repetition_truncation"),
    ],
)
def test_stop_reasons_map_to_finish_reasons(stop_reason: str, finish: str) -> None:
    events = decode_all(full_stream(stop_reason))
    assert [e for e in events if isinstance(e, Finish)] == [Finish(finish)]


def test_message_delta_usage_updates_what_message_start_said() -> None:
    events = decode_all(
        [
            sse("message_start", message={"usage": {"input_tokens": 3, "output_tokens": 1}}),
            sse("message_delta", delta={"stop_reason": "end_turn"},
                usage={"input_tokens": 5, "cache_read_input_tokens": 2, "output_tokens": 9}),
            sse("message_stop"),
        ]
    )  # fmt: skip
    assert events == [Finish("stop"), Usage(7, 9, 16, cached_tokens=2)]


def test_message_stop_without_a_stop_reason_still_finishes_and_ends_the_stream() -> None:
    decoder = MessagesStreamDecoder()
    name, data = sse("message_stop")
    assert decoder.decode(data, name) == [Finish("stop")]
    assert decoder.decode('{"type": "content_block_delta"}', "content_block_delta") is None


def test_an_error_event_raises_stream_error_with_its_message() -> None:
    decoder = MessagesStreamDecoder()
    payload = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
    with pytest.raises(StreamError) as info:
        decoder.decode(payload, "error")
    assert info.value.message == "Overloaded"
    assert info.value.code == "overloaded_error"


@pytest.mark.parametrize("data", ['{"type":"content_block_delta",', "[1, 2]"])
def test_malformed_or_misshapen_data_raises_protocol_error(data: str) -> None:
    with pytest.raises(ProtocolError):
        MessagesStreamDecoder().decode(data, "content_block_delta")


def test_the_payload_type_decides_when_a_proxy_names_every_event_message() -> None:
    renamed = [("message", data) for _, data in full_stream("end_turn")]
    assert decode_all(renamed) == decode_all(full_stream("end_turn"))


def test_blank_data_and_pings_yield_nothing() -> None:
    decoder = MessagesStreamDecoder()
    assert decoder.decode("", None) == []
    assert decoder.decode('{"type": "ping"}', "ping") == []
