"""AnthropicClient against the simulator's /anthropic endpoint: real HTTP, every fault."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.api.anthropic_client import AnthropicClient
from app.api.client import MimoClient
from app.api.content_parts import MediaPart, VideoOptions, openai_content
from app.api.errors import (
    AuthError,
    BadRequest,
    ConnectionFailed,
    MimoError,
    ProtocolError,
    RateLimited,
    ServerError,
    StreamError,
    Timeout,
)
from app.api.events import (
    Finish,
    ReasoningDelta,
    ReasoningSignature,
    RetryScheduled,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from app.api.openai_wire import ChatRequest
from app.api.retry import RetryPolicy
from tests.media_samples import audio, iso_media, png
from tests.sim import Plan, Simulator

KEY = "sk-test"
MESSAGES = "/anthropic/v1/messages"


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
    sim: Simulator, *, key: str = KEY, sleep: Recorder | None = None, retries: int = 4
) -> AsyncIterator[AnthropicClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        yield AnthropicClient(
            http,
            base_url=sim.anthropic_url,
            api_key=key,
            retry=RetryPolicy(max_retries=retries, rng=lambda: 0.25),
            sleep=sleep or Recorder(),
        )


def ask(text: str = "hello", **kwargs: Any) -> ChatRequest:
    return ChatRequest("mimo-v2-pro", [{"role": "user", "content": text}], **kwargs)


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


def message_requests(sim: Simulator) -> int:
    return sum(1 for r in sim.requests if r.path == MESSAGES)


@pytest.mark.asyncio
async def test_text_stream_reaches_the_messages_endpoint_and_reassembles(sim: Simulator) -> None:
    sim.enqueue(Plan(content="Hello from the Anthropic side"))
    async with connect(sim) as client:
        events = await run(client, ask(thinking=False, temperature=0.5))
    assert text_of(events) == "Hello from the Anthropic side"
    assert events[-2:] == [Finish("stop"), events[-1]] and isinstance(events[-1], Usage)
    recorded = sim.requests[-1]
    assert recorded.path == MESSAGES
    assert recorded.headers["authorization"] == f"Bearer {KEY}"
    assert "x-api-key" not in recorded.headers
    assert recorded.body["thinking"] == {"type": "disabled"}
    assert recorded.body["max_tokens"] > 0


@pytest.mark.asyncio
async def test_reasoning_then_signature_then_text_and_usage_with_cache(sim: Simulator) -> None:
    usage = {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42,
             "prompt_tokens_details": {"cached_tokens": 4}}  # fmt: skip
    sim.enqueue(Plan(reasoning="First I think hard.", content="Then I answer.", usage=usage))
    async with connect(sim) as client:
        events = await run(client, ask(thinking=True))
    reasoning = [e for e in events if isinstance(e, ReasoningDelta)]
    assert "".join(e.text for e in reasoning) == "First I think hard." and len(reasoning) > 1
    kinds = [type(e) for e in events]
    signature = kinds.index(ReasoningSignature)
    assert kinds.index(ReasoningDelta) < signature < kinds.index(TextDelta)
    assert text_of(events) == "Then I answer."
    assert events[-1] == Usage(12, 30, 42, cached_tokens=4)


@pytest.mark.asyncio
async def test_parallel_tool_calls_arrive_in_many_pieces_and_reassemble(sim: Simulator) -> None:
    calls = [{"name": "get_weather", "arguments": '{"city": "Beijing", "unit": "celsius"}'},
             {"name": "get_time", "arguments": '{"tz": "Asia/Shanghai"}'}]  # fmt: skip
    tools = [{"type": "function", "function": {"name": c["name"], "parameters": {}}} for c in calls]
    sim.enqueue(Plan(tool_calls=calls))
    async with connect(sim) as client:
        events = await run(client, ask(tools=tools))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    for index, call in enumerate(calls):
        mine = [d for d in deltas if d.index == index]
        assert mine[0].name == call["name"] and (mine[0].id or "").startswith("call_")
        assert len(mine) >= 4
        assert "".join(d.arguments for d in mine) == call["arguments"]
    assert Finish("tool_calls") in events and text_of(events) == ""
    assert sim.requests[-1].body["tools"][0] == {"name": "get_weather", "input_schema": {}}


@pytest.mark.asyncio
async def test_a_tool_round_trip_history_is_accepted(sim: Simulator) -> None:
    call = {"id": "call_1", "type": "function",
            "function": {"name": "f", "arguments": '{"x": 1}'}}  # fmt: skip
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "use f"},
        {"role": "assistant", "content": "", "reasoning_content": "ok", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    ]
    sim.enqueue(Plan(content="The answer is 42."))
    async with connect(sim) as client:
        events = await run(client, ChatRequest("mimo-v2-pro", history, thinking=True))
    assert text_of(events) == "The answer is 42."


@pytest.mark.asyncio
async def test_429_then_success_announces_the_retry(sim: Simulator) -> None:
    sim.enqueue(Plan(status=429, retry_after="2"), Plan(content="hi"))
    sleep = Recorder()
    async with connect(sim, sleep=sleep) as client:
        events = await run(client)
    first = events[0]
    assert isinstance(first, RetryScheduled) and (first.attempt, first.delay) == (1, 2.0)
    assert isinstance(first.error, RateLimited)
    assert first.error.message == "Too many requests (429): Too many requests"
    assert first.error.code == "rate_limit_error"
    assert sleep.delays == [2.0]
    assert text_of(events) == "hi"
    assert message_requests(sim) == 2


@pytest.mark.asyncio
async def test_exhausted_retries_raise_the_server_error(sim: Simulator) -> None:
    sim.default_plan = Plan(status=503)
    async with connect(sim, retries=1) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, ServerError) and error.status == 503
    assert [type(e) for e in events] == [RetryScheduled]


@pytest.mark.asyncio
async def test_a_wrong_key_is_an_auth_error_without_the_key(sim: Simulator) -> None:
    wrong = "sk-wrong-anthropic-77"
    async with connect(sim, key=wrong) as client:
        events, error = await run_until_error(client)
        with pytest.raises(AuthError) as models_error:
            await client.list_models()
    assert isinstance(error, AuthError) and events == []
    assert str(error) == "The API key was rejected (401): Invalid API Key"
    for exc in (error, models_error.value):
        assert wrong not in str(exc) and wrong not in repr(exc)
    assert message_requests(sim) == 1


@pytest.mark.asyncio
async def test_drop_mid_stream_keeps_the_partial_events_and_is_not_retried(
    sim: Simulator,
) -> None:
    # Events: message_start, block start, "alpha", " beta", then the drop.
    sim.enqueue(Plan(content="alpha beta gamma delta", drop_after=4))
    sim.default_plan = Plan(content="a retry would see this")
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, ConnectionFailed)
    assert error.message == "The connection dropped in the middle of the reply"
    assert events == [TextDelta("alpha"), TextDelta(" beta")]
    assert message_requests(sim) == 1


@pytest.mark.asyncio
async def test_malformed_event_raises_protocol_error(sim: Simulator) -> None:
    sim.enqueue(Plan(content="fine until here", malformed_after=3))
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, ProtocolError)
    assert text_of(events) == "fine"


@pytest.mark.asyncio
async def test_error_event_raises_stream_error_with_its_message(sim: Simulator) -> None:
    sim.enqueue(Plan(content="some words here", error_event_after=3))
    async with connect(sim) as client:
        events, error = await run_until_error(client)
    assert isinstance(error, StreamError)
    assert error.message == "Internal error during generation"
    assert error.code == "api_error"
    assert text_of(events) == "some"
    assert message_requests(sim) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
async def test_tiny_chunks_split_utf8_with_each_line_ending(
    sim: Simulator, line_ending: str
) -> None:
    content = "你好\uff0c世界\uff01🙂🎉 Ünïcödé 中文 👩\u200d💻 end."
    plan = Plan(reasoning="思考一下🤔", content=content, split_utf8=True, line_ending=line_ending,
                ping_after=2)  # fmt: skip
    sim.enqueue(plan)
    async with connect(sim) as client:
        events = await run(client)
    assert text_of(events) == content
    assert "".join(e.text for e in events if isinstance(e, ReasoningDelta)) == "思考一下🤔"
    assert isinstance(events[-1], Usage)


@pytest.mark.asyncio
async def test_complete_returns_the_whole_answer_with_wire_shaped_tool_calls(
    sim: Simulator,
) -> None:
    plan = Plan(reasoning="because", tool_calls=[{"name": "lookup", "arguments": '{"q": "水"}'}])
    sim.enqueue(Plan(status=500), plan)
    async with connect(sim) as client:
        result = await client.complete(ask(max_completion_tokens=100))
    assert (result.reasoning, result.finish_reason) == ("because", "tool_calls")
    (call,) = result.tool_calls
    assert call["type"] == "function" and call["function"]["name"] == "lookup"
    assert json.loads(call["function"]["arguments"]) == {"q": "水"}
    assert sim.requests[-1].body["stream"] is False
    assert sim.requests[-1].body["max_tokens"] == 100


@pytest.mark.asyncio
async def test_list_models_reads_the_anthropic_list(sim: Simulator) -> None:
    async with connect(sim) as client:
        assert await client.list_models() == list(sim.models)
    assert sim.requests[-1].path == "/anthropic/v1/models"


@pytest.mark.asyncio
async def test_an_unknown_model_is_a_bad_request_with_the_servers_message(
    sim: Simulator,
) -> None:
    unknown = ChatRequest("mimo-v1", [{"role": "user", "content": "x"}])
    async with connect(sim) as client:
        _, error = await run_until_error(client, unknown)
    assert isinstance(error, BadRequest)
    assert "(400): Not supported model mimo-v1" in error.message


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


@pytest.mark.asyncio
async def test_image_audio_and_video_reach_the_sim_as_they_reach_the_openai_path(
    sim: Simulator,
) -> None:
    image, sound, video = png(6, 5), audio("WAV"), iso_media()
    parts = [
        MediaPart("image", data_url("image/png", image)),
        MediaPart("audio", data_url("audio/wav", sound)),
        MediaPart("video", data_url("video/mp4", video), VideoOptions(2, "max")),
    ]
    content = openai_content("What are these?", parts)
    request = ChatRequest("mimo-v2-omni", [{"role": "user", "content": content}])
    async with connect(sim) as client:
        anthropic_text = text_of(await run(client, request))
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        openai = MimoClient(http, base_url=sim.base_url, api_key=KEY)
        openai_text = text_of(await run(openai, request))
    lines = anthropic_text.split("\n")
    assert lines[0] == "Echo: What are these?"
    assert lines[1].startswith("image/png 6x5 ") and lines[2].startswith("audio/wav 1.50 s ")
    assert lines[3].startswith("video/mp4 3.00 s 640x480 ")
    assert lines[3].endswith(" fps=2 media_resolution=max")
    assert anthropic_text == openai_text
    blocks = next(r for r in sim.requests if r.path == MESSAGES).body["messages"][0]["content"]
    assert [(b["type"], b.get("source", {}).get("media_type")) for b in blocks] == [
        ("image", "image/png"), ("audio", "audio/wav"), ("video", "video/mp4"), ("text", None)
    ]  # fmt: skip
    assert base64.b64decode(blocks[2]["source"]["data"]) == video


@pytest.mark.asyncio
async def test_a_hang_times_out_and_the_retry_succeeds(sim: Simulator) -> None:
    sim.enqueue(Plan(hang=True), Plan(content="after the hang"))
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0, read=0.3)) as http:
        client = AnthropicClient(
            http, base_url=sim.anthropic_url, api_key=KEY, sleep=Recorder(),
            retry=RetryPolicy(rng=lambda: 0.0),
        )  # fmt: skip
        events = await run(client)
    assert isinstance(events[0], RetryScheduled) and isinstance(events[0].error, Timeout)
    assert text_of(events) == "after the hang"


@pytest.mark.asyncio
async def test_paced_tokens_arrive_one_delta_each(sim: Simulator) -> None:
    content = "one two three four five six seven eight"
    sim.enqueue(Plan(content=content, tokens_per_second=500))
    async with connect(sim) as client:
        events = await run(client)
    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        "one", " two", " three", " four", " five", " six", " seven", " eight"
    ]  # fmt: skip
