"""Speech synthesis in the simulator: deterministic audio that tests can predict.

A chat completion is a speech request when its model id contains ``tts`` or it has
an ``audio`` field. Its audio is 24 kHz mono signed 16-bit little-endian PCM:

* ``FRAMES_PER_CHAR`` frames per character of the text to speak (the assistant
  message, style prefix included);
* sample ``i`` is ``round(AMPLITUDE * sin(2π·f·i/24000 + φ)) | 1``, with the frequency
  ``f`` (200-799 Hz) and phase ``φ`` taken from a SHA-256 of (voice, instruction,
  text). The ``| 1`` makes every sample odd, so never zero: silence a player inserts
  (pre-buffer, underrun) is told apart from the speech by dropping zero samples.

:func:`expected_pcm` gives the PCM of a request body, :func:`synth_pcm` that of a
(text, voice, instruction), :func:`expected_pieces` the streamed pieces.

Non-streaming replies carry base64 audio in ``choices[0].message.audio`` (with ``id``,
``expires_at``, ``transcript``): a WAV file, an MP3 file (``format: "mp3"``, made with
soundfile) or raw PCM (``pcm``/``pcm16``). Streams send the first chunk, then
``Plan.audio_pieces`` chunks with ``delta.audio.data`` pieces of raw PCM (paced by
``Plan.audio_interval``), the finish chunk, the usage chunk and ``[DONE]``.
"""

from __future__ import annotations

import array
import base64
import hashlib
import io
import math
import sys
import wave
from typing import Any

from tests.sim.plan import Plan, dumps
from tests.sim.reply import StreamEvent, prompt_text_words

__all__ = [
    "AMPLITUDE",
    "FRAMES_PER_CHAR",
    "SAMPLE_RATE",
    "SpeechReply",
    "expected_pcm",
    "expected_pieces",
    "is_speech_request",
    "speech_problem",
    "synth_pcm",
]

SAMPLE_RATE = 24_000
FRAMES_PER_CHAR = 480  # 20 ms of audio per character
AMPLITUDE = 8000
AUDIO_FORMATS = ("wav", "mp3", "pcm", "pcm16")
UNSUPPORTED_FIELDS = ("stop", "tools", "thinking", "response_format")


def synth_pcm(text: str, voice: str = "mimo_default", instruction: str = "") -> bytes:
    """The PCM the simulator speaks for ``text`` (see the module docstring)."""
    digest = hashlib.sha256(f"{voice}\n{instruction}\n{text}".encode()).digest()
    frequency = 200 + int.from_bytes(digest[:4], "little") % 600
    phase = int.from_bytes(digest[4:8], "little") % 6283 / 1000
    step = 2 * math.pi * frequency / SAMPLE_RATE
    frames = FRAMES_PER_CHAR * len(text)
    samples = array.array(
        "h", (round(AMPLITUDE * math.sin(step * i + phase)) | 1 for i in range(frames))
    )
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def _message_text(messages: Any, role: str) -> str:
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == role:
            content = message.get("content")
            return content if isinstance(content, str) else ""
    return ""


def _audio_field(body: dict[str, Any]) -> dict[str, Any]:
    audio = body.get("audio")
    return audio if isinstance(audio, dict) else {}


def is_speech_request(body: Any) -> bool:
    """Whether a chat completion body asks for speech."""
    if not isinstance(body, dict):
        return False
    model = body.get("model")
    return (isinstance(model, str) and "tts" in model.lower()) or "audio" in body


def speech_problem(body: dict[str, Any]) -> str | None:
    """The 400 message for an invalid speech request, or None when it is valid."""
    for name in UNSUPPORTED_FIELDS:
        if name in body:
            return f"Parameter {name} is not supported by the speech model"
    if not _message_text(body.get("messages"), "assistant").strip():
        return "Speech needs the text to speak as an assistant message"
    audio = body.get("audio", {})
    if not isinstance(audio, dict):
        return "audio must be an object"
    audio_format = audio.get("format", "pcm16" if body.get("stream") is True else "wav")
    if audio_format not in AUDIO_FORMATS:
        return f"Unsupported audio format {audio_format}"
    if body.get("stream") is True and audio_format not in ("pcm", "pcm16"):
        return "Streamed speech supports only the pcm16 format"
    voice = audio.get("voice", "mimo_default")
    if not isinstance(voice, str) or not voice:
        return "audio.voice must be a voice name"
    return None


def expected_pcm(body: dict[str, Any]) -> bytes:
    """The PCM the simulator speaks for a (valid) speech request body."""
    voice = _audio_field(body).get("voice", "mimo_default")
    text = _message_text(body.get("messages"), "assistant")
    instruction = _message_text(body.get("messages"), "user")
    return synth_pcm(text, voice, instruction)


def expected_pieces(body: dict[str, Any], pieces: int = Plan.audio_pieces) -> list[bytes]:
    """The PCM of each streamed ``delta.audio.data`` piece, split at frame boundaries."""
    pcm = expected_pcm(body)
    frames = len(pcm) // 2
    count = min(pieces, frames)
    bounds = [2 * (k * frames // count) for k in range(count + 1)] if count else [0]
    return [pcm[bounds[k] : bounds[k + 1]] for k in range(count)]


def _wav(pcm: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
    return buffer.getvalue()


def _mp3(pcm: bytes) -> bytes:
    import numpy as np
    import soundfile

    buffer = io.BytesIO()
    samples = np.frombuffer(pcm, dtype="<i2")
    soundfile.write(buffer, samples, SAMPLE_RATE, format="MP3", subtype="MPEG_LAYER_III")
    return buffer.getvalue()


class SpeechReply:
    """The reply a :class:`Plan` gives to one speech request.

    Args:
        plan: The plan (``audio_pieces``, ``usage``; content and tool calls are ignored).
        request: The parsed, valid request body.
        ordinal: The 1-based number of this chat request; makes the ids deterministic.
        created: The ``created`` timestamp to put into every object.
    """

    def __init__(self, plan: Plan, request: dict[str, Any], ordinal: int, created: int) -> None:
        self.plan = plan
        self.request = request
        self.model: str = request["model"]
        self.created = created
        seed = hashlib.sha256(f"mimo-sim-{ordinal}".encode()).hexdigest()
        self.id = f"chatcmpl-{seed[:29]}"
        self.audio_id = f"audio_{seed[29:53]}"
        self.expires_at = created + 24 * 3600
        self.transcript = _message_text(request["messages"], "assistant")
        self.format = _audio_field(request).get("format", "wav")
        self.pcm = expected_pcm(request)
        self.delay = plan.audio_interval or None

    def usage(self) -> dict[str, Any]:
        """The usage object (``Plan.usage`` when set): one token per 40 ms of audio."""
        if self.plan.usage is not None:
            return self.plan.usage
        prompt = prompt_text_words(self.request["messages"])
        completion = max(1, len(self.pcm) // 2 // 960)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "completion_tokens_details": {"reasoning_tokens": 0},
            "prompt_tokens_details": None,
        }

    def audio_file(self) -> bytes:
        """The audio of a non-streamed reply, in the requested format."""
        if self.format == "wav":
            return _wav(self.pcm)
        if self.format == "mp3":
            return _mp3(self.pcm)
        return self.pcm

    def completion(self) -> dict[str, Any]:
        """The full ``chat.completion`` object with the audio."""
        message = {
            "role": "assistant",
            "content": "",
            "reasoning_content": None,
            "tool_calls": None,
            "audio": {
                "id": self.audio_id,
                "data": base64.b64encode(self.audio_file()).decode(),
                "expires_at": self.expires_at,
                "transcript": self.transcript,
            },
        }
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
            "usage": self.usage(),
        }

    def _chunk(self, delta: dict[str, Any] | None, finish: str | None = None) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        usage = self.usage() if delta is None else None
        return dumps(
            {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": choices,
                "usage": usage,
            }
        )

    def events(self) -> list[StreamEvent]:
        """Every SSE payload of the stream, ``[DONE]`` included; audio pieces are paced."""
        empty = {"content": None, "role": None, "tool_calls": None, "reasoning_content": None}
        events = [StreamEvent(self._chunk({**empty, "content": "", "role": "assistant"}))]
        for piece in expected_pieces(self.request, self.plan.audio_pieces):
            audio = {
                "id": self.audio_id,
                "data": base64.b64encode(piece).decode(),
                "expires_at": self.expires_at,
            }
            events.append(StreamEvent(self._chunk({**empty, "audio": audio}), paced=True))
        events.append(StreamEvent(self._chunk(empty, "stop")))
        events.append(StreamEvent(self._chunk(None)))
        events.append(StreamEvent("[DONE]"))
        return events
