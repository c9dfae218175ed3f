"""The simulator's speech route, over real HTTP: audio, stream shape, pacing and faults."""

from __future__ import annotations

import base64
import io
import json
import wave
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.sim import Plan, Simulator
from tests.sim.plan import ERROR_EVENT_PAYLOAD, MALFORMED_PAYLOAD, SentEvent
from tests.sim.tts import (
    AMPLITUDE,
    FRAMES_PER_CHAR,
    expected_pcm,
    expected_pieces,
    is_speech_request,
    synth_pcm,
)

KEY = "sk-test"
CHAT = "/chat/completions"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(api_keys=(KEY,)) as simulator:
        yield simulator


@pytest.fixture
def client(sim: Simulator) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=sim.base_url, headers=headers, timeout=10.0) as c:
        yield c


def tts_body(text: str = "Hello world", stream: bool = False, **audio: Any) -> dict[str, Any]:
    return {
        "model": "mimo-v2-tts",
        "messages": [{"role": "assistant", "content": text}],
        "audio": {"format": "pcm16" if stream else "wav", "voice": "mimo_default", **audio},
        "stream": stream,
    }


def events_of(raw: bytes) -> list[str]:
    return [block.removeprefix("data: ") for block in raw.decode().split("\n\n") if block]


def audio_of(chunks: list[dict[str, Any]]) -> list[bytes]:
    return [
        base64.b64decode(c["choices"][0]["delta"]["audio"]["data"])
        for c in chunks
        if c["choices"] and c["choices"][0]["delta"].get("audio")
    ]


# -- the audio ----------------------------------------------------------------------


def test_synthesised_pcm_is_predictable_odd_and_sized_by_the_text() -> None:
    pcm = synth_pcm("Hello")
    samples = np.frombuffer(pcm, dtype="<i2")
    assert len(samples) == 5 * FRAMES_PER_CHAR
    assert (samples % 2 != 0).all()  # never zero
    assert np.abs(samples).max() <= AMPLITUDE + 1
    assert synth_pcm("Hello") == pcm
    assert synth_pcm("Hello", voice="default_en") != pcm
    assert synth_pcm("Hello", instruction="whisper") != pcm
    assert synth_pcm("Hellp") != pcm


def test_expected_pcm_reads_text_voice_and_instruction_from_the_body() -> None:
    body = tts_body("Hi there", voice="default_zh")
    body["messages"].insert(0, {"role": "user", "content": "slowly"})
    assert expected_pcm(body) == synth_pcm("Hi there", "default_zh", "slowly")
    assert b"".join(expected_pieces(body, 3)) == expected_pcm(body)
    assert [len(p) % 2 for p in expected_pieces(body, 3)] == [0, 0, 0]


def test_a_request_is_speech_by_model_or_audio_field() -> None:
    assert is_speech_request({"model": "mimo-v2.5-tts"})
    assert is_speech_request({"model": "gateway-model", "audio": {}})
    assert not is_speech_request({"model": "mimo-v2-pro"})


def test_non_streaming_wav_holds_the_expected_pcm(client: httpx.Client) -> None:
    response = client.post(CHAT, json=tts_body("Hello world"))
    assert response.status_code == 200
    reply = response.json()
    audio = reply["choices"][0]["message"]["audio"]
    assert audio["id"].startswith("audio_")
    assert audio["expires_at"] > reply["created"]
    assert audio["transcript"] == "Hello world"
    with wave.open(io.BytesIO(base64.b64decode(audio["data"]))) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (24_000, 1, 2)
        assert wav.readframes(wav.getnframes()) == synth_pcm("Hello world")
    assert reply["usage"]["completion_tokens"] > 0


def test_non_streaming_mp3_and_pcm16(client: httpx.Client) -> None:
    mp3 = client.post(CHAT, json=tts_body("Hello", format="mp3")).json()
    data = base64.b64decode(mp3["choices"][0]["message"]["audio"]["data"])
    samples, rate = sf.read(io.BytesIO(data), dtype="int16")
    assert sf.info(io.BytesIO(data)).format == "MP3"
    assert (rate, len(samples)) == (24_000, 5 * FRAMES_PER_CHAR)
    pcm = client.post(CHAT, json=tts_body("Hello", format="pcm16")).json()
    assert base64.b64decode(pcm["choices"][0]["message"]["audio"]["data"]) == synth_pcm("Hello")


def test_the_stream_sends_audio_pieces_then_finish_usage_done(
    sim: Simulator, client: httpx.Client
) -> None:
    sim.enqueue(Plan(audio_pieces=5))
    payloads = events_of(client.post(CHAT, json=tts_body("Streamed", stream=True)).content)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert audio_of(chunks) == expected_pieces(tts_body("Streamed", stream=True), 5)
    assert b"".join(audio_of(chunks)) == synth_pcm("Streamed")
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert len(chunks) == 1 + 5 + 2


def test_pieces_are_paced_and_logged(sim: Simulator, client: httpx.Client) -> None:
    log: list[SentEvent] = []
    sim.enqueue(Plan(audio_pieces=4, audio_interval=0.05, event_log=log))
    client.post(CHAT, json=tts_body("Paced", stream=True))
    assert [event.number for event in log] == list(range(1, 9))
    assert log[-1].data == "[DONE]"
    audio_times = [event.at for event in log if '"audio":{' in event.data]
    assert len(audio_times) == 4
    gaps = np.diff([log[0].at, *audio_times])
    assert (gaps >= 0.05 * 0.99).all()  # each piece waited for its interval


def test_chat_requests_are_not_speech(client: httpx.Client) -> None:
    body = {"model": "mimo-v2-pro", "messages": [{"role": "user", "content": "hi"}]}
    reply = client.post(CHAT, json=body).json()
    assert reply["choices"][0]["message"]["content"] == "Echo: hi"
    assert "audio" not in reply["choices"][0]["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tools": []}, "tools is not supported"),
        ({"thinking": {"type": "disabled"}}, "thinking is not supported"),
        ({"stop": ["x"]}, "stop is not supported"),
        ({"response_format": {"type": "text"}}, "response_format is not supported"),
        ({"messages": [{"role": "user", "content": "only a user"}]}, "assistant message"),
        ({"audio": {"format": "aiff"}}, "Unsupported audio format aiff"),
        ({"audio": {"voice": ""}}, "voice"),
        ({"stream": True, "audio": {"format": "wav"}}, "only the pcm16"),
    ],
)
def test_invalid_speech_requests_get_400(
    client: httpx.Client, change: dict[str, Any], message: str
) -> None:
    response = client.post(CHAT, json={**tts_body(), **change})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


# -- the fault switches work for speech too -----------------------------------------


def test_status_with_retry_after(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(status=429, retry_after="2"))
    response = client.post(CHAT, json=tts_body(stream=True))
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"]["code"] == "429"


def test_drop_after_cuts_the_speech_stream(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(drop_after=2))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(CHAT, json=tts_body(stream=True))


@pytest.mark.parametrize(
    ("plan", "last"),
    [
        (Plan(malformed_after=3), MALFORMED_PAYLOAD),
        (Plan(error_event_after=3), ERROR_EVENT_PAYLOAD),
    ],
)
def test_bad_events_after_audio_pieces(
    sim: Simulator, client: httpx.Client, plan: Plan, last: str
) -> None:
    sim.enqueue(plan)
    payloads = events_of(client.post(CHAT, json=tts_body(stream=True)).content)
    assert len(payloads) == 4 and payloads[-1] == last
    assert len(audio_of([json.loads(p) for p in payloads[:3]])) == 2


def test_pause_after_holds_the_last_piece_until_release(
    sim: Simulator, client: httpx.Client
) -> None:
    log: list[SentEvent] = []
    sim.enqueue(Plan(audio_pieces=3, pause_after=3, event_log=log))
    received: list[str] = []
    with client.stream("POST", CHAT, json=tts_body(stream=True)) as response:
        lines = (line for line in response.iter_lines() if line.startswith("data: "))
        received += [next(lines) for _ in range(3)]  # the first chunk and two pieces
        assert [event.number for event in log] == [1, 2, 3]  # paused before the third
        sim.release()
        received += list(lines)
    assert len(received) == 1 + 3 + 3 and received[-1] == "data: [DONE]"


def test_hang_holds_the_speech_until_release(sim: Simulator, client: httpx.Client) -> None:
    sim.enqueue(Plan(hang=True))
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(client.post, CHAT, json=tts_body())
        assert sim.wait_for_requests(1)
        done, _ = wait([future], timeout=0.2)
        assert not done
        sim.release()
        response = future.result(timeout=5)
    audio = response.json()["choices"][0]["message"]["audio"]
    assert audio["transcript"] == "Hello world"
