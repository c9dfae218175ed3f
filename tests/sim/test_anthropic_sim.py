"""The simulator's Anthropic-compatible endpoint itself: framing, validation, faults."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.media_samples import png
from tests.sim import Plan, Simulator
from tests.sim.plan import SentEvent

KEY = "sk-test"
MESSAGES = "/v1/messages"
EVENT = re.compile(r"event: ([a-z_]+)\ndata: (.*)")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,)) as simulator:
        yield simulator


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}", "anthropic-version": "2023-06-01"}
    with httpx.Client(base_url=sim.anthropic_url, headers=headers, timeout=5.0) as c:
        yield c


def body(text: str = "Hello world", stream: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "model": "mimo-v2-pro",
        "max_tokens": 256,
        "messages": [{"role": "user", "content": text}],
        "stream": stream,
        **extra,
    }


def frames(raw: bytes, line_ending: str = "\n") -> list[tuple[str, str]]:
    """(event name, data) of each event of a raw body; fails on any other framing."""
    blocks = raw.decode().split(line_ending * 2)
    assert blocks[-1] == ""
    out = []
    for block in blocks[:-1]:
        match = EVENT.fullmatch(block.replace(line_ending, "\n"))
        assert match is not None, block
        out.append((match.group(1), match.group(2)))
    return out


def stream(client: httpx.Client, **extra: Any) -> list[tuple[str, dict[str, Any]]]:
    response = client.post(MESSAGES, json=body(**extra))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/event-stream"
    return [(name, json.loads(data)) for name, data in frames(response.content)]


def error_of(response: httpx.Response) -> dict[str, Any]:
    payload = response.json()
    assert payload["type"] == "error" and set(payload["error"]) == {"type", "message"}
    return dict(payload["error"])


# -- framing ----------------------------------------------------------------------


def test_text_stream_events_are_framed_as_anthropic_sends_them(client: httpx.Client) -> None:
    raw = client.post(MESSAGES, json=body("Hello world")).content
    events = frames(raw)
    names = [name for name, _ in events]
    assert names == ["message_start", "content_block_start"] + ["content_block_delta"] * 3 + [
        "content_block_stop", "message_delta", "message_stop"
    ]  # fmt: skip
    for name, data in events:
        assert json.loads(data)["type"] == name
        assert not data.startswith("{ ") and ", " not in data.split('"text"')[0]
    assert any(re.search(r"\} +\}$", data) for _, data in events)  # padded like Anthropic's
    start = json.loads(events[0][1])["message"]
    assert list(start) == ["model", "id", "type", "role", "content", "stop_reason",
                           "stop_sequence", "usage"]  # fmt: skip
    assert start["id"].startswith("msg_") and start["content"] == []
    texts = [json.loads(d)["delta"]["text"] for n, d in events if n == "content_block_delta"]
    assert texts == ["Echo:", " Hello", " world"]
    assert re.search(rb'\n\nevent: message_stop\ndata: \{"type":"message_stop" *\}\n\n$', raw)


def test_reasoning_is_a_signed_thinking_block_unless_thinking_is_disabled(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.enqueue(Plan(reasoning="Deep thought", content="Done"), Plan(reasoning="x", content="y"))
    events = stream(client)
    blocks = [(d["index"], d["content_block"]["type"]) for n, d in events
              if n == "content_block_start"]  # fmt: skip
    assert blocks == [(0, "thinking"), (1, "text")]
    deltas = [d["delta"] for n, d in events if n == "content_block_delta" and d["index"] == 0]
    assert "".join(d.get("thinking", "") for d in deltas) == "Deep thought"
    assert deltas[-1]["type"] == "signature_delta" and deltas[-1]["signature"]
    disabled = stream(client, thinking={"type": "disabled"})
    assert [d["content_block"]["type"] for n, d in disabled if n == "content_block_start"] == [
        "text"
    ]


def test_tool_use_blocks_stream_their_input_in_pieces(sim: Simulator, client: httpx.Client) -> None:
    arguments = '{"city": "Beijing", "days": 3}'
    sim.enqueue(Plan(tool_calls=[{"name": "forecast", "arguments": arguments}]))
    events = stream(client)
    (start,) = [d["content_block"] for n, d in events if n == "content_block_start"]
    assert start == {"type": "tool_use", "id": start["id"], "name": "forecast", "input": {}}
    pieces = [d["delta"]["partial_json"] for n, d in events if n == "content_block_delta"]
    assert pieces[0] == "" and len(pieces) > 3 and "".join(pieces) == arguments
    assert events[-2][1]["delta"] == {"stop_reason": "tool_use", "stop_sequence": None}


def test_usage_is_converted_to_anthropic_fields(sim: Simulator, client: httpx.Client) -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
             "prompt_tokens_details": {"cached_tokens": 4}}  # fmt: skip
    sim.enqueue(Plan(content="ok", usage=usage))
    events = stream(client)
    expected = {"input_tokens": 8, "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 4, "output_tokens": 5}  # fmt: skip
    assert events[0][1]["message"]["usage"] == {**expected, "output_tokens": 1}
    assert events[-2][1]["usage"] == expected


@pytest.mark.parametrize("line_ending", ["\r\n", "\r"])
def test_line_ending_applies_inside_each_event_too(
    sim: Simulator, client: httpx.Client, line_ending: str
) -> None:
    sim.enqueue(Plan(content="a b", line_ending=line_ending))
    raw = client.post(MESSAGES, json=body()).content
    assert raw.startswith(f"event: message_start{line_ending}data: {{".encode())
    assert [name for name, _ in frames(raw, line_ending)][-1] == "message_stop"


def test_ping_error_and_malformed_events_use_this_format(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.enqueue(Plan(content="a b c", ping_after=1, error_event_after=2),
                Plan(content="a b c", malformed_after=1))  # fmt: skip
    raw = client.post(MESSAGES, json=body()).content
    names = [name for name, _ in frames(raw)]
    assert names == ["message_start", "ping", "content_block_start", "error"]
    assert b'event: ping\ndata: {"type": "ping"}\n\n' in raw
    error = json.loads(frames(raw)[-1][1])
    message = "Internal error during generation"
    assert error == {"type": "error", "error": {"type": "api_error", "message": message}}
    malformed = client.post(MESSAGES, json=body()).content
    assert frames(malformed)[-1] == ("content_block_delta", '{"id":<<garbage, not JSON>>')


def test_events_are_counted_and_logged_one_per_sse_event(
    sim: Simulator, client: httpx.Client
) -> None:
    log: list[SentEvent] = []
    sim.enqueue(Plan(content="one two", event_log=log))
    events = stream(client)
    assert [entry.number for entry in log] == list(range(1, len(events) + 1))
    assert [json.loads(entry.data) for entry in log] == [data for _, data in events]


def test_non_streaming_message_has_thinking_text_tool_use_and_stop_reason(
    sim: Simulator, client: httpx.Client
) -> None:
    calls = [{"name": "f", "arguments": '{"x": 1}'}]
    sim.enqueue(Plan(reasoning="hm", content="Calling.", tool_calls=calls))
    message = client.post(MESSAGES, json=body(stream=False)).json()
    assert message["type"] == "message" and message["role"] == "assistant"
    thinking, text, tool = message["content"]
    assert thinking["type"] == "thinking" and thinking["thinking"] == "hm"
    assert thinking["signature"]
    assert text == {"type": "text", "text": "Calling."}
    assert (tool["type"], tool["name"], tool["input"]) == ("tool_use", "f", {"x": 1})
    assert tool["id"].startswith("call_")
    assert message["stop_reason"] == "tool_use"
    assert set(message["usage"]) >= {"input_tokens", "output_tokens", "cache_read_input_tokens"}


def test_models_are_listed_in_anthropic_shape(sim: Simulator, client: httpx.Client) -> None:
    page = client.get("/v1/models").json()
    assert [m["id"] for m in page["data"]] == list(sim.models)
    assert all(m["type"] == "model" and m["display_name"] for m in page["data"])
    assert page["has_more"] is False


# -- auth and validation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"x-api-key": KEY}, 401),
        ({"api-key": KEY}, 200),
        ({"Authorization": f"Bearer {KEY}"}, 200),
        ({"Authorization": "Bearer sk-wrong"}, 401),
    ],
)
def test_only_bearer_or_api_key_authenticate(
    sim: Simulator, headers: dict[str, str], status: int
) -> None:
    response = httpx.post(sim.anthropic_url + MESSAGES, json=body(), headers=headers)
    assert response.status_code == status
    if status == 401:
        assert error_of(response) == {"type": "authentication_error", "message": "Invalid API Key"}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"max_tokens": None}, "max_tokens"),
        ({"model": "claude-3"}, "Not supported model claude-3"),
        ({"messages": []}, "at least one message"),
        ({"stream_options": {"include_usage": True}}, "stream_options: Extra inputs"),
        ({"messages": [{"role": "assistant", "content": "hi"}]}, "first message"),
        ({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]},
         "alternate"),
        ({"messages": [{"role": "system", "content": "a"}]}, "role"),
        ({"messages": [{"role": "user", "content": [{"type": "tool_result",
                                                       "tool_use_id": "t9"}]}]},
         "unexpected tool_use_id"),
        ({"messages": [{"role": "user", "content": [{"type": "image",
                                                       "source": {"type": "file"}}]}]},
         "source.type"),
        ({"thinking": {"type": "auto"}}, "thinking.type"),
    ],
)  # fmt: skip
def test_invalid_requests_get_a_400_in_anthropic_shape(
    client: httpx.Client, change: dict[str, Any], needle: str
) -> None:
    request = {key: value for key, value in {**body(), **change}.items() if value is not None}
    response = client.post(MESSAGES, json=request)
    assert response.status_code == 400
    error = error_of(response)
    assert error["type"] == "invalid_request_error" and needle in error["message"]


def test_tool_results_must_answer_every_tool_use(client: httpx.Client) -> None:
    use = {"type": "tool_use", "id": "t1", "name": "f", "input": {}}
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": [use, {**use, "id": "t2"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]},
    ]
    response = client.post(MESSAGES, json={**body(), "messages": messages})
    assert "without tool_result" in error_of(response)["message"]
    messages[2]["content"].append({"type": "tool_result", "tool_use_id": "t2", "content": "ok"})
    assert client.post(MESSAGES, json={**body(), "messages": messages}).status_code == 200


def test_media_blocks_are_decoded_and_checked_like_openai_parts(client: httpx.Client) -> None:
    data = base64.b64encode(png(4, 3)).decode()
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                         "data": data}}  # fmt: skip
    content = [image, {"type": "text", "text": "What?"}]
    messages = [{"role": "user", "content": content}]
    reply = client.post(MESSAGES, json={**body(stream=False), "messages": messages})
    assert reply.json()["content"][0]["text"].split("\n")[1].startswith("image/png 4x3 ")
    image["source"]["media_type"] = "image/jpeg"
    wrong = client.post(MESSAGES, json={**body(), "messages": messages})
    assert wrong.status_code == 400
    assert "does not match its declared type image/jpeg" in error_of(wrong)["message"]


def test_status_plans_answer_with_anthropic_error_bodies(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.enqueue(Plan(status=429, retry_after="7"))
    response = client.post(MESSAGES, json=body())
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert error_of(response) == {"type": "rate_limit_error", "message": "Too many requests"}
    assert client.get("/v1/nothing").status_code == 404


def test_ping_after_on_the_openai_endpoint_is_a_comment_line(sim: Simulator) -> None:
    sim.enqueue(Plan(content="a b", ping_after=1))
    headers = {"Authorization": f"Bearer {KEY}"}
    openai = {k: v for k, v in body().items() if k != "max_tokens"}
    raw = httpx.post(sim.base_url + "/chat/completions", json=openai, headers=headers).content
    first, second = raw.split(b"\n\n")[:2]
    assert first.startswith(b"data: {") and second == b": ping"
