"""Connection hands out a client of the current wire format, endpoint and key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from app.api.anthropic_client import AnthropicClient
from app.api.client import MimoClient
from app.api.events import TextDelta
from app.api.openai_wire import ChatRequest
from app.api.tts import SpeechRequest
from app.api.tts_client import SpeechClient
from app.core.connection import Connection, NoApiKey
from tests.sim import Plan, Simulator


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as client:
        yield client


@pytest.mark.asyncio
async def test_openai_is_the_default_wire(http: httpx.AsyncClient) -> None:
    connection = Connection(http, base_url="https://api.example.test/v1", api_key="sk-1")
    client = connection.client()
    assert type(client) is MimoClient
    assert client.base_url == "https://api.example.test/v1"


@pytest.mark.asyncio
async def test_the_anthropic_wire_gives_an_anthropic_client(http: httpx.AsyncClient) -> None:
    base = "https://api.xiaomimimo.com/anthropic"
    connection = Connection(http, base_url=base, api_key="sk-1", wire="anthropic")
    client = connection.client()
    assert isinstance(client, AnthropicClient)
    assert client.base_url == base


@pytest.mark.asyncio
async def test_wire_and_base_url_changes_apply_to_the_next_client(
    http: httpx.AsyncClient, sim: Simulator
) -> None:
    connection = Connection(http, base_url=sim.base_url, api_key="sk-test")
    first = connection.client()
    connection.wire, connection.base_url = "anthropic", sim.anthropic_url
    sim.enqueue(Plan(content="via messages"))
    second = connection.client()
    request = ChatRequest("mimo-v2-pro", [{"role": "user", "content": "hi"}])
    events = [event async for event in second.stream_chat(request)]
    assert type(first) is MimoClient and isinstance(second, AnthropicClient)
    assert sim.requests[-1].path == "/anthropic/v1/messages"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "via messages"


@pytest.mark.asyncio
async def test_speech_stays_openai_even_on_the_anthropic_wire(http: httpx.AsyncClient) -> None:
    connection = Connection(http, base_url="https://x.test/v1", api_key="sk-1", wire="anthropic")
    assert type(connection.speech_client()) is SpeechClient


@pytest.mark.parametrize(
    ("wire", "base", "speech"),
    [
        ("openai", "https://api.xiaomimimo.com/v1", "https://api.xiaomimimo.com/v1"),
        ("anthropic", "https://api.xiaomimimo.com/anthropic", "https://api.xiaomimimo.com/v1"),
        (
            "anthropic",
            "https://token-plan-sgp.xiaomimimo.com/anthropic",
            "https://token-plan-sgp.xiaomimimo.com/v1",
        ),
        ("anthropic", "https://api.xiaomimimo.com/anthropic/", "https://api.xiaomimimo.com/v1"),
        ("anthropic", "http://127.0.0.1:8080/anthropic", "http://127.0.0.1:8080/v1"),
        # Not Xiaomi's layout: the Anthropic base is kept.
        ("anthropic", "https://proxy.example/claude", "https://proxy.example/claude"),
        ("anthropic", "https://proxy.example/anthropic-v2", "https://proxy.example/anthropic-v2"),
        # The OpenAI wire never rewrites, whatever the path says.
        ("openai", "https://proxy.example/anthropic", "https://proxy.example/anthropic"),
    ],
)
@pytest.mark.asyncio
async def test_speech_base_url_maps_xiaomis_anthropic_base_to_v1(
    http: httpx.AsyncClient, wire: str, base: str, speech: str
) -> None:
    connection = Connection(http, base_url=base, api_key="sk-1", wire=wire)
    assert connection.speech_base_url == speech
    assert connection.speech_client().base_url == speech
    assert connection.client().base_url == base.rstrip("/")  # chat keeps its base


@pytest.mark.asyncio
async def test_speech_base_url_follows_wire_and_base_url_changes(
    http: httpx.AsyncClient,
) -> None:
    connection = Connection(http, base_url="https://api.xiaomimimo.com/v1", api_key="sk-1")
    assert connection.speech_base_url == "https://api.xiaomimimo.com/v1"
    connection.wire, connection.base_url = "anthropic", "https://api.xiaomimimo.com/anthropic"
    assert connection.speech_base_url == "https://api.xiaomimimo.com/v1"
    connection.base_url = "https://elsewhere.test/messages-api"
    assert connection.speech_base_url == "https://elsewhere.test/messages-api"


@pytest.mark.asyncio
async def test_client_kind_follows_each_wire_change(http: httpx.AsyncClient) -> None:
    connection = Connection(http, base_url="https://x.test/v1", api_key="sk-1")
    kinds = []
    for wire in ("openai", "anthropic", "openai", "anthropic"):
        connection.wire = wire
        kinds.append(type(connection.client()))
    assert kinds == [MimoClient, AnthropicClient, MimoClient, AnthropicClient]
    assert type(connection.speech_client()) is SpeechClient


@pytest.mark.asyncio
async def test_speech_on_xiaomis_anthropic_layout_reaches_the_openai_endpoint(
    http: httpx.AsyncClient, sim: Simulator
) -> None:
    connection = Connection(http, base_url=sim.anthropic_url, api_key="sk-test", wire="anthropic")
    result = await connection.speech_client().synthesize(SpeechRequest("Good morning"))
    assert result.transcript == "Good morning" and result.audio
    assert sim.requests[-1].path == "/v1/chat/completions"


@pytest.mark.asyncio
async def test_no_key_and_unknown_wire_are_refused(http: httpx.AsyncClient) -> None:
    with pytest.raises(NoApiKey):
        Connection(http, base_url="https://x.test/v1", wire="anthropic").client()
    with pytest.raises(ValueError, match="gemini"):
        Connection(http, base_url="https://x.test/v1", api_key="k", wire="gemini").client()
