"""AnthropicClient on httpx.MockTransport: URLs, headers, the worker thread, error bodies."""

from __future__ import annotations

import base64
import json
import os
import threading
from typing import Any

import httpx
import pytest

import app.api.client as client_module
from app.api.anthropic_client import ANTHROPIC_VERSION, AnthropicClient
from app.api.client import BIG_STRING, json_bytes
from app.api.errors import AuthError, MimoError, RateLimited, ServerError
from app.api.events import (
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    RetryScheduled,
    StreamEvent,
    TextDelta,
)
from app.api.openai_wire import ChatRequest
from app.api.retry import RetryPolicy

KEY = "sk-TOPSECRET-anthropic-0123456789"
BASE = "https://api.example.test/anthropic"
MESSAGE = {
    "type": "message",
    "content": [{"type": "thinking", "thinking": "why", "signature": "S"},
                {"type": "text", "text": "whole"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 2, "output_tokens": 1},
}  # fmt: skip
STREAM = (
    b'event: message_start\ndata: {"type":"message_start","message":{"usage":'
    b'{"input_tokens":2,"output_tokens":1}}}\n\n'
    b'event: content_block_start\ndata: {"type":"content_block_start","index":0,'
    b'"content_block":{"type":"text","text":""}}\n\n'
    b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
    b'"delta":{"type":"text_delta","text":"ok"}}\n\n'
    b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},'
    b'"usage":{"output_tokens":3}}\n\n'
    b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
)


class Harness:
    """An AnthropicClient whose transport answers from a list and records the requests."""

    def __init__(self, *answers: httpx.Response, base_url: str = BASE) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self._handle))
        self.client = AnthropicClient(
            self.http, base_url=base_url, api_key=KEY, retry=RetryPolicy(rng=lambda: 0.5),
            sleep=self._sleep,
        )  # fmt: skip

    async def _sleep(self, delay: float) -> None:
        self.sleeps.append(delay)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await request.aread()
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    async def collect(self, chat: ChatRequest | None = None) -> list[StreamEvent]:
        return [event async for event in self.client.stream_chat(chat or ask())]

    async def aclose(self) -> None:
        await self.http.aclose()


def ask(**kwargs: Any) -> ChatRequest:
    return ChatRequest("mimo-v2-pro", [{"role": "user", "content": "hi"}], **kwargs)


def sse_response(body: bytes = STREAM) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


@pytest.mark.asyncio
@pytest.mark.parametrize("base_url", [BASE, BASE + "/", BASE + "/v1", BASE + "/v1/"])
async def test_requests_go_to_v1_messages_with_bearer_and_version(base_url: str) -> None:
    h = Harness(sse_response(), base_url=base_url)
    events = await h.collect(ask(thinking=False))
    await h.aclose()
    request = h.requests[0]
    assert str(request.url) == BASE + "/v1/messages"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["anthropic-version"] == ANTHROPIC_VERSION
    assert "x-api-key" not in request.headers
    assert request.headers["accept"] == "text/event-stream"
    body = json.loads(request.content)
    assert body["stream"] is True and body["thinking"] == {"type": "disabled"}
    assert events[0] == TextDelta("ok") and events[1] == Finish("stop")


@pytest.mark.asyncio
async def test_the_body_is_built_and_serialised_off_the_event_loop_thread() -> None:
    threads: list[int] = []

    class Watched(AnthropicClient):
        def _chat_body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
            threads.append(threading.get_ident())
            return super()._chat_body(request, stream=stream)

    h = Harness(sse_response(), httpx.Response(200, json=MESSAGE))
    h.client = Watched(h.http, base_url=BASE, api_key=KEY)
    await h.collect()
    await h.client.complete(ask())
    await h.aclose()
    assert len(threads) == 2 and threading.get_ident() not in threads


@pytest.mark.asyncio
async def test_complete_reads_a_whole_message_and_models_read_the_anthropic_list() -> None:
    models = {"data": [{"id": "mimo-v2-pro", "type": "model", "display_name": "Pro"}],
              "has_more": False}  # fmt: skip
    h = Harness(httpx.Response(200, json=MESSAGE), httpx.Response(200, json=models))
    result = await h.client.complete(ask())
    ids = await h.client.list_models()
    await h.aclose()
    assert (result.content, result.reasoning, result.finish_reason) == ("whole", "why", "stop")
    assert ids == ["mimo-v2-pro"]
    assert json.loads(h.requests[0].content)["stream"] is False
    assert [str(r.url) for r in h.requests] == [BASE + "/v1/messages", BASE + "/v1/models"]
    assert h.requests[1].headers["anthropic-version"] == ANTHROPIC_VERSION


@pytest.mark.asyncio
async def test_a_json_reply_to_a_stream_request_still_gives_events() -> None:
    h = Harness(httpx.Response(200, json=MESSAGE))
    events = await h.collect()
    await h.aclose()
    assert events[:3] == [ReasoningDelta("why"), ReasoningSignature("S"), TextDelta("whole")]
    assert Finish("stop") in events


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        {"type": "error", "error": {"type": "rate_limit_error", "message": "Slow down"}},
        {"error": {"code": "429", "message": "Slow down", "type": "limitation"}},
    ],
    ids=["anthropic", "mimo"],
)
async def test_both_error_shapes_are_typed_by_the_status_and_retried(body: Any) -> None:
    limited = httpx.Response(429, json=body, headers={"retry-after": "3"})
    h = Harness(limited, sse_response())
    events = await h.collect()
    await h.aclose()
    retry = events[0]
    assert isinstance(retry, RetryScheduled) and isinstance(retry.error, RateLimited)
    assert retry.error.message == "Too many requests (429): Slow down"
    assert retry.error.retry_after == 3.0
    assert h.sleeps == [3.0]


@pytest.mark.asyncio
async def test_an_echoed_key_never_reaches_an_error_message() -> None:
    body = {"type": "error", "error": {"type": "authentication_error",
                                       "message": f"invalid x-api-key {KEY}"}}  # fmt: skip
    h = Harness(httpx.Response(401, json=body))
    with pytest.raises(AuthError) as info:
        await h.collect()
    await h.aclose()
    assert KEY not in str(info.value) and KEY not in repr(info.value)
    assert info.value.code == "authentication_error"


@pytest.mark.asyncio
async def test_an_overloaded_529_is_a_server_error() -> None:
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    h = Harness(httpx.Response(529, json=body))
    h.client = AnthropicClient(h.http, base_url=BASE, api_key=KEY, retry=RetryPolicy(0))
    with pytest.raises(MimoError) as info:
        await h.collect()
    await h.aclose()
    assert isinstance(info.value, ServerError) and info.value.status == 529


# -- json_bytes: big strings of any kind are copied in slices --------------------


def raw_base64(size: int) -> str:
    return base64.b64encode(os.urandom(size)).decode()


@pytest.mark.parametrize(
    "value",
    [
        raw_base64(BIG_STRING),
        "x" * BIG_STRING + '"\\\n\x00\x7f tail',
        "水" * BIG_STRING + "\u2028🙂",
    ],
    ids=["raw-base64", "needs-escaping", "non-ascii"],
)
def test_big_strings_are_sliced_and_still_give_the_same_json(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slices: list[int] = []
    original = client_module._json_slice

    def counting(piece: str) -> bytes:
        slices.append(len(piece))
        return original(piece)

    monkeypatch.setattr(client_module, "_json_slice", counting)
    body = {"messages": [{"content": [{"source": {"data": value}}]}], "small": 'a"b'}
    expected = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert json_bytes(body) == expected
    assert sum(slices) == len(value) and max(slices) <= BIG_STRING
