"""Tests of the MiMo simulator itself, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.sim import Plan, RecordedRequest, Simulator
from tests.sim.reply import tokenize

KEY = "sk-test"
CHAT = "/chat/completions"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,)) as simulator:
        yield simulator


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=sim.base_url, headers=headers, timeout=5.0) as c:
        yield c


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def chat_body(text: str = "Hello world", stream: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "model": "mimo-v2-pro",
        "messages": [{"role": "user", "content": text}],
        "stream": stream,
        **extra,
    }


def raw_events(raw: bytes, line_ending: str = "\n") -> list[str]:
    """The ``data:`` payloads of a raw SSE body."""
    blocks = raw.decode().split(line_ending * 2)
    return [b.removeprefix("data: ") for b in blocks if b]


def stream_chunks(client: httpx.Client, **extra: Any) -> list[dict[str, Any]]:
    response = client.post(CHAT, json=chat_body(**extra))
    assert response.status_code == 200
    payloads = raw_events(response.content)
    assert payloads[-1] == "[DONE]"
    return [json.loads(p) for p in payloads[:-1]]


def deltas(chunks: list[dict[str, Any]], key: str) -> list[Any]:
    return [c["choices"][0]["delta"][key] for c in chunks if c["choices"]]


def read_events_into(client: httpx.Client, sink: queue.Queue[str]) -> None:
    with client.stream("POST", CHAT, json=chat_body()) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                sink.put(line.removeprefix("data: "))


# -- wire format ---------------------------------------------------------------


def test_stream_first_finish_and_usage_chunks_are_byte_exact(client: httpx.Client) -> None:
    response = client.post(CHAT, json=chat_body("Hello world"))
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["transfer-encoding"] == "chunked"
    payloads = raw_events(response.content)
    first = json.loads(payloads[0])
    head = (
        f'{{"id":"{first["id"]}","object":"chat.completion.chunk",'
        f'"created":{first["created"]},"model":"mimo-v2-pro",'
    )
    assert first["id"].startswith("chatcmpl-")
    assert payloads[0] == head + (
        '"choices":[{"index":0,"delta":{"content":"","role":"assistant","tool_calls":null,'
        '"reasoning_content":null},"finish_reason":null}],"usage":null}'
    )
    assert payloads[-3] == head + (
        '"choices":[{"index":0,"delta":{"content":null,"role":null,"tool_calls":null,'
        '"reasoning_content":null},"finish_reason":"stop"}],"usage":null}'
    )
    assert payloads[-2] == head + (
        '"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5,'
        '"completion_tokens_details":{"reasoning_tokens":0},"prompt_tokens_details":'
        '{"cached_tokens":0,"audio_tokens":0,"image_tokens":0,"video_tokens":0}}}'
    )
    assert payloads[-1] == "[DONE]"
    assert response.content.endswith(b"\n\ndata: [DONE]\n\n")


def test_default_reply_echoes_last_user_text_one_token_per_chunk(client: httpx.Client) -> None:
    body = chat_body()
    body["messages"] = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "Sag  mal,\tworld "}]},
    ]
    chunks = [json.loads(p) for p in raw_events(client.post(CHAT, json=body).content)[:-1]]
    content = [d for d in deltas(chunks[1:], "content") if d is not None]
    assert content == ["Echo:", " Sag", "  mal,", "\tworld "]
    assert "".join(content) == "Echo: Sag  mal,\tworld "


@pytest.mark.parametrize("text", ["", "  ", "a", " lead and trail  ", "你好\uff0c世界 🌍\n\nok"])
def test_tokenize_joins_back_to_the_text(text: str) -> None:
    assert "".join(tokenize(text)) == text


def test_reasoning_streams_before_content(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(content="The answer.", reasoning="Let me think."))
    chunks = stream_chunks(client)
    kinds = [
        "r" if c["choices"][0]["delta"]["reasoning_content"] else "c"
        for c in chunks[1:-2]
        if c["choices"][0]["delta"]["reasoning_content"] or c["choices"][0]["delta"]["content"]
    ]
    assert kinds == ["r", "r", "r", "c", "c"]
    assert "".join(d or "" for d in deltas(chunks, "reasoning_content")) == "Let me think."
    assert chunks[-1]["usage"]["completion_tokens_details"]["reasoning_tokens"] == 3
    assert chunks[-1]["usage"]["completion_tokens"] == 5


def test_reasoning_is_left_out_when_thinking_is_disabled(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.default_plan = Plan(content="Hi", reasoning="hmm")
    chunks = stream_chunks(client, thinking={"type": "disabled"})
    assert all(d is None for d in deltas(chunks, "reasoning_content"))


def test_every_delta_carries_the_four_keys(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(reasoning="r", tool_calls=[{"name": "f", "arguments": "{}"}]))
    for chunk in stream_chunks(client):
        for choice in chunk["choices"]:
            assert list(choice["delta"]) == ["content", "role", "tool_calls", "reasoning_content"]


def test_tool_call_pieces_reassemble(sim: Simulator, client: httpx.Client) -> None:
    calls = [
        {"name": "get_weather", "arguments": '{"city": "北京", "unit": "celsius"}'},
        {"name": "now", "arguments": "{}"},
    ]
    sim.enqueue(Plan(tool_calls=calls))
    chunks = stream_chunks(client)
    built: dict[int, dict[str, str]] = {}
    pieces = 0
    for tool_calls in deltas(chunks, "tool_calls"):
        for part in tool_calls or []:
            pieces += 1
            call = built.setdefault(part["index"], {"arguments": ""})
            call.update({k: part[k] for k in ("id", "type") if k in part})
            call["name"] = part["function"].get("name") or call.get("name", "")
            call["arguments"] += part["function"]["arguments"]
    assert [(c["name"], c["arguments"]) for c in built.values()] == [
        (c["name"], c["arguments"]) for c in calls
    ]
    assert all(c["id"].startswith("call_") and len(c["id"]) == 29 for c in built.values())
    assert len({c["id"] for c in built.values()}) == 2
    assert pieces >= 5
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"


def test_non_streaming_reply_is_a_full_completion(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(content="Fine.", reasoning="ok", finish_reason="length"))
    response = client.post(CHAT, json=chat_body(stream=False))
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    data = response.json()
    assert data["id"].startswith("chatcmpl-")
    assert (data["object"], data["model"]) == ("chat.completion", "mimo-v2-pro")
    assert data["choices"] == [
        {
            "index": 0,
            "finish_reason": "length",
            "message": {
                "role": "assistant",
                "content": "Fine.",
                "reasoning_content": "ok",
                "tool_calls": None,
            },
        }
    ]
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + 2


def test_usage_override_and_stream_options_accepted(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(usage={"prompt_tokens": 7}))
    chunks = stream_chunks(client, stream_options={"include_usage": True})
    assert chunks[-1] == {**chunks[-1], "choices": [], "usage": {"prompt_tokens": 7}}


def test_models_lists_the_configured_models(client: httpx.Client) -> None:
    data = client.get("/models").json()
    assert data["object"] == "list"
    assert data["data"][0] == {"id": "mimo-v2-pro", "object": "model", "owned_by": "xiaomi"}
    assert [m["id"] for m in data["data"]][1:] == ["mimo-v2-flash", "mimo-v2-omni", "mimo-v2-tts"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (chat_body(model="mimo-v9"), "Not supported model mimo-v9"),
        ({"model": "mimo-v2-pro"}, "Missing required parameter: messages"),
    ],
)
def test_bad_requests_get_400(client: httpx.Client, body: Any, message: str) -> None:
    response = client.post(CHAT, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_unknown_path_gets_404_json(client: httpx.Client) -> None:
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "404"


def test_requests_are_recorded_and_waited_for(sim: Simulator, client: httpx.Client) -> None:
    assert sim.wait_for_requests(1, timeout=0.01) is False
    client.get("/models", headers={"X-Extra": "1"})
    client.post(CHAT, json=chat_body(stream=False))
    assert sim.wait_for_requests(2, timeout=1.0)
    first, second = sim.requests
    assert (first.method, first.path, first.body) == ("GET", "/v1/models", None)
    assert first.headers["x-extra"] == "1"
    assert second.body == chat_body(stream=False)
    assert second.api_key == KEY


# -- auth ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Authorization": f"Bearer {KEY}"}, 200),
        ({"api-key": KEY}, 200),
        ({"x-api-key": KEY}, 401),
        ({"Authorization": "Bearer sk-wrong"}, 401),
        ({}, 401),
    ],
)
def test_auth_headers(sim: Simulator, headers: dict[str, str], status: int) -> None:
    with httpx.Client(base_url=sim.base_url, headers=headers) as c:
        responses = [c.get("/models"), c.post(CHAT, json=chat_body(stream=False))]
    assert [r.status_code for r in responses] == [status, status]
    if status == 401:
        assert responses[1].content == (
            b'{"error":{"message":"Invalid API Key","param":"Please provide valid API Key",'
            b'"code":"401","type":"invalid_key"}}'
        )


def test_recorded_api_key_prefers_bearer() -> None:
    headers = {"authorization": "Bearer a", "api-key": "b"}
    assert RecordedRequest("GET", "/", headers, None).api_key == "a"
    assert RecordedRequest("GET", "/", {"api-key": "b"}, None).api_key == "b"
    assert RecordedRequest("GET", "/", {"x-api-key": "c"}, None).api_key is None


# -- faults --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (400, "Bad request", "invalid_request_error"),
        (402, "Insufficient balance", "insufficient_balance"),
        (421, "Content filtered", "content_filter"),
        (429, "Too many requests", "limitation"),
        (503, "Service unavailable", "server_error"),
    ],
)
def test_status_plans_answer_mimo_error_bodies(
    sim: Simulator, client: httpx.Client, status: int, message: str, kind: str
) -> None:
    sim.enqueue(Plan(status=status, retry_after="3"))
    response = client.post(CHAT, json=chat_body())
    assert response.status_code == status
    assert response.headers["retry-after"] == "3"
    expected = f'{{"error":{{"code":"{status}","message":"{message}","type":"{kind}"}}}}'
    assert response.text == expected


def test_plans_are_used_fifo_then_default(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(status=500), Plan(status=429, error_body=b"busy"))
    sim.default_plan = Plan(content="default")
    responses = [client.post(CHAT, json=chat_body(stream=False)) for _ in range(3)]
    assert [r.status_code for r in responses] == [500, 429, 200]
    assert "retry-after" not in responses[0].headers
    assert responses[1].content == b"busy"
    assert responses[2].json()["choices"][0]["message"]["content"] == "default"


def test_drop_after_ends_in_an_incomplete_chunked_read(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.enqueue(Plan(drop_after=2))
    lines: list[str] = []
    with (
        pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"),
        client.stream("POST", CHAT, json=chat_body()) as response,
    ):
        lines.extend(line for line in response.iter_lines() if line)
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("plan", "last"),
    [
        (Plan(malformed_after=2), '{"id":<<garbage, not JSON>>'),
        (
            Plan(error_event_after=2),
            '{"error":{"code":"500","message":"Internal error during generation",'
            '"type":"server_error"}}',
        ),
    ],
)
def test_bad_event_after_n_then_response_ends_cleanly(
    sim: Simulator, client: httpx.Client, plan: Plan, last: str
) -> None:
    sim.enqueue(plan)
    payloads = raw_events(client.post(CHAT, json=chat_body()).content)
    assert len(payloads) == 3
    assert json.loads(payloads[1])["choices"][0]["delta"]["content"] == "Echo:"
    assert payloads[2] == last


def test_split_utf8_splits_characters_but_decodes_to_the_same_text(
    sim: Simulator, client: httpx.Client
) -> None:
    text = "你好\uff0c世界 🌍"
    sim.enqueue(Plan(content=text, split_utf8=True))
    with client.stream("POST", CHAT, json=chat_body()) as response:
        pieces = list(response.iter_raw())
    assert max(len(p) for p in pieces) <= 3
    undecodable = 0
    for piece in pieces:
        try:
            piece.decode()
        except UnicodeDecodeError:
            undecodable += 1
    assert undecodable > 0
    chunks = [json.loads(p) for p in raw_events(b"".join(pieces))[:-1]]
    assert "".join(d or "" for d in deltas(chunks, "content")) == text


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_line_endings_frame_the_events(sim: Simulator, client: httpx.Client, ending: str) -> None:
    sim.enqueue(Plan(content="a b", line_ending=ending))
    raw = client.post(CHAT, json=chat_body()).content
    if ending == "\r":
        assert b"\n" not in raw
    assert raw.endswith(f"data: [DONE]{ending}{ending}".encode())
    assert len(raw_events(raw, ending)) == 6  # first, "a", " b", finish, usage, [DONE]


def test_hang_sends_nothing_until_release(
    sim: Simulator, client: httpx.Client, pool: ThreadPoolExecutor
) -> None:
    sim.enqueue(Plan(hang=True))
    future = pool.submit(client.post, CHAT, json=chat_body(stream=False))
    assert sim.wait_for_requests(1)
    done, _ = wait([future], timeout=0.2)
    assert not done
    sim.release()
    response = future.result(timeout=5)
    assert response.json()["choices"][0]["message"]["content"] == "Echo: Hello world"


def test_pause_after_waits_mid_stream_until_release(
    sim: Simulator, client: httpx.Client, pool: ThreadPoolExecutor
) -> None:
    sim.enqueue(Plan(pause_after=2))
    events: queue.Queue[str] = queue.Queue()
    future = pool.submit(read_events_into, client, events)
    assert json.loads(events.get(timeout=5))["choices"][0]["delta"]["role"] == "assistant"
    assert json.loads(events.get(timeout=5))["choices"][0]["delta"]["content"] == "Echo:"
    with pytest.raises(queue.Empty):
        events.get(timeout=0.2)
    sim.release()
    future.result(timeout=5)
    rest = [events.get_nowait() for _ in range(events.qsize())]
    assert rest[-1] == "[DONE]"
    assert len(rest) == 5  # " Hello", " world", finish, usage, [DONE]


def test_tokens_per_second_paces_the_tokens(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(content="one two three four five six seven eight", tokens_per_second=40))
    started = time.monotonic()
    stream_chunks(client)
    assert time.monotonic() - started >= 0.1  # 8 tokens at 40/s: about 0.2 s


def test_stop_while_a_handler_hangs_returns_promptly(
    sim: Simulator, client: httpx.Client, pool: ThreadPoolExecutor
) -> None:
    sim.enqueue(Plan(hang=True))
    future: Future[httpx.Response] = pool.submit(client.post, CHAT, json=chat_body())
    assert sim.wait_for_requests(1)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2.0
    assert isinstance(future.exception(timeout=5), httpx.RemoteProtocolError)
    sim.stop()  # idempotent
    assert not any(t.name.startswith("mimo-sim") for t in threading.enumerate())


def test_cli_serves_until_interrupted() -> None:
    command = [sys.executable, "-m", "tests.sim", "--port", "0", "--key", "sk-cli"]
    cwd = str(Path(__file__).resolve().parents[2])
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        base_url = process.stdout.readline().split()[3]
        try:
            response = httpx.get(f"{base_url}/models", headers={"api-key": "sk-cli"})
            assert response.json()["data"][0]["id"] == "mimo-v2-pro"
        finally:
            process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
