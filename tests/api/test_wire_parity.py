"""The same Plan through both wire formats gives the same events: the UI cannot tell.

Each client talks to its own simulator so that both replies are request number 1 (the
simulator derives tool call ids from that number). Two differences are inherent to the
Anthropic-compatible format and normalised away, each checked on its own:
:class:`ReasoningSignature` exists only there, and its usage reports no reasoning tokens.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.api.anthropic_client import AnthropicClient
from app.api.client import MimoClient
from app.api.events import (
    ReasoningDelta,
    ReasoningSignature,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from app.api.openai_wire import ChatRequest
from tests.sim import Plan, Simulator

KEY = "sk-test"
CALLS = [
    {"name": "get_weather", "arguments": '{"city": "Beijing", "unit": "celsius"}'},
    {"name": "get_time", "arguments": '{"tz": "Asia/Shanghai"}'},
]
USAGE = {
    "prompt_tokens": 40,
    "completion_tokens": 25,
    "total_tokens": 65,
    "prompt_tokens_details": {"cached_tokens": 16},
    "completion_tokens_details": {"reasoning_tokens": 9},
}
TOOLS = [{"type": "function", "function": {"name": c["name"], "parameters": {}}} for c in CALLS]


def plan(usage: dict[str, Any] | None) -> Plan:
    return Plan(
        reasoning="The user wants weather and time; two tools at once.",
        content="Let me check both.",
        tool_calls=CALLS,
        usage=usage,
    )


@asynccontextmanager
async def client_on_own_sim(wire: str, usage: dict[str, Any] | None) -> AsyncIterator[MimoClient]:
    with Simulator(api_keys=(KEY,)) as sim:
        sim.enqueue(plan(usage))
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
            if wire == "anthropic":
                yield AnthropicClient(http, base_url=sim.anthropic_url, api_key=KEY)
            else:
                yield MimoClient(http, base_url=sim.base_url, api_key=KEY)


async def events_of(wire: str, usage: dict[str, Any] | None) -> list[StreamEvent]:
    request = ChatRequest(
        "mimo-v2-pro",
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Beijing?"}],
        thinking=True,
        tools=TOOLS,
    )
    async with client_on_own_sim(wire, usage) as client:
        return [event async for event in client.stream_chat(request)]


def normalised(events: list[StreamEvent]) -> list[Any]:
    """Consecutive text/reasoning joined, tool calls assembled at their first piece."""
    out: list[Any] = []
    calls: dict[int, dict[str, Any]] = {}
    for event in events:
        if isinstance(event, ReasoningSignature):
            continue
        if isinstance(event, Usage):
            event = dataclasses.replace(event, reasoning_tokens=0)
        if isinstance(event, ToolCallDelta):
            if event.index not in calls:
                calls[event.index] = {"index": event.index, "id": None, "name": None, "args": ""}
                out.append(calls[event.index])
            call = calls[event.index]
            call["id"] = call["id"] or event.id
            call["name"] = call["name"] or event.name
            call["args"] += event.arguments
        elif isinstance(event, TextDelta | ReasoningDelta) and out and type(out[-1]) is type(event):
            out[-1] = type(event)(out[-1].text + event.text)
        else:
            out.append(event)
    return out


@pytest.mark.asyncio
@pytest.mark.parametrize("usage", [USAGE, None], ids=["plan-usage", "simulated-usage"])
async def test_both_wires_give_the_same_events(usage: dict[str, Any] | None) -> None:
    openai = await events_of("openai", usage)
    anthropic = await events_of("anthropic", usage)
    expected = normalised(openai)
    assert [type(e).__name__ if not isinstance(e, dict) else "call" for e in expected] == [
        "ReasoningDelta", "TextDelta", "call", "call", "Finish", "Usage"
    ]  # fmt: skip
    assert [c["args"] for c in expected if isinstance(c, dict)] == [c["arguments"] for c in CALLS]
    assert normalised(anthropic) == expected


@pytest.mark.asyncio
async def test_the_differences_normalised_away_are_the_documented_ones() -> None:
    openai = await events_of("openai", USAGE)
    anthropic = await events_of("anthropic", USAGE)
    assert not any(isinstance(e, ReasoningSignature) for e in openai)
    assert sum(isinstance(e, ReasoningSignature) for e in anthropic) == 1
    assert openai[-1] == Usage(40, 25, 65, cached_tokens=16, reasoning_tokens=9)
    assert anthropic[-1] == Usage(40, 25, 65, cached_tokens=16, reasoning_tokens=0)
