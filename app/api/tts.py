"""Speech synthesis (``mimo-v2-tts``) on the wire: requests out, audio in.

MiMo has no ``/audio/speech``: speech goes through chat completions. The text to speak
is the *assistant* message, an optional style instruction the *user* message, and
``audio: {format, voice}`` picks the output. Pure functions over JSON-shaped data; the
requests themselves are made by :class:`app.api.tts_client.SpeechClient`.

Streamed speech is raw PCM in :data:`PCM_FORMAT`, the one place that says what the
samples look like; players, savers and the simulator import it from here.
"""

from __future__ import annotations

import base64
import binascii
import io
import wave
from dataclasses import dataclass
from typing import Any

from app.api.errors import ProtocolError, StreamError
from app.api.events import AudioDelta, Finish, SpeechEvent, Usage
from app.api.http_errors import error_payload_fields
from app.api.openai_wire import DONE, load_json, parse_completion, stream_events
from app.api.speech_request import (
    AUDIO_FORMATS,
    DEFAULT_TTS_MODEL,
    DEFAULT_VOICE,
    KNOWN_VOICES,
    PCM_FORMAT,
    STREAM_FORMAT,
    AudioFormat,
    PcmFormat,
    SpeechRequest,
)
from app.api.translation import translate

__all__ = [
    "AUDIO_FORMATS",
    "DEFAULT_TTS_MODEL",
    "DEFAULT_VOICE",
    "KNOWN_VOICES",
    "PCM_FORMAT",
    "AudioFormat",
    "PcmFormat",
    "SpeechRequest",
    "SpeechResult",
    "build_speech_body",
    "decode_speech_event",
    "parse_speech_completion",
    "speech_chunk_events",
    "wav_to_pcm",
]


@dataclass(frozen=True, slots=True)
class SpeechResult:
    """A whole, non-streamed speech reply.

    Attributes:
        audio: The decoded audio file (or raw PCM for ``pcm16``) in ``format``.
        format: The format that was asked for.
        audio_id: The server's id of the audio, if sent.
        expires_at: Unix time after which the server forgets the audio, if sent.
        transcript: The text that was spoken, if sent.
        usage: The token counts, if sent.
    """

    audio: bytes
    format: AudioFormat
    audio_id: str | None = None
    expires_at: int | None = None
    transcript: str | None = None
    usage: Usage | None = None


def build_speech_body(request: SpeechRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body of ``POST {base}/chat/completions`` for speech.

    No ``stop``, ``tools``, ``thinking`` or ``response_format``: the speech model
    refuses them. A streamed request asks for ``pcm16``.
    """
    messages: list[dict[str, Any]] = []
    if request.instruction and request.instruction.strip():
        messages.append({"role": "user", "content": request.instruction})
    messages.append({"role": "assistant", "content": request.spoken_text})
    audio_format = STREAM_FORMAT if stream else request.format
    return {
        "model": request.model,
        "messages": messages,
        "audio": {"format": audio_format, "voice": request.voice},
        "stream": stream,
    }


def parse_speech_completion(payload: Any, audio_format: AudioFormat) -> SpeechResult:
    """Read a whole speech reply: base64 audio in ``choices[0].message.audio``.

    Args:
        payload: The parsed JSON body.
        audio_format: The format that was asked for.

    Raises:
        MimoError: The body is an error payload.
        ProtocolError: The body holds no audio, or audio that is not base64.
    """
    result = parse_completion(payload)  # raises for error payloads and missing choices
    message = _first_choice(payload).get("message")
    audio = message.get("audio") if isinstance(message, dict) else None
    data = audio.get("data") if isinstance(audio, dict) else None
    if not isinstance(audio, dict) or not isinstance(data, str) or not data:
        raise ProtocolError(translate("SpeechWire", "The server's reply holds no audio"))
    audio_id = audio.get("id")
    expires_at = audio.get("expires_at")
    transcript = audio.get("transcript")
    return SpeechResult(
        audio=_b64(data),
        format=audio_format,
        audio_id=audio_id if isinstance(audio_id, str) else None,
        expires_at=expires_at if isinstance(expires_at, int) else None,
        transcript=transcript if isinstance(transcript, str) else None,
        usage=result.usage,
    )


def speech_chunk_events(chunk: Any) -> list[SpeechEvent]:
    """The events of one parsed streamed chunk: audio first, then finish and usage.

    Text, reasoning and tool-call deltas (a speech model sends none) are ignored.

    Raises:
        StreamError: The chunk is an ``error`` payload.
        ProtocolError: The chunk is not a JSON object, or its audio is not base64.
    """
    events: list[SpeechEvent] = []
    for event in stream_events(chunk):  # raises for error payloads and non-objects
        if isinstance(event, Finish | Usage):
            events.append(event)
    delta = _first_choice(chunk).get("delta")
    audio = delta.get("audio") if isinstance(delta, dict) else None
    data = audio.get("data") if isinstance(audio, dict) else None
    if isinstance(data, str) and data:
        events.insert(0, AudioDelta(_b64(data)))
    return events


def decode_speech_event(data: str, event: str | None = None) -> list[SpeechEvent] | None:
    """The events of one SSE event's data; None for the closing ``[DONE]``.

    Raises:
        StreamError: An ``error`` payload (or an SSE event named ``error``).
        ProtocolError: The data is not a JSON object, or holds bad base64.
    """
    text = data.strip()
    if text == DONE:
        return None
    if not text:
        return []
    payload = load_json(text)
    if event == "error":
        message, code = error_payload_fields(payload)
        raise StreamError(
            message or translate("SpeechWire", "The server reported an error during the reply"),
            code=code,
        )
    return speech_chunk_events(payload)


def wav_to_pcm(data: bytes) -> tuple[bytes, PcmFormat]:
    """The raw frames and format of a 16-bit PCM WAV file (stdlib only).

    Raises:
        ProtocolError: The bytes are not a 16-bit PCM WAV file.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            fmt = PcmFormat(wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ProtocolError(
            translate("SpeechWire", "The audio is not a readable WAV file")
        ) from exc
    if fmt.sample_width != 2:
        raise ProtocolError(translate("SpeechWire", "The WAV audio is not 16-bit PCM"))
    return frames, fmt


def _first_choice(payload: dict[str, Any]) -> dict[str, Any]:
    """The choice with index 0 (the only one a speech reply has), or ``{}``."""
    choices = payload.get("choices")
    for choice in choices if isinstance(choices, list) else []:
        if isinstance(choice, dict) and choice.get("index", 0) == 0:
            return choice
    return {}


def _b64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProtocolError(
            translate("SpeechWire", "The server sent audio that is not valid base64")
        ) from exc
