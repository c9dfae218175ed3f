"""MimoClient against the MiMo simulator: real HTTP on 127.0.0.1, every fault switch."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.api.client import ChatRequest, MimoClient
from app.api.errors import (
    AuthError,
    ConnectionFailed,
    MimoError,
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
from tests.sim import Plan, Simulator

KEY = "sk-test"
TIMEOUT = httpx.Timeout(10.0)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,)) as simulator:
        yield simulator


class Recorder:
    """The fake sleep: records each delay and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@asynccontextmanager
async def connect(
    sim: Simulator,
    *,
    key: str = KEY,
    retry: RetryPolicy | None = None,
    timeout: httpx.Timeout = TIMEOUT,
    sleep: Recorder | None = None,
) -> AsyncIterator[MimoClient]:
    async with httpx.AsyncClient(timeout=timeout) as http:
        yield MimoClient(
            http,
            base_url=sim.base_url,
            api_key=key,
            retry=retry or RetryPolicy(rng=lambda: 0.25),
            sleep=sleep or Recorder(),
        )


def ask(text: str = "hello", **kwargs: Any) -> ChatRequest:
    return ChatRequest(model="mimo-v2-pro", messages=[{"role": "user", "content": text}], **kwargs)


async def run(client: MimoClient, request: ChatRequest | None = None) -> list[StreamEvent]:
    return [event async for event in client.stream_chat(request or ask())]


async def run_until_error(
    client: MimoClient, request: ChatRequest | None = None
) -> tuple[list[StreamEvent], MimoError]:
    events: list[StreamEvent] = []
    with pytest.raises(MimoError) as info:
        async for event in client.stream_chat(request or ask()):
            events.append(event)
    return events, info.value


def text_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def chat_requests(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.path.endswith("/chat/completions"))


@pytest.mark.asyncio
async def test_plain_stream_sends_the_body_and_reassembles_the_text(sim: Simulator) -> None:
    sim.enqueue(Plan(content="Hello from the simulator"))
    async with connect(sim) as client:
        events = await run(client, ask(thinking=False, temperature=0.5))
    assert text_of(events) == "Hello from the simulator"
    assert isinstance(events[-2], Finish) and events[-2].reason == "stop"
    body = sim.requests[-1].body
    assert body["stream"] is True
    assert body["model"] == "mimo-v2-pro"
    assert body["thinking"] == {"type": "disabled"}
    assert sim.requests[-1].api_key == KEY


@pytest.mark.asyncio
async def test_reasoning_comes_before_content_and_usage_comes_last(sim: Simulator) -> None:
    usage = {
        "prompt_tokens": 12,
        "completion_tokens": 30,
        "total_tokens": 42,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 20},
    }
    sim.enqueue(Plan(reasoning="First I think hard.", content="Then I answer.", usage=usage))
    async with connect(sim) as client:
        events = await run(client, ask(thinking=True))
    kinds = [type(e) for e in events]
    last_reasoning = max(i for i, k in enumerate(kinds) if k is ReasoningDelta)
    first_text = kinds.index(TextDelta)
    assert last_reasoning < first_text
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "First I think hard."
    assert text_of(events) == "Then I answer."
    assert events[-1] == Usage(12, 30, 42, cached_tokens=4, reasoning_tokens=20)


@pytest.mark.asyncio
async def test_null_prompt_details_in_usage_gives_zero_cached_tokens(sim: Simulator) -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5,
             "prompt_tokens_details": None, "completion_tokens_details": None}  # fmt: skip
    sim.enqueue(Plan(content="ok", usage=usage))
    async with connect(sim) as client:
        events = await run(client)
    assert events[-1] == Usage(3, 2, 5, 0, 0)


@pytest.mark.asyncio
async def test_tool_call_pieces_reassemble_to_the_arguments(sim: Simulator) -> None:
    calls = [{"name": "get_weather", "arguments": '{"city": "Beijing"}'},
             {"name": "get_time", "arguments": '{"tz": "Asia/Shanghai"}'}]  # fmt: skip
    sim.enqueue(Plan(tool_calls=calls))
    async with connect(sim) as client:
        events = await run(client, ask(tools=[{"type": "function", "function": {"name": "f"}}]))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    for index, call in enumerate(calls):
        mine = [d for d in deltas if d.index == index]
        assert mine[0].name == call["name"]
        assert mine[0].id is not None and mine[0].id.startswith("call_")
        assert "".join(d.arguments for d in mine) == call["arguments"]
    assert Finish("tool_calls") in events
    assert text_of(events) == ""
    assert sim.requests[-1].body["tools"][0]["function"]["name"] == "f"


@pytest.mark.asyncio
@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
async def test_each_line_ending_decodes_the_same(sim: Simulator, line_ending: str) -> None:
    sim.enqueue(Plan(reasoning="why not", content="Line endings work", line_ending=line_ending))
    async with connect(sim) as client:
        events = await run(client)
    assert text_of(events) == "Line endings work"
    assert isinstance(events[-1], Usage)


@pytest.mark.asyncio
@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
async def test_tiny_chunks_split_utf8_and_lines_reassemble_exactly(
    sim: Simulator, line_ending: str
) -> None:
    content = "你好\uff0c世界\uff01🙂🎉 Ünïcödé mixed 中文 and emoji 👩\u200d💻 end."
    plan = Plan(reasoning="思考一下🤔", content=content, split_utf8=True, line_ending=line_ending)
    sim.enqueue(plan)
    async with connect(sim) as client:
        events = await run(client)
    assert text_of(events) == content
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "思考一下🤔"
    assert isinstance(events[-1], Usage)


@pytest.mark.asyncio
async def test_paced_tokens_arrive_as_many_deltas(sim: Simulator) -> None:
    content = "one two three four five six seven eight"
    sim.enqueue(Plan(content=content, tokens_per_second=500))
    async with connect(sim) as client:
        events = await run(client)
    assert text_of(events) == content
    assert sum(isinstance(e, TextDelta) for e in events) == len(content.split())


@pytest.mark.asyncio
async def test_429_with_retry_after_is_retried_after_that_delay(sim: Simulator) -> None:
    sim.enqueue(Plan(status=429, retry_after="2"), Plan(content="hi"))
    sleep = Recorder()
    async with connect(sim, sleep=sleep) as client:
        events = await run(client)
    assert isinstance(events[0], RetryScheduled)
    assert events[0].attempt == 1 and events[0].delay == 2.0
    assert isinstance(events[0].error, RateLimited) and events[0].error.retry_after == 2.0
    assert sleep.delays == [2.0]
    assert text_of(events) == "hi"
    assert chat_requests(sim) == 2


@pytest.mark.asyncio
async def test_429_without_retry_after_backs_off_with_jitter(sim: Simulator) -> None:
    sim.enqueue(Plan(status=429), Plan(status=429), Plan(content="hi"))
    sleep = Recorder()
    async with connect(sim, sleep=sleep) as client:
        events = await run(client)
    retries = [e for e in events if isinstance(e, RetryScheduled)]
    assert [(r.attempt, r.delay) for r in retries] == [(1, 0.25), (2, 0.5)]
    assert sleep.delays == [0.25, 0.5]
    assert all(isinstance(r.error, RateLimited) for r in retries)
    assert text_of(events) == "hi"


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors_are_retried_then_succeed(sim: Simulator, status: int) -> None:
    sim.enqueue(Plan(status=status), Plan(content="recovered"))
    async with connect(sim) as client:
        events = await run(client)
    assert isinstance(events[0], RetryScheduled) and isinstance(events[0].error, ServerError)
    assert events[0].error.status == status
    assert text_of(events) == "recovered"


@pytest.mark.asyncio
async def test_exhausted_retries_raise_the_last_error(sim: Simulator) -> None:
    sim.default_plan = Plan(status=503)
    sleep = Recorder()
    async with connect(sim, retry=RetryPolicy(max_retries=2, rng=lambda: 0.0), sleep=sleep) as c:
        events, error = await run_until_error(c)
    assert isinstance(error, ServerError) and error.status == 503
    assert [e.attempt for e in events if isinstance(e, RetryScheduled)] == [1, 2]
    assert chat_requests(sim) == 3


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "error_class"), [(401, AuthError), (402, QuotaError)])
async def test_auth_and_quota_statuses_are_not_retried(
    sim: Simulator, status: int, error_class: type[MimoError]
) -> None:
    sim.enqueue(Plan(status=status))
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert type(error) is error_class
    assert events == []
    assert chat_requests(sim) == 1


@pytest.mark.asyncio
async def test_wrong_key_is_an_auth_error_that_never_shows_the_key(sim: Simulator) -> None:
    wrong = "sk-wrong-key-5f3a9c"
    async with connect(sim, key=wrong) as client:
        _, error = await run_until_error(client)
        with pytest.raises(AuthError) as models_error:
            await client.list_models()
    assert isinstance(error, AuthError)
    assert str(error) == "The API key was rejected (401): Invalid API Key"
    for exc in (error, models_error.value):
        assert wrong not in str(exc) and wrong not in repr(exc)
    assert sim.requests[0].api_key == wrong


@pytest.mark.asyncio
async def test_drop_mid_stream_raises_after_the_partial_text_and_is_not_retried(
    sim: Simulator,
) -> None:
    sim.enqueue(Plan(content="alpha beta gamma delta", drop_after=3))
    sim.default_plan = Plan(content="a retry would see this")
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, ConnectionFailed)
    assert error.message == "The connection dropped in the middle of the reply"
    assert text_of(events) == "alpha beta"
    assert not any(isinstance(e, RetryScheduled) for e in events)
    assert chat_requests(sim) == 1


@pytest.mark.asyncio
async def test_drop_before_the_first_event_is_retried(sim: Simulator) -> None:
    sim.enqueue(Plan(drop_after=0), Plan(content="second try"))
    async with connect(sim) as client:
        events = await run(client)
    assert isinstance(events[0], RetryScheduled)
    assert isinstance(events[0].error, ConnectionFailed)
    assert text_of(events) == "second try"


@pytest.mark.asyncio
async def test_malformed_event_raises_protocol_error(sim: Simulator) -> None:
    sim.enqueue(Plan(content="fine until here", malformed_after=2))
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, ProtocolError)
    assert text_of(events) == "fine"
    assert chat_requests(sim) == 1


@pytest.mark.asyncio
async def test_error_event_raises_stream_error_with_its_message(sim: Simulator) -> None:
    sim.enqueue(Plan(content="some words here", error_event_after=2))
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, StreamError)
    assert error.message == "Internal error during generation"
    assert error.code == "500"
    assert text_of(events) == "some"
    assert chat_requests(sim) == 1


@pytest.mark.asyncio
async def test_hang_with_a_short_read_timeout_raises_timeout(sim: Simulator) -> None:
    sim.enqueue(Plan(hang=True))
    short = httpx.Timeout(5.0, read=0.3)
    async with connect(sim, timeout=short, retry=RetryPolicy(max_retries=0)) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, Timeout)
    assert events == []


@pytest.mark.asyncio
async def test_hang_is_retried_and_the_next_attempt_succeeds(sim: Simulator) -> None:
    sim.enqueue(Plan(hang=True), Plan(content="after the hang"))
    short = httpx.Timeout(5.0, read=0.3)
    async with connect(sim, timeout=short) as client:
        events = await run(client)
    assert isinstance(events[0], RetryScheduled) and isinstance(events[0].error, Timeout)
    assert text_of(events) == "after the hang"


@pytest.mark.asyncio
async def test_cancelling_during_a_paused_stream_propagates(sim: Simulator) -> None:
    sim.enqueue(Plan(content="first second third", pause_after=2))
    got_text = asyncio.Event()
    seen: list[StreamEvent] = []
    async with connect(sim) as client:

        async def consume() -> None:
            async for event in client.stream_chat(ask()):
                seen.append(event)
                if isinstance(event, TextDelta):
                    got_text.set()

        task = asyncio.create_task(consume())
        await got_text.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    sim.release()
    assert text_of(seen) == "first"


@pytest.mark.asyncio
async def test_complete_returns_the_whole_answer(sim: Simulator) -> None:
    sim.enqueue(Plan(status=500), Plan(reasoning="because", content="Whole answer 完整"))
    sleep = Recorder()
    async with connect(sim, sleep=sleep) as client:
        result = await client.complete(ask(max_completion_tokens=100))
    assert result.content == "Whole answer 完整"
    assert result.reasoning == "because"
    assert result.finish_reason == "stop"
    assert result.usage is not None and result.usage.total_tokens > 0
    assert sim.requests[-1].body["stream"] is False
    assert sim.requests[-1].body["max_completion_tokens"] == 100
    assert sleep.delays == [0.25]


@pytest.mark.asyncio
async def test_complete_returns_tool_calls_in_wire_shape(sim: Simulator) -> None:
    sim.enqueue(Plan(tool_calls=[{"name": "lookup", "arguments": '{"q": "mimo"}'}]))
    async with connect(sim) as client:
        result = await client.complete(ask())
    assert result.finish_reason == "tool_calls"
    (call,) = result.tool_calls
    assert call["function"]["name"] == "lookup"
    assert json.loads(call["function"]["arguments"]) == {"q": "mimo"}


@pytest.mark.asyncio
async def test_list_models_returns_the_ids(sim: Simulator) -> None:
    async with connect(sim) as client:
        models = await client.list_models()
    assert models == list(sim.models)
    assert sim.requests[-1].method == "GET"
    assert sim.requests[-1].path == "/v1/models"


@pytest.mark.asyncio
async def test_unknown_model_is_a_bad_request_with_the_servers_message(sim: Simulator) -> None:
    async with connect(sim) as client:
        _, error = await run_until_error(client, ChatRequest(model="mimo-v1", messages=[{}]))
    assert "(400): Not supported model mimo-v1" in error.message
