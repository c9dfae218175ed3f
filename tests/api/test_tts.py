"""The speech wire format: request bodies, whole replies, streamed chunks, the PCM format."""

from __future__ import annotations

import base64
import io
import json
import wave
from typing import Any

import pytest

from app.api.errors import AuthError, ProtocolError, RateLimited, StreamError
from app.api.events import AudioDelta, Finish, Usage
from app.api.tts import (
    PCM_FORMAT,
    PcmFormat,
    SpeechRequest,
    build_speech_body,
    decode_speech_event,
    parse_speech_completion,
    speech_chunk_events,
    wav_to_pcm,
)

FORBIDDEN = ("stop", "tools", "thinking", "response_format", "stream_options", "temperature")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def completion(audio: Any, **extra: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": "", "audio": audio}
    return {"choices": [{"index": 0, "finish_reason": "stop", "message": message}], **extra}


def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None) -> Any:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {"object": "chat.completion.chunk", "choices": choices, "usage": usage}


def test_the_pcm_format_is_24khz_mono_16bit() -> None:
    assert (PCM_FORMAT.samplerate, PCM_FORMAT.channels, PCM_FORMAT.sample_width) == (24000, 1, 2)
    assert PCM_FORMAT.frame_bytes == 2
    assert PCM_FORMAT.frames_in(48_001) == 24_000
    assert PCM_FORMAT.ms_of(36_000) == 1500
    assert PcmFormat(48_000, channels=2).frame_bytes == 4


def test_the_body_puts_the_text_in_the_assistant_message() -> None:
    body = build_speech_body(SpeechRequest("Hello there"), stream=False)
    assert body == {
        "model": "mimo-v2-tts",
        "messages": [{"role": "assistant", "content": "Hello there"}],
        "audio": {"format": "wav", "voice": "mimo_default"},
        "stream": False,
    }


def test_instruction_style_voice_and_format_go_where_the_api_wants_them() -> None:
    request = SpeechRequest(
        "你好", instruction="Speak slowly", style="Happy", voice="default_zh", format="mp3"
    )
    body = build_speech_body(request, stream=False)
    assert body["messages"] == [
        {"role": "user", "content": "Speak slowly"},
        {"role": "assistant", "content": "<style>Happy</style>你好"},
    ]
    assert body["audio"] == {"format": "mp3", "voice": "default_zh"}
    assert not set(FORBIDDEN) & set(body)


def test_a_streamed_request_asks_for_pcm16() -> None:
    body = build_speech_body(SpeechRequest("Hi", format="mp3", voice="default_en"), stream=True)
    assert body["stream"] is True
    assert body["audio"] == {"format": "pcm16", "voice": "default_en"}
    assert not set(FORBIDDEN) & set(body)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": "   "},
        {"text": "hi", "format": "ogg"},
        {"text": "hi", "voice": ""},
        {"text": "hi", "style": "</style>evil"},
    ],
)
def test_invalid_requests_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SpeechRequest(**kwargs)


def test_a_whole_reply_decodes_its_audio_and_metadata() -> None:
    audio = {"id": "audio_1", "data": b64(b"RIFFdata"), "expires_at": 99, "transcript": "Hi"}
    usage = {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}
    result = parse_speech_completion(completion(audio, usage=usage), "wav")
    assert result.audio == b"RIFFdata"
    assert (result.format, result.audio_id, result.expires_at, result.transcript) == (
        "wav",
        "audio_1",
        99,
        "Hi",
    )
    assert result.usage == Usage(3, 5, 8)


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (completion(None), ProtocolError),
        (completion({"data": ""}), ProtocolError),
        (completion({"data": "not base64!"}), ProtocolError),
        ({"choices": []}, ProtocolError),
        ({"error": {"code": "401", "message": "Invalid API Key"}}, AuthError),
        ({"error": {"code": "429", "message": "Too many requests"}}, RateLimited),
    ],
)
def test_bad_whole_replies_raise_typed_errors(payload: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_speech_completion(payload, "wav")


def test_a_chunk_with_audio_gives_an_audio_delta() -> None:
    events = speech_chunk_events(chunk({"content": None, "audio": {"data": b64(b"\x01\x02")}}))
    assert events == [AudioDelta(b"\x01\x02")]


def test_finish_and_usage_chunks_and_ignored_text() -> None:
    assert speech_chunk_events(chunk({"content": "", "role": "assistant"})) == []
    assert speech_chunk_events(chunk({"content": "words"})) == []
    assert speech_chunk_events(chunk({}, finish="stop")) == [Finish("stop")]
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    assert speech_chunk_events(chunk(None, usage=usage)) == [Usage(1, 2, 3)]


def test_sse_data_decoding() -> None:
    data = json.dumps(chunk({"audio": {"data": b64(b"pcm!")}}))
    assert decode_speech_event(data) == [AudioDelta(b"pcm!")]
    assert decode_speech_event("[DONE]") is None
    assert decode_speech_event("  ") == []
    with pytest.raises(StreamError, match="overloaded"):
        decode_speech_event(json.dumps({"error": {"message": "overloaded", "code": "500"}}))
    with pytest.raises(StreamError, match="nope"):
        decode_speech_event(json.dumps({"message": "nope"}), event="error")
    with pytest.raises(ProtocolError):
        decode_speech_event('{"id":<<garbage')
    with pytest.raises(ProtocolError, match="base64"):
        decode_speech_event(json.dumps(chunk({"audio": {"data": "%%%"}})))


def test_wav_to_pcm_reads_frames_and_format() -> None:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(b"\x01\x00\x02\x00" * 10)
    pcm, fmt = wav_to_pcm(buffer.getvalue())
    assert pcm == b"\x01\x00\x02\x00" * 10
    assert fmt == PcmFormat(16_000, channels=2)
    with pytest.raises(ProtocolError):
        wav_to_pcm(b"ID3 an mp3 file")
