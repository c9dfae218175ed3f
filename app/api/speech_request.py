"""What to say and how: the speech request and the audio formats, with no I/O.

Kept apart from :mod:`app.api.tts` (which parses replies and so pulls in the HTTP
stack) so that the speech panel and the settings can be built without importing httpx.
``app.api.tts`` re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

__all__ = [
    "AUDIO_FORMATS",
    "DEFAULT_TTS_MODEL",
    "DEFAULT_VOICE",
    "KNOWN_VOICES",
    "PCM_FORMAT",
    "STREAM_FORMAT",
    "AudioFormat",
    "PcmFormat",
    "SpeechRequest",
]


@dataclass(frozen=True, slots=True)
class PcmFormat:
    """Raw PCM: signed little-endian integers, channels interleaved.

    Attributes:
        samplerate: Frames per second.
        channels: Samples per frame.
        sample_width: Bytes per sample (2: 16-bit).
    """

    samplerate: int
    channels: int = 1
    sample_width: int = 2

    @property
    def frame_bytes(self) -> int:
        """Bytes per frame (all channels of one instant)."""
        return self.channels * self.sample_width

    def frames_in(self, byte_count: int) -> int:
        """Whole frames in ``byte_count`` bytes."""
        return byte_count // self.frame_bytes

    def ms_of(self, frames: int) -> int:
        """The duration of ``frames`` frames in whole milliseconds."""
        return frames * 1000 // self.samplerate


PCM_FORMAT: Final = PcmFormat(samplerate=24_000, channels=1, sample_width=2)
"""MiMo's streamed PCM: 24 kHz, mono, signed 16-bit little-endian (believed, unverified)."""

AudioFormat = Literal["wav", "mp3", "pcm16"]
AUDIO_FORMATS: Final[tuple[str, ...]] = get_args(AudioFormat)
KNOWN_VOICES: Final = ("mimo_default", "default_zh", "default_en")
DEFAULT_VOICE: Final = "mimo_default"
DEFAULT_TTS_MODEL: Final = "mimo-v2-tts"
STREAM_FORMAT: Final[AudioFormat] = "pcm16"
"""A streamed reply is always raw PCM in :data:`PCM_FORMAT`."""


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    """What to say and how.

    Attributes:
        text: The text to speak; must not be blank.
        instruction: A free style instruction ("read slowly, like a bedtime story"),
            sent as the user message; None sends no user message.
        style: A style tag such as ``"Happy"``; becomes a ``<style>Happy</style>``
            prefix on the spoken text.
        voice: One of :data:`KNOWN_VOICES` (newer models accept more).
        format: The audio of a non-streamed reply; a streamed one is always ``pcm16``.
        model: A speech model id.
    """

    text: str
    instruction: str | None = None
    style: str | None = None
    voice: str = DEFAULT_VOICE
    format: AudioFormat = "wav"
    model: str = DEFAULT_TTS_MODEL

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("There is no text to speak")
        if self.format not in AUDIO_FORMATS:
            raise ValueError(f"Unknown audio format {self.format!r}")
        if not self.voice.strip():
            raise ValueError("A voice is needed")
        if self.style is not None and ("<" in self.style or ">" in self.style):
            raise ValueError("A style tag must not contain '<' or '>'")

    @property
    def spoken_text(self) -> str:
        """The assistant message: the text with its ``<style>`` prefix, if any."""
        style = (self.style or "").strip()
        return f"<style>{style}</style>{self.text}" if style else self.text
