"""The one place that imports sounddevice, and the one audio error type.

``import sounddevice`` raises ``OSError`` when the PortAudio library is missing, and
PortAudio scans the devices when it is imported. So nothing imports sounddevice at
module level: :class:`SoundBackend` imports it on first use, and turns a missing
PortAudio, a missing device and device failures into :class:`AudioError`, whose
message is written for the user. The app starts (and shows text chat) without it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, Protocol

from app.api.translation import QT_TRANSLATE_NOOP, translate

if TYPE_CHECKING:  # numpy costs ~50 ms to import: not needed to list devices or start
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DEFAULT_BACKEND",
    "AudioCallback",
    "AudioError",
    "OutputDevice",
    "OutputStream",
    "SoundBackend",
    "StreamFactory",
]


# The English messages (tests compare with them); raise them through message().
PORTAUDIO_MISSING: Final = (
    QT_TRANSLATE_NOOP(
        "SoundBackend", "Sound output needs PortAudio: sudo apt install libportaudio2"
    )
    if sys.platform.startswith("linux")
    else QT_TRANSLATE_NOOP(
        "SoundBackend", "Sound output needs the PortAudio library, which was not found"
    )
)
SOUNDDEVICE_MISSING: Final = QT_TRANSLATE_NOOP(
    "SoundBackend", "Sound output needs the Python package sounddevice"
)
NO_OUTPUT_DEVICE: Final = QT_TRANSLATE_NOOP(
    "SoundBackend", "No sound output device was found. Connect speakers or headphones"
)
NO_INPUT_DEVICE: Final = QT_TRANSLATE_NOOP(
    "SoundBackend", "No microphone was found. Connect one, or check it is not disabled"
)
DEVICE_LOST: Final = QT_TRANSLATE_NOOP(
    "SoundBackend", "The sound output device stopped working (was it unplugged?)"
)


def message(english: str) -> str:
    """One of the messages above in the user's language."""
    return translate("SoundBackend", english)


class AudioError(Exception):
    """Sound cannot be played (or a file not read or written); ``message`` says why.

    The message is written for the user, in the user's language.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


if TYPE_CHECKING:
    AudioCallback = Callable[[npt.NDArray[np.int16], int, Any, Any], None]
else:
    AudioCallback = Callable[[Any, int, Any, Any], None]
"""``callback(outdata, frames, time, status)``, as sounddevice calls it."""


class OutputStream(Protocol):
    """The part of ``sounddevice.OutputStream`` the player uses."""

    @property
    def active(self) -> bool:
        """True while the device pulls audio from the callback."""
        ...

    def start(self) -> None:
        """Start pulling; raises :class:`AudioError`."""
        ...

    def close(self) -> None:
        """Stop at once (pending audio is dropped) and release the device."""
        ...


class StreamFactory(Protocol):
    """Opens a 16-bit output stream that pulls from ``callback``; raises AudioError."""

    def __call__(
        self,
        *,
        callback: AudioCallback,
        samplerate: int,
        channels: int,
        device: int | str | None,
    ) -> OutputStream: ...


@dataclass(frozen=True, slots=True)
class OutputDevice:
    """An output device for a settings menu; pass ``index`` as the player's device."""

    index: int
    name: str
    is_default: bool


class SoundBackend:
    """Lazy access to sounddevice.

    Args:
        importer: Imports a module by name; injected by tests to fake a missing
            PortAudio (an importer that raises ``OSError``).
    """

    def __init__(self, importer: Callable[[str], ModuleType] = importlib.import_module) -> None:
        self._importer = importer
        self._module: ModuleType | None = None

    def module(self) -> Any:
        """The sounddevice module, imported on first use.

        Raises:
            AudioError: PortAudio or sounddevice is missing.
        """
        if self._module is None:
            try:
                self._module = self._importer("sounddevice")
            except OSError as exc:
                raise AudioError(message(PORTAUDIO_MISSING)) from exc
            except ImportError as exc:
                raise AudioError(message(SOUNDDEVICE_MISSING)) from exc
        return self._module

    def output_devices(self) -> list[OutputDevice]:
        """The devices that can play sound; empty when there is none.

        Raises:
            AudioError: PortAudio is missing.
        """
        sd = self.module()
        try:
            default = sd.default.device[1]
            devices = sd.query_devices()
        except sd.PortAudioError as exc:
            raise AudioError(_devices_not_listed(exc)) from exc
        return [
            OutputDevice(index=index, name=str(info["name"]), is_default=index == default)
            for index, info in enumerate(devices)
            if info["max_output_channels"] > 0
        ]

    def open_output(
        self,
        *,
        callback: AudioCallback,
        samplerate: int,
        channels: int,
        device: int | str | None,
    ) -> OutputStream:
        """Open (not start) a 16-bit output stream; a :class:`StreamFactory`.

        Raises:
            AudioError: PortAudio is missing, there is no output device, or the
                device refused the format.
        """
        sd = self.module()
        if device is None and not self.output_devices():
            raise AudioError(message(NO_OUTPUT_DEVICE))
        return _open_stream(sd, sd.OutputStream, False, callback, samplerate, channels, device)

    def open_input(
        self,
        *,
        callback: Callable[..., None],
        samplerate: int,
        channels: int,
        device: int | str | None,
    ) -> OutputStream:
        """Open (not start) a 16-bit input stream that pushes into ``callback``.

        Raises:
            AudioError: PortAudio is missing, there is no input device, or the device
                refused the format.
        """
        sd = self.module()
        try:
            has_input = any(info["max_input_channels"] > 0 for info in sd.query_devices())
        except sd.PortAudioError as exc:
            raise AudioError(_devices_not_listed(exc)) from exc
        if device is None and not has_input:
            raise AudioError(message(NO_INPUT_DEVICE))
        return _open_stream(sd, sd.InputStream, True, callback, samplerate, channels, device)


def _devices_not_listed(exc: Exception) -> str:
    return translate("SoundBackend", "The sound devices could not be listed: {error}").format(
        error=exc
    )


def _open_stream(
    sd: Any,
    stream_type: Callable[..., Any],
    microphone: bool,
    callback: Callable[..., None],
    samplerate: int,
    channels: int,
    device: int | str | None,
) -> OutputStream:
    """Open (not start) a 16-bit sounddevice stream; ``microphone`` names it in the error."""
    try:
        stream = stream_type(
            samplerate=samplerate,
            channels=channels,
            dtype="int16",
            device=device,
            callback=callback,
        )
    except (sd.PortAudioError, ValueError) as exc:
        text = (
            translate("SoundBackend", "The microphone could not be opened: {error}")
            if microphone
            else translate("SoundBackend", "The sound output could not be opened: {error}")
        )
        raise AudioError(text.format(error=exc)) from exc
    return _SoundDeviceStream(stream, sd.PortAudioError)


class _SoundDeviceStream:
    """A ``sounddevice.OutputStream`` whose failures are :class:`AudioError`."""

    def __init__(self, stream: Any, error_type: type[Exception]) -> None:
        self._stream = stream
        self._error_type = error_type

    @property
    def active(self) -> bool:
        return bool(self._stream.active)

    def start(self) -> None:
        try:
            self._stream.start()
        except self._error_type as exc:
            text = translate("SoundBackend", "The sound output could not be started: {error}")
            raise AudioError(text.format(error=exc)) from exc

    def close(self) -> None:
        self._stream.close(ignore_errors=True)


DEFAULT_BACKEND: Final = SoundBackend()
"""The backend of the app; its ``open_output`` is the players' default factory."""
