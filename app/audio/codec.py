"""Decoding audio files to PCM and saving PCM as WAV, FLAC, OGG (Vorbis) or MP3.

All through soundfile (its wheel bundles libsndfile with MP3 and Vorbis support).
soundfile is imported on first use, like sounddevice, so a broken libsndfile costs
the audio features only; every failure is an :class:`~app.audio.backend.AudioError`.
PCM here is always signed 16-bit little-endian with interleaved channels.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

import numpy as np

from app.api.translation import translate
from app.api.tts import PcmFormat
from app.audio.backend import AudioError
from app.audio.render import pcm_to_frames

__all__ = [
    "SAVE_FORMATS",
    "DecodedAudio",
    "container_for",
    "decode_bytes",
    "decode_file",
    "encode_pcm",
    "save_pcm",
]

#: Container name -> (soundfile format, subtype). The keys are also file suffixes.
SAVE_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """Decoded audio: 16-bit PCM in ``format``, ready for the player.

    Attributes:
        pcm: The samples, signed 16-bit little-endian, channels interleaved.
        format: Sample rate and channel count of ``pcm``.
    """

    pcm: bytes
    format: PcmFormat

    @property
    def frames(self) -> int:
        """The number of frames."""
        return self.format.frames_in(len(self.pcm))

    @property
    def duration_ms(self) -> int:
        """The length in whole milliseconds."""
        return self.format.ms_of(self.frames)


def decode_file(path: str | Path) -> DecodedAudio:
    """Decode a WAV, MP3, FLAC or OGG file.

    Raises:
        AudioError: The file is missing, unreadable or not audio.
    """
    failure = translate("AudioCodec", "The audio file {name} could not be read")
    return _decode(str(path), failure.format(name=Path(path).name))


def decode_bytes(data: bytes) -> DecodedAudio:
    """Decode WAV, MP3, FLAC or OGG audio held in memory.

    Raises:
        AudioError: The bytes are not audio soundfile can read.
    """
    return _decode(io.BytesIO(data), translate("AudioCodec", "The audio could not be decoded"))


def container_for(path: str | Path) -> str:
    """The container a file name asks for (its suffix), e.g. ``"flac"``.

    Raises:
        AudioError: The suffix is not one of :data:`SAVE_FORMATS`.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "oga":
        suffix = "ogg"
    if suffix not in SAVE_FORMATS:
        known = ", ".join(name.upper() for name in SAVE_FORMATS)
        text = (
            translate("AudioCodec", "Audio can be saved as {formats}, not as .{suffix}")
            if suffix
            else translate("AudioCodec", "Audio can be saved as {formats}, not without a suffix")
        )
        raise AudioError(text.format(formats=known, suffix=suffix))
    return suffix


def encode_pcm(pcm: bytes, fmt: PcmFormat, container: str) -> bytes:
    """The bytes of an audio file holding ``pcm``.

    Args:
        pcm: 16-bit PCM in ``fmt``; a trailing partial frame is dropped.
        fmt: Its sample rate and channels.
        container: A key of :data:`SAVE_FORMATS`.

    Raises:
        AudioError: Unknown container, or the encoder failed.
    """
    buffer = io.BytesIO()
    _write(buffer, pcm, fmt, container)
    return buffer.getvalue()


def save_pcm(path: str | Path, pcm: bytes, fmt: PcmFormat, container: str | None = None) -> Path:
    """Save ``pcm`` as an audio file; the container defaults to the file's suffix.

    The file is written next to its final name and renamed into place, so a failed
    save never leaves half a file behind.

    Raises:
        AudioError: Unknown container, or the file could not be written.
    """
    target = Path(path)
    container = container or container_for(target)
    temporary = target.with_name(f".{target.name}.part")
    try:
        with temporary.open("wb") as file:
            _write(file, pcm, fmt, container)
        temporary.replace(target)
    except OSError as exc:
        _remove(temporary)
        text = translate("AudioCodec", "The audio could not be saved to {name}: {reason}")
        raise AudioError(text.format(name=target.name, reason=exc.strerror)) from exc
    except AudioError:
        _remove(temporary)
        raise
    return target


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _soundfile() -> Any:
    try:
        import soundfile
    except (ImportError, OSError) as exc:
        text = translate("AudioCodec", "Reading and saving audio needs the soundfile package")
        raise AudioError(text) from exc
    return soundfile


def _decode(source: str | BinaryIO, failure: str) -> DecodedAudio:
    sf = _soundfile()
    try:
        samples, samplerate = sf.read(source, dtype="int16", always_2d=True)
    except (sf.SoundFileError, RuntimeError, OSError, TypeError) as exc:
        raise AudioError(failure) from exc
    channels = int(samples.shape[1])
    pcm = np.ascontiguousarray(samples, dtype="<i2").tobytes()
    return DecodedAudio(pcm=pcm, format=PcmFormat(int(samplerate), channels))


def _write(file: BinaryIO, pcm: bytes, fmt: PcmFormat, container: str) -> None:
    if container not in SAVE_FORMATS:
        text = translate("AudioCodec", "Unknown audio format {format}")
        raise AudioError(text.format(format=repr(container)))
    sf = _soundfile()
    file_format, subtype = SAVE_FORMATS[container]
    frames = pcm_to_frames(pcm, fmt.channels)
    try:
        sf.write(file, frames, fmt.samplerate, format=file_format, subtype=subtype)
    except (sf.SoundFileError, RuntimeError, ValueError, TypeError) as exc:
        text = translate("AudioCodec", "The audio could not be encoded as {format}")
        raise AudioError(text.format(format=container.upper())) from exc
