"""SpeechClient against the MiMo simulator: real HTTP, the same typed errors as chat."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
import soundfile as sf

from app.api.errors import (
    AuthError,
    ConnectionFailed,
    MimoError,
    ProtocolError,
    RateLimited,
    ServerError,
    StreamError,
)
from app.api.events import AudioDelta, Finish, RetryScheduled, SpeechEvent, Usage
from app.api.retry import RetryPolicy
from app.api.tts import SpeechRequest, build_speech_body, wav_to_pcm
from app.api.tts_client import SpeechClient
from tests.sim import Plan, Simulator
from tests.sim.tts import expected_pcm, expected_pieces

KEY = "sk-test"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,)) as simulator:
        yield simulator


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@asynccontextmanager
async def connect(
    sim: Simulator, *, key: str = KEY, retries: int = 0, sleep: Sleeps | None = None
) -> AsyncIterator[SpeechClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        yield SpeechClient(
            http,
            base_url=sim.base_url,
            api_key=key,
            retry=RetryPolicy(max_retries=retries, rng=lambda: 0.5),
            sleep=sleep or Sleeps(),
        )


async def collect(client: SpeechClient, request: SpeechRequest) -> list[SpeechEvent]:
    return [event async for event in client.stream_speech(request)]


def sent_body(sim: Simulator) -> object:
    return [r for r in sim.requests if r.path.endswith("/chat/completions")][-1].body


@pytest.mark.asyncio
async def test_synthesize_wav_returns_the_simulators_audio(sim: Simulator) -> None:
    request = SpeechRequest("Good morning", instruction="cheerfully", voice="default_en")
    async with connect(sim) as client:
        result = await client.synthesize(request)
    body = build_speech_body(request, stream=False)
    assert sent_body(sim) == body
    pcm, fmt = wav_to_pcm(result.audio)
    assert fmt.samplerate == 24_000 and fmt.channels == 1
    assert pcm == expected_pcm(body)
    assert result.transcript == "Good morning"
    assert result.audio_id is not None and result.expires_at is not None
    assert result.usage is not None and result.usage.total_tokens > 0


@pytest.mark.asyncio
async def test_synthesize_pcm16_and_mp3(sim: Simulator) -> None:
    async with connect(sim) as client:
        raw = await client.synthesize(SpeechRequest("Raw", format="pcm16"))
        mp3 = await client.synthesize(SpeechRequest("Compressed", format="mp3"))
    assert raw.audio == expected_pcm(build_speech_body(SpeechRequest("Raw"), stream=False))
    assert sf.info(io.BytesIO(mp3.audio)).format == "MP3"


@pytest.mark.asyncio
async def test_streamed_speech_yields_the_pieces_as_sent(sim: Simulator) -> None:
    sim.enqueue(Plan(audio_pieces=6))
    request = SpeechRequest("Streaming speech", style="Calm")
    async with connect(sim) as client:
        events = await collect(client, request)
    body = build_speech_body(request, stream=True)
    assert sent_body(sim) == body
    pieces = [event.pcm for event in events if isinstance(event, AudioDelta)]
    assert pieces == expected_pieces(body, 6)
    assert Finish("stop") in events
    assert isinstance(events[-1], Usage)


@pytest.mark.asyncio
async def test_a_wrong_key_is_an_auth_error(sim: Simulator) -> None:
    async with connect(sim, key="sk-wrong") as client:
        with pytest.raises(AuthError, match="API key was rejected"):
            await collect(client, SpeechRequest("Hi"))


@pytest.mark.asyncio
async def test_429_during_speech_is_rate_limited_with_retry_after(sim: Simulator) -> None:
    sim.enqueue(Plan(status=429, retry_after="7"))
    async with connect(sim) as client:
        with pytest.raises(RateLimited) as caught:
            await collect(client, SpeechRequest("Hi"))
    assert caught.value.retry_after == 7
    assert caught.value.message == "Too many requests (429): Too many requests"


@pytest.mark.asyncio
async def test_429_then_success_is_retried_and_announced(sim: Simulator) -> None:
    sim.enqueue(Plan(status=429, retry_after="1"), Plan(audio_pieces=2))
    sleeps = Sleeps()
    async with connect(sim, retries=2, sleep=sleeps) as client:
        events = await collect(client, SpeechRequest("Again"))
    assert isinstance(events[0], RetryScheduled) and isinstance(events[0].error, RateLimited)
    assert sleeps.delays == [1.0]
    assert len([e for e in events if isinstance(e, AudioDelta)]) == 2


@pytest.mark.asyncio
async def test_server_errors_are_server_errors(sim: Simulator) -> None:
    sim.enqueue(Plan(status=503))
    async with connect(sim) as client:
        with pytest.raises(ServerError, match="503"):
            await client.synthesize(SpeechRequest("Hi"))


@pytest.mark.asyncio
async def test_a_dropped_stream_is_connection_failed_after_the_audio_so_far(
    sim: Simulator,
) -> None:
    sim.enqueue(Plan(audio_pieces=4, drop_after=3))
    received: list[bytes] = []
    async with connect(sim, retries=3) as client:
        with pytest.raises(ConnectionFailed, match="dropped in the middle of the reply"):
            async for event in client.stream_speech(SpeechRequest("Dropped")):
                if isinstance(event, AudioDelta):
                    received.append(event.pcm)
    assert len(received) == 2  # the first chunk and two pieces arrived; not retried
    assert len(sim.requests) == 1


@pytest.mark.parametrize(
    ("plan", "error"),
    [(Plan(malformed_after=2), ProtocolError), (Plan(error_event_after=2), StreamError)],
)
@pytest.mark.asyncio
async def test_a_broken_stream_raises_the_chat_errors(
    sim: Simulator, plan: Plan, error: type[MimoError]
) -> None:
    sim.enqueue(plan)
    async with connect(sim) as client:
        with pytest.raises(error):
            await collect(client, SpeechRequest("Broken"))


@pytest.mark.asyncio
async def test_the_key_never_reaches_an_error_message(sim: Simulator) -> None:
    sim.enqueue(Plan(status=400, error_body=b'{"error":{"message":"bad key sk-test here"}}'))
    async with connect(sim) as client:
        with pytest.raises(MimoError) as caught:
            await client.synthesize(SpeechRequest("Hi"))
    assert KEY not in caught.value.message
