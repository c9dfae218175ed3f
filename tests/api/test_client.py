"""MimoClient against httpx.MockTransport: bodies, events, errors, retries, cleanup."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import httpx
import pytest

from app.api.client import INCOMPLETE_REPLY, ChatRequest, MimoClient
from app.api.errors import (
    APIStatusError,
    AuthError,
    BadRequest,
    Conflict,
    ConnectionFailed,
    ContentFiltered,
    MimoError,
    NotFound,
    ProtocolError,
    QuotaError,
    RateLimited,
    ServerError,
    StreamError,
    Timeout,
)
from app.api.events import (
    Finish,
    ReasoningDelta,
    RetryScheduled,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from app.api.retry import RetryPolicy

KEY = "sk-TOPSECRET-0123456789abcdef"
BASE = "https://api.example.test/v1"
Handler = Callable[[httpx.Request], Any]


class ChunkStream(httpx.AsyncByteStream):
    """A response body sent in the given chunks, then optionally failing or stalling."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        fail: Exception | None = None,
        stall: asyncio.Event | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self.fail = fail
        self.stall = stall
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.stall is not None:
            self.stall.set()
            await asyncio.Event().wait()
        if self.fail is not None:
            raise self.fail

    async def aclose(self) -> None:
        self.closed = True


def chunk(
    *,
    content: str | None = None,
    reasoning: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish: str | None = None,
) -> dict[str, Any]:
    delta = {
        "content": content,
        "role": "assistant",
        "tool_calls": tool_calls,
        "reasoning_content": reasoning,
    }
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [choice], "usage": None}


USAGE = {
    "prompt_tokens": 10,
    "completion_tokens": 5,
    "total_tokens": 15,
    "prompt_tokens_details": None,
    "completion_tokens_details": {"reasoning_tokens": 3},
}


def sse(*payloads: Any, done: bool = True) -> bytes:
    lines = [f"data: {json.dumps(p, ensure_ascii=False)}\n\n" for p in payloads]
    if done:
        lines.append("data: [DONE]\n\n")
    return "".join(lines).encode()


def reply(**kwargs: Any) -> list[dict[str, Any]]:
    """The MiMo chunk sequence: empty first chunk, pieces, finish, usage."""
    text = kwargs.get("content", "Hello")
    return [
        chunk(content=""),
        *[chunk(reasoning=r) for r in kwargs.get("reasoning", [])],
        *[chunk(content=c) for c in ([text[:2], text[2:]] if text else [])],
        chunk(content="", finish="stop"),
        {"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": USAGE},
    ]


def streaming(*payloads: Any, done: bool = True) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=sse(*payloads, done=done)
    )


def error_response(status: int, message: str = "nope", **headers: str) -> httpx.Response:
    body = {"error": {"code": str(status), "message": message, "type": "x"}}
    return httpx.Response(status, json=body, headers=headers)


class Harness:
    """A client on a MockTransport that answers from a list of responses or callables."""

    def __init__(self, *answers: Any, retry: RetryPolicy | None = None) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self._handle))
        self.client = MimoClient(
            self.http,
            base_url=BASE + "/",
            api_key=KEY,
            retry=retry or RetryPolicy(rng=lambda: 0.5),
            sleep=self._sleep,
        )

    async def _sleep(self, delay: float) -> None:
        self.sleeps.append(delay)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        await request.aread()
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            answer = answer(request)
        assert isinstance(answer, httpx.Response)
        return answer

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    async def collect(self, request: ChatRequest | None = None) -> list[StreamEvent]:
        return [e async for e in self.client.stream_chat(request or simple())]

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()


def simple(**kwargs: Any) -> ChatRequest:
    return ChatRequest(
        model="mimo-v2-flash", messages=[{"role": "user", "content": "hi"}], **kwargs
    )


async def failure_of(harness: Harness) -> MimoError:
    with pytest.raises(MimoError) as info:
        await harness.collect()
    return info.value


@pytest.mark.asyncio
async def test_stream_request_body_headers_and_url() -> None:
    async with Harness(streaming(*reply())) as h:
        await h.collect(simple(thinking=True, temperature=0.3, extra={"top_p": 0.5}))
    request = h.requests[0]
    assert str(request.url) == BASE + "/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["accept"] == "text/event-stream"
    body = h.body()
    assert body["model"] == "mimo-v2-flash"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert body["stream"] is True
    assert body["thinking"] == {"type": "enabled"}
    assert body["temperature"] == 0.3
    assert body["top_p"] == 0.5
    assert "max_completion_tokens" not in body and "tools" not in body


@pytest.mark.asyncio
@pytest.mark.parametrize(("thinking", "expected"), [(False, {"type": "disabled"}), (None, None)])
async def test_thinking_disabled_or_omitted(thinking: bool | None, expected: Any) -> None:
    async with Harness(streaming(*reply())) as h:
        await h.collect(simple(thinking=thinking, max_completion_tokens=64))
    assert h.body().get("thinking") == expected
    assert h.body()["max_completion_tokens"] == 64


@pytest.mark.asyncio
async def test_stream_yields_reasoning_then_text_then_finish_and_usage() -> None:
    async with Harness(streaming(*reply(reasoning=["Let me ", "think"], content="Hello"))) as h:
        events = await h.collect()
    assert events == [
        ReasoningDelta("Let me "),
        ReasoningDelta("think"),
        TextDelta("He"),
        TextDelta("llo"),
        Finish("stop"),
        Usage(prompt_tokens=10, completion_tokens=5, total_tokens=15, reasoning_tokens=3),
    ]


@pytest.mark.asyncio
async def test_usage_reads_cached_tokens_from_prompt_details() -> None:
    usage = {**USAGE, "prompt_tokens_details": {"cached_tokens": 8}}
    last = {"choices": [], "usage": usage}
    async with Harness(streaming(chunk(content="x", finish="stop"), last)) as h:
        events = await h.collect()
    assert events[-1] == Usage(10, 5, 15, cached_tokens=8, reasoning_tokens=3)


@pytest.mark.asyncio
async def test_tool_call_pieces_become_tool_call_deltas() -> None:
    first = {"index": 0, "id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": ""}}  # fmt: skip
    second = {"index": 0, "id": None, "function": {"name": None, "arguments": '{"city":'}}
    third = {"index": 1, "id": "call_2", "function": {"name": "now", "arguments": "{}"}}
    payloads = [
        chunk(content=""),
        chunk(tool_calls=[first]),
        chunk(tool_calls=[second]),
        chunk(tool_calls=[{"index": 0, "function": {"arguments": ""}}]),
        chunk(tool_calls=[third]),
        chunk(finish="tool_calls"),
    ]
    async with Harness(streaming(*payloads)) as h:
        events = await h.collect()
    assert events == [
        ToolCallDelta(0, "call_1", "get_weather", ""),
        ToolCallDelta(0, None, None, '{"city":'),
        ToolCallDelta(1, "call_2", "now", "{}"),
        Finish("tool_calls"),
    ]


@pytest.mark.asyncio
async def test_stream_stops_at_done_and_ignores_what_follows() -> None:
    body = sse(chunk(content="a")) + b"data: {not json\n\n"
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    async with Harness(response) as h:
        assert await h.collect() == [TextDelta("a")]


@pytest.mark.asyncio
async def test_stream_ending_without_done_or_finish_is_an_incomplete_reply() -> None:
    async with Harness(streaming(chunk(content="partial"), done=False)) as h:
        events: list[StreamEvent] = []
        with pytest.raises(ConnectionFailed, match=INCOMPLETE_REPLY):
            async for event in h.client.stream_chat(simple()):
                events.append(event)
    assert events == [TextDelta("partial")]
    assert len(h.requests) == 1


@pytest.mark.asyncio
async def test_stream_with_finish_but_without_done_ends_quietly() -> None:
    async with Harness(streaming(chunk(content="ok", finish="stop"), done=False)) as h:
        assert await h.collect() == [TextDelta("ok"), Finish("stop")]


@pytest.mark.asyncio
async def test_error_payload_inside_the_stream_raises_stream_error() -> None:
    bad = {"error": {"code": "500", "message": "Generation failed", "type": "server_error"}}
    async with Harness(streaming(chunk(content="a"), bad)) as h:
        error = await failure_of(h)
    assert isinstance(error, StreamError)
    assert error.message == "Generation failed"
    assert len(h.requests) == 1


@pytest.mark.asyncio
async def test_invalid_json_in_a_data_line_raises_protocol_error() -> None:
    response = httpx.Response(200, content=b'data: {"choices": [\n\n')
    async with Harness(response) as h:
        assert isinstance(await failure_of(h), ProtocolError)


@pytest.mark.asyncio
async def test_server_that_ignores_stream_true_still_gives_events() -> None:
    body = {
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"content": "whole", "reasoning_content": "why"}}],
        "usage": USAGE,
    }  # fmt: skip
    async with Harness(httpx.Response(200, json=body)) as h:
        events = await h.collect()
    assert events == [
        ReasoningDelta("why"),
        TextDelta("whole"),
        Finish("stop"),
        Usage(10, 5, 15, 0, 3),
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequest),
        (401, AuthError),
        (402, QuotaError),
        (403, AuthError),
        (404, NotFound),
        (408, Conflict),
        (409, Conflict),
        (421, ContentFiltered),
        (429, RateLimited),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
    ],
)
async def test_each_error_status_maps_to_its_error_class(
    status: int, error_class: type[APIStatusError]
) -> None:
    async with Harness(error_response(status, "Server says no"), retry=RetryPolicy(0)) as h:
        error = await failure_of(h)
    assert type(error) is error_class
    assert isinstance(error, APIStatusError)
    assert error.status == status
    assert error.code == str(status)
    assert f"({status}): Server says no" in error.message


@pytest.mark.asyncio
async def test_401_message_is_written_for_the_user() -> None:
    async with Harness(error_response(401, "Invalid API Key")) as h:
        error = await failure_of(h)
    assert str(error) == "The API key was rejected (401): Invalid API Key"


@pytest.mark.asyncio
async def test_unwrapped_error_body_is_understood() -> None:
    body = {"type": "server_error", "message": "Upstream overloaded"}
    async with Harness(httpx.Response(500, json=body), retry=RetryPolicy(0)) as h:
        error = await failure_of(h)
    assert isinstance(error, ServerError)
    assert error.message == "The server had a problem (500): Upstream overloaded"
    assert error.code == "server_error"


@pytest.mark.asyncio
async def test_non_json_error_body_gives_a_generic_message_with_the_status() -> None:
    html = httpx.Response(502, text="<html><body>Bad Gateway</body></html>")
    async with Harness(html, retry=RetryPolicy(0)) as h:
        error = await failure_of(h)
    assert isinstance(error, ServerError)
    assert error.message == "The server had a problem (502)"


@pytest.mark.asyncio
async def test_retries_are_announced_then_the_reply_arrives() -> None:
    answers = [
        error_response(429, "slow down", **{"retry-after": "2"}),
        error_response(503),
        error_response(429),
        streaming(*reply(content="ok")),
    ]
    async with Harness(*answers, retry=RetryPolicy(rng=lambda: 0.5, base_delay=1.0)) as h:
        events = await h.collect()
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert [(r.attempt, r.delay, type(r.error)) for r in retries] == [
        (1, 2.0, RateLimited),
        (2, 1.0, ServerError),  # 0.5 * 1 * 2**1
        (3, 2.0, RateLimited),  # 0.5 * 1 * 2**2
    ]
    assert h.sleeps == [2.0, 1.0, 2.0]
    assert events[len(retries) :][:2] == [TextDelta("ok"), Finish("stop")]
    assert len(h.requests) == 4


@pytest.mark.asyncio
async def test_retry_event_comes_before_the_sleep() -> None:
    async with Harness(error_response(503), streaming(*reply())) as h:
        stream = h.client.stream_chat(simple())
        first = await anext(stream)
        assert isinstance(first, RetryScheduled)
        assert h.sleeps == []
        await anext(stream)
        assert h.sleeps == [first.delay]
        await stream.aclose()


@pytest.mark.asyncio
async def test_exhausted_retries_raise_the_last_error() -> None:
    async with Harness(error_response(503, "down"), retry=RetryPolicy(max_retries=2)) as h:
        error = await failure_of(h)
    assert isinstance(error, ServerError)
    assert len(h.requests) == 3
    assert len(h.sleeps) == 2


@pytest.mark.asyncio
async def test_non_retryable_status_is_raised_at_once() -> None:
    async with Harness(error_response(402), streaming(*reply())) as h:
        assert isinstance(await failure_of(h), QuotaError)
    assert len(h.requests) == 1 and h.sleeps == []


@pytest.mark.asyncio
async def test_connect_error_is_retried_as_connection_failed() -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    async with Harness(refused, streaming(*reply(content="ok"))) as h:
        events = await h.collect()
    assert isinstance(events[0], RetryScheduled)
    assert isinstance(events[0].error, ConnectionFailed)
    assert TextDelta("ok") in events


@pytest.mark.asyncio
async def test_timeout_before_the_reply_maps_to_timeout() -> None:
    async with Harness(httpx.ReadTimeout("timed out"), retry=RetryPolicy(0)) as h:
        error = await failure_of(h)
    assert isinstance(error, Timeout)
    assert isinstance(error.__cause__, httpx.ReadTimeout)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "exc", [httpx.RemoteProtocolError("peer closed"), httpx.ReadError("reset")]
)
async def test_drop_after_the_reply_began_is_raised_and_not_retried(exc: Exception) -> None:
    body = ChunkStream([sse(chunk(content=""), chunk(content="par"), done=False)], fail=exc)
    async with Harness(httpx.Response(200, stream=body), streaming(*reply())) as h:
        events: list[StreamEvent] = []
        with pytest.raises(ConnectionFailed) as info:
            async for event in h.client.stream_chat(simple()):
                events.append(event)
    assert events == [TextDelta("par")]
    assert info.value.message == "The connection dropped in the middle of the reply"
    assert len(h.requests) == 1 and h.sleeps == []
    assert body.closed


@pytest.mark.asyncio
async def test_drop_before_any_body_byte_is_retried() -> None:
    body = ChunkStream([], fail=httpx.RemoteProtocolError("peer closed"))
    async with Harness(httpx.Response(200, stream=body), streaming(*reply(content="ok"))) as h:
        events = await h.collect()
    assert isinstance(events[0], RetryScheduled)
    assert TextDelta("ok") in events


@pytest.mark.asyncio
async def test_api_key_appears_in_no_error_text() -> None:
    echo = {"error": {"message": f"Invalid API Key {KEY}", "code": "401"}}
    stream_echo = {"error": {"message": f"key {KEY} revoked"}}
    cases: list[Any] = [
        httpx.Response(401, json=echo),
        httpx.Response(500, text=f"bad key {KEY}"),
        streaming(chunk(content="a"), stream_echo),
        httpx.ConnectError(f"cannot connect with {KEY}"),
    ]
    for case in cases:
        async with Harness(case, retry=RetryPolicy(max_retries=1)) as h:
            events: list[StreamEvent] = []
            with pytest.raises(MimoError) as info:
                async for event in h.client.stream_chat(simple()):
                    events.append(event)
        texts = [str(info.value), repr(info.value), info.value.message]
        texts += [repr(e) for e in events]
        assert not [text for text in texts if KEY in text], case


@pytest.mark.asyncio
async def test_complete_sends_stream_false_and_returns_the_whole_answer() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = {
        "choices": [{"index": 0, "finish_reason": "tool_calls",
                     "message": {"role": "assistant", "content": "", "reasoning_content": "r",
                                 "tool_calls": [call]}}],
        "usage": USAGE,
    }  # fmt: skip
    async with Harness(error_response(500), httpx.Response(200, json=body)) as h:
        result = await h.client.complete(simple(tools=[{"type": "function"}]))
    assert h.body()["stream"] is False and "stream_options" not in h.body()
    assert h.body()["tools"] == [{"type": "function"}]
    assert h.requests[-1].headers["accept"] == "application/json"
    assert (result.content, result.reasoning, result.finish_reason) == ("", "r", "tool_calls")
    assert result.tool_calls == [call]
    assert result.usage == Usage(10, 5, 15, 0, 3)
    assert h.sleeps == [0.5]


@pytest.mark.asyncio
async def test_complete_with_error_in_a_200_body_raises_the_typed_error() -> None:
    body = {"error": {"code": "429", "message": "Too many requests"}}
    async with Harness(httpx.Response(200, json=body)) as h:
        with pytest.raises(RateLimited):
            await h.client.complete(simple())


@pytest.mark.asyncio
async def test_list_models_returns_ids_and_is_retried() -> None:
    models = {"object": "list", "data": [{"id": "mimo-v2-pro"}, {"id": "mimo-v2-flash"}]}
    async with Harness(error_response(503), httpx.Response(200, json=models)) as h:
        assert await h.client.list_models() == ["mimo-v2-pro", "mimo-v2-flash"]
    assert [r.method for r in h.requests] == ["GET", "GET"]
    assert str(h.requests[-1].url) == BASE + "/models"
    assert h.sleeps == [0.5]


@pytest.mark.asyncio
async def test_cancelling_the_consumer_mid_stream_closes_the_response() -> None:
    started = asyncio.Event()
    body = ChunkStream([sse(chunk(content="a"), done=False)], stall=started)
    async with Harness(httpx.Response(200, stream=body)) as h:
        seen: list[StreamEvent] = []

        async def consume() -> None:
            async for event in h.client.stream_chat(simple()):
                seen.append(event)

        task = asyncio.create_task(consume())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert seen == [TextDelta("a")]
    assert body.closed


@pytest.mark.asyncio
async def test_cancelling_during_the_backoff_sleep_propagates() -> None:
    sleeping = asyncio.Event()

    async def endless_sleep(delay: float) -> None:
        sleeping.set()
        await asyncio.Event().wait()

    async with Harness(error_response(503)) as h:
        h.client = MimoClient(h.http, base_url=BASE, api_key=KEY, sleep=endless_sleep)
        task = asyncio.create_task(h.collect())
        await sleeping.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert len(h.requests) == 1


@pytest.mark.asyncio
async def test_breaking_out_of_the_stream_closes_the_response() -> None:
    body = ChunkStream([sse(chunk(content="a"), chunk(content="b"))])
    async with Harness(httpx.Response(200, stream=body)) as h:
        stream = h.client.stream_chat(simple())
        assert await anext(stream) == TextDelta("a")
        await stream.aclose()
    assert body.closed
