"""speak(): the simulator's speech streamed through SpeechClient into a player and a device.

The device is the recording fake in real-time mode: a thread pulls 20 ms buffers at
the pace of a sound card. The simulator's samples are never zero, so the device's
recording without its zeros (pre-buffer and underrun silence) is the speech.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import pytest_asyncio

from app.api.errors import ConnectionFailed, RateLimited
from app.api.events import AudioDelta, SpeechEvent
from app.api.retry import RetryPolicy
from app.api.tts import PCM_FORMAT, SpeechRequest, SpeechResult, build_speech_body
from app.api.tts_client import SpeechClient
from app.audio.backend import NO_OUTPUT_DEVICE, AudioError
from app.audio.cache import SpeechCache
from app.audio.codec import encode_pcm
from app.audio.player import AudioPlayer, PlaybackState
from app.audio.speech import read_aloud_requests, result_pcm, speak
from tests.audio.fakes import RecordingSink, samples_of
from tests.sim import Plan, Simulator
from tests.sim.plan import SentEvent
from tests.sim.tts import expected_pcm, expected_pieces

KEY = "sk-test"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,)) as simulator:
        yield simulator
        simulator.release()


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink(blocksize=480, realtime=True)


@pytest.fixture
def player(sink: RecordingSink) -> Iterator[AudioPlayer]:
    player = AudioPlayer(sink, prebuffer_ms=150)
    yield player
    player.close()


@pytest_asyncio.fixture
async def client(sim: Simulator) -> AsyncIterator[SpeechClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        yield SpeechClient(
            http, base_url=sim.base_url, api_key=KEY, retry=RetryPolicy(max_retries=0)
        )


def streamed(request: SpeechRequest) -> bytes:
    """What the simulator speaks for ``request`` sent as a stream."""
    return expected_pcm(build_speech_body(request, stream=True))


async def played_out(player: AudioPlayer) -> None:
    assert await asyncio.to_thread(player.wait_done, 20)
    assert player.poll() is PlaybackState.FINISHED


@pytest.mark.asyncio
async def test_the_device_receives_the_simulators_samples_bit_for_bit(
    sim: Simulator, client: SpeechClient, player: AudioPlayer, sink: RecordingSink
) -> None:
    sim.enqueue(Plan(audio_pieces=7))
    request = SpeechRequest("Bit for bit.", voice="default_en")
    pcm = await speak(client, player, [request])
    await played_out(player)
    assert pcm == streamed(request)
    assert np.array_equal(sink.sound(), samples_of(streamed(request)))
    assert sink.stream.closed  # the device is released at the end


@pytest.mark.asyncio
async def test_playback_starts_before_the_response_ends(
    sim: Simulator, client: SpeechClient, player: AudioPlayer, sink: RecordingSink
) -> None:
    log: list[SentEvent] = []
    sim.enqueue(Plan(audio_pieces=10, audio_interval=0.1, event_log=log))
    request = SpeechRequest("This sentence is long enough to make two seconds of audio. " * 2)
    await speak(client, player, [request])
    await played_out(player)
    pieces = [event for event in log if '"audio":{' in event.data]
    assert len(pieces) == 10
    first_sound = sink.first_sound_at()
    assert first_sound is not None
    assert first_sound < pieces[-1].at  # heard while the server was still sending
    assert np.array_equal(sink.sound(), samples_of(streamed(request)))


@pytest.mark.asyncio
async def test_several_requests_play_as_one_piece(
    sim: Simulator, client: SpeechClient, player: AudioPlayer, sink: RecordingSink
) -> None:
    requests = read_aloud_requests("# One\n\nTwo is here. Three!", SpeechRequest("x"), limit=14)
    assert [r.text for r in requests] == ["One.", "Two is here.", "Three!"]
    pcm = await speak(client, player, requests)
    await played_out(player)
    expected = b"".join(streamed(r) for r in requests)
    assert pcm == expected
    assert np.array_equal(sink.sound(), samples_of(expected))


@pytest.mark.asyncio
async def test_the_same_speech_plays_again_from_the_cache_without_a_request(
    sim: Simulator, client: SpeechClient, player: AudioPlayer, sink: RecordingSink, tmp_path: Path
) -> None:
    cache = SpeechCache(tmp_path)
    request = SpeechRequest("Cache me.", style="Happy")
    first = await speak(client, player, [request], cache=cache)
    await played_out(player)
    requests_made = len(sim.requests)
    again = await speak(client, player, [request], cache=cache)
    await played_out(player)
    assert again == first == streamed(request)
    assert len(sim.requests) == requests_made == 1
    assert np.array_equal(sink.sound(), samples_of(first + first))


@pytest.mark.asyncio
async def test_no_device_fails_before_any_request(
    sim: Simulator, client: SpeechClient, sink: RecordingSink
) -> None:
    sink.fail_open = AudioError(NO_OUTPUT_DEVICE)
    with pytest.raises(AudioError, match="No sound output device"):
        await speak(client, AudioPlayer(sink), [SpeechRequest("Hello")])
    assert sim.requests == []


@pytest.mark.asyncio
async def test_a_dropped_stream_raises_and_what_arrived_still_plays(
    sim: Simulator, client: SpeechClient, player: AudioPlayer, sink: RecordingSink, tmp_path: Path
) -> None:
    sim.enqueue(Plan(audio_pieces=4, drop_after=3))
    request = SpeechRequest("Dropped halfway.")
    cache = SpeechCache(tmp_path)
    seen: list[SpeechEvent] = []
    with pytest.raises(ConnectionFailed, match="dropped in the middle"):
        await speak(client, player, [request], cache=cache, on_event=seen.append)
    await played_out(player)
    arrived = b"".join(expected_pieces(build_speech_body(request, stream=True), 4)[:2])
    assert b"".join(e.pcm for e in seen if isinstance(e, AudioDelta)) == arrived
    assert np.array_equal(sink.sound(), samples_of(arrived))
    assert cache.total_bytes() == 0  # an incomplete speech is not cached


@pytest.mark.asyncio
async def test_429_during_speech_is_a_rate_limit_error(
    sim: Simulator, client: SpeechClient, player: AudioPlayer
) -> None:
    sim.enqueue(Plan(status=429, retry_after="30"))
    with pytest.raises(RateLimited) as caught:
        await speak(client, player, [SpeechRequest("Too fast")])
    assert caught.value.message.startswith("Too many requests (429)")
    assert caught.value.retry_after == 30
    assert player.input_complete and player.total_ms == 0


@pytest.mark.asyncio
async def test_cancelling_stops_the_player(
    sim: Simulator, client: SpeechClient, player: AudioPlayer, sink: RecordingSink
) -> None:
    sim.enqueue(Plan(audio_pieces=3, pause_after=2))
    seen = asyncio.Event()

    def on_event(event: SpeechEvent) -> None:
        if isinstance(event, AudioDelta):
            seen.set()

    task = asyncio.create_task(speak(client, player, [SpeechRequest("Stop me")], on_event=on_event))
    await asyncio.wait_for(seen.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert player.state is PlaybackState.STOPPED
    assert sink.stream.closed


def test_result_pcm_of_every_format() -> None:
    pcm = samples_of(expected_pcm(build_speech_body(SpeechRequest("Hi"), stream=True))).tobytes()
    wav = SpeechResult(encode_pcm(pcm, PCM_FORMAT, "wav"), "wav")
    raw = SpeechResult(pcm, "pcm16")
    mp3 = SpeechResult(encode_pcm(pcm, PCM_FORMAT, "mp3"), "mp3")
    assert result_pcm(wav) == (pcm, PCM_FORMAT)
    assert result_pcm(raw) == (pcm, PCM_FORMAT)
    decoded, fmt = result_pcm(mp3)
    assert fmt == PCM_FORMAT and len(decoded) == len(pcm)


def test_read_aloud_requests_keep_the_template_and_skip_code() -> None:
    template = SpeechRequest("x", voice="default_zh", style="Calm", instruction="slowly")
    requests = read_aloud_requests("Look:\n\n```\ncode\n```\n\nDone.", template)
    assert [(r.text, r.voice, r.style, r.instruction) for r in requests] == [
        ("Look: Done.", "default_zh", "Calm", "slowly")
    ]
    assert read_aloud_requests("```\nonly code\n```", template) == []
