"""Recording a voice question: a sounddevice InputStream into memory, then a WAV file.

The input callback runs in PortAudio's thread: it only copies the block, adds it to a
list under a lock and updates two counters (frames, peak level). Nothing there
touches Qt or the disk; :meth:`AudioRecorder.stop` hands the samples over and
:func:`save_recording` (run in a worker thread) writes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from app.api.translation import translate
from app.api.tts import PcmFormat
from app.audio.backend import DEFAULT_BACKEND, AudioError, OutputStream
from app.audio.codec import save_pcm

__all__ = ["RECORDING_FORMAT", "AudioRecorder", "InputStreamFactory", "save_recording"]

RECORDING_FORMAT: Final = PcmFormat(16000, 1, 2)
"""16 kHz mono 16-bit: speech needs no more, and a minute is under 2 MB."""
MAX_SECONDS: Final = 600

InputCallback = Callable[[npt.NDArray[np.int16], int, Any, Any], None]
"""``callback(indata, frames, time, status)``, as sounddevice calls it."""


class InputStreamFactory(Protocol):
    """Opens (not starts) a 16-bit input stream that pushes into ``callback``."""

    def __call__(
        self,
        *,
        callback: InputCallback,
        samplerate: int,
        channels: int,
        device: int | str | None,
    ) -> OutputStream: ...


class AudioRecorder:
    """Records from an input device until stopped (or :data:`MAX_SECONDS`).

    Args:
        stream_factory: Opens the input stream; default the real device
            (:meth:`SoundBackend.open_input`); tests pass a fake or the ALSA null device.
        device: The input device, or None for the default.
        max_seconds: Recording stops taking samples after this long.
    """

    def __init__(
        self,
        stream_factory: InputStreamFactory | None = None,
        *,
        device: int | str | None = None,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self.stream_factory: InputStreamFactory = stream_factory or DEFAULT_BACKEND.open_input
        self._device = device
        self._max_frames = int(max_seconds * RECORDING_FORMAT.samplerate)
        self._lock = threading.Lock()
        self._blocks: list[bytes] = []
        self._frames = 0
        self._peak = 0.0
        self._stream: OutputStream | None = None

    @property
    def recording(self) -> bool:
        return self._stream is not None

    @property
    def elapsed_ms(self) -> int:
        return RECORDING_FORMAT.ms_of(self._frames)

    @property
    def full(self) -> bool:
        """True when :data:`MAX_SECONDS` were recorded; later samples are dropped."""
        return self._frames >= self._max_frames

    def take_level(self) -> float:
        """The input peak (0.0 to 1.0) since the last call, for a level meter."""
        with self._lock:
            peak, self._peak = self._peak, 0.0
        return peak

    def start(self) -> None:
        """Open the input and start recording (earlier samples are dropped).

        Raises:
            AudioError: PortAudio is missing, there is no input device, or it failed.
        """
        self.cancel()
        stream = self.stream_factory(
            callback=self._callback,
            samplerate=RECORDING_FORMAT.samplerate,
            channels=RECORDING_FORMAT.channels,
            device=self._device,
        )
        self._stream = stream
        try:
            stream.start()
        except AudioError:
            self._close()
            raise

    def stop(self) -> bytes:
        """Stop and return the recorded PCM (:data:`RECORDING_FORMAT`)."""
        self._close()
        with self._lock:
            pcm = b"".join(self._blocks)
            self._blocks.clear()
            self._frames = 0
        return pcm

    def cancel(self) -> None:
        """Stop and forget what was recorded."""
        self.stop()

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def _callback(
        self, indata: npt.NDArray[np.int16], frames: int, _time: Any, _status: Any
    ) -> None:
        room = self._max_frames - self._frames
        if room <= 0:
            return
        block = indata[: min(frames, room)]
        peak = float(np.abs(block.astype(np.int32)).max(initial=0)) / 32768.0
        data = block.tobytes()
        with self._lock:
            self._blocks.append(data)
            self._frames += len(block)
            self._peak = max(self._peak, peak)


def save_recording(pcm: bytes, folder: Path, stem: str) -> Path:
    """Write a recording as ``folder/stem.wav`` (a new name if taken); blocking I/O.

    Raises:
        AudioError: Nothing was recorded, or the file could not be written.
    """
    if len(pcm) < RECORDING_FORMAT.frame_bytes:
        raise AudioError(
            translate("AudioRecorder", "Nothing was recorded: is the microphone muted?")
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        text = translate("AudioRecorder", "The recording could not be saved: {reason}")
        raise AudioError(text.format(reason=exc.strerror)) from exc
    path, number = folder / f"{stem}.wav", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}.wav"
    return save_pcm(path, pcm, RECORDING_FORMAT, "wav")
