"""The lazy sounddevice import and its errors: no PortAudio, no device, device errors."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from app.audio.backend import (
    NO_OUTPUT_DEVICE,
    PORTAUDIO_MISSING,
    SOUNDDEVICE_MISSING,
    AudioError,
    OutputDevice,
    SoundBackend,
)

REPO = Path(__file__).resolve().parents[2]


class PortAudioError(Exception):
    pass


def fake_sounddevice(devices: list[dict[str, Any]], default_output: int = -1) -> types.ModuleType:
    """A stand-in for the sounddevice module with the given device list."""
    module = types.ModuleType("sounddevice")
    module.PortAudioError = PortAudioError  # type: ignore[attr-defined]
    module.default = types.SimpleNamespace(device=[-1, default_output])  # type: ignore[attr-defined]
    module.query_devices = lambda: devices  # type: ignore[attr-defined]
    opened: list[dict[str, Any]] = []

    class OutputStream:
        def __init__(self, **kwargs: Any) -> None:
            if kwargs["samplerate"] == 1:
                raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")
            opened.append(kwargs)
            self.active = False

        def start(self) -> None:
            raise PortAudioError("Device unavailable [PaErrorCode -9985]")

        def close(self, ignore_errors: bool = True) -> None:
            opened.append({"closed": ignore_errors})

    module.OutputStream = OutputStream  # type: ignore[attr-defined]
    module.opened = opened  # type: ignore[attr-defined]
    return module


def backend_with(module: types.ModuleType) -> SoundBackend:
    return SoundBackend(importer=lambda name: module)


def open_on(backend: SoundBackend, samplerate: int = 24_000) -> Any:
    return backend.open_output(
        callback=lambda *args: None, samplerate=samplerate, channels=1, device=None
    )


def failing_importer(error: Exception) -> Any:
    def importer(name: str) -> types.ModuleType:
        raise error

    return importer


def test_missing_portaudio_is_an_audio_error_with_the_fix() -> None:
    backend = SoundBackend(importer=failing_importer(OSError("PortAudio library not found")))
    with pytest.raises(AudioError) as caught:
        open_on(backend)
    assert caught.value.message == PORTAUDIO_MISSING
    if sys.platform.startswith("linux"):
        assert "sudo apt install libportaudio2" in caught.value.message


def test_missing_sounddevice_package_is_an_audio_error() -> None:
    backend = SoundBackend(importer=failing_importer(ImportError("No module named sounddevice")))
    with pytest.raises(AudioError, match=SOUNDDEVICE_MISSING):
        backend.output_devices()


def test_no_output_device_is_an_audio_error() -> None:
    inputs_only = [{"name": "mic", "max_output_channels": 0}]
    with pytest.raises(AudioError, match=NO_OUTPUT_DEVICE):
        open_on(backend_with(fake_sounddevice(inputs_only)))


def test_output_devices_lists_only_outputs_and_marks_the_default() -> None:
    devices = [
        {"name": "mic", "max_output_channels": 0},
        {"name": "speakers", "max_output_channels": 2},
        {"name": "hdmi", "max_output_channels": 8},
    ]
    listed = backend_with(fake_sounddevice(devices, default_output=2)).output_devices()
    assert listed == [OutputDevice(1, "speakers", False), OutputDevice(2, "hdmi", True)]


def test_device_errors_become_audio_errors_and_the_stream_is_int16() -> None:
    module = fake_sounddevice([{"name": "speakers", "max_output_channels": 2}], 0)
    backend = backend_with(module)
    with pytest.raises(AudioError, match="could not be opened: Invalid sample rate"):
        open_on(backend, samplerate=1)
    stream = open_on(backend)
    assert module.opened[0]["dtype"] == "int16"  # type: ignore[attr-defined]
    with pytest.raises(AudioError, match="could not be started: Device unavailable"):
        stream.start()
    assert stream.active is False
    stream.close()
    assert module.opened[-1] == {"closed": True}  # type: ignore[attr-defined]


def test_the_module_is_imported_once() -> None:
    calls: list[str] = []
    module = fake_sounddevice([])

    def importer(name: str) -> types.ModuleType:
        calls.append(name)
        return module

    backend = SoundBackend(importer=importer)
    backend.output_devices()
    backend.output_devices()
    assert calls == ["sounddevice"]


def run_python(code: str, tmp_path: Path) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}",
        "QT_QPA_PLATFORM": "offscreen",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_importing_the_audio_package_does_not_import_sounddevice(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import app.audio.player, app.audio.qt_player, app.audio.speech, app.audio.codec\n"
        "import app.audio.cache, app.audio.speech_text, app.api.tts_client\n"
        "print('sounddevice' in sys.modules)"
    )
    assert run_python(code, tmp_path) == "False"


def test_without_portaudio_the_player_reports_how_to_fix_it(tmp_path: Path) -> None:
    # What the real sounddevice does when libportaudio2 is not installed.
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    code = (
        "from app.audio.backend import AudioError\n"
        "from app.audio.player import AudioPlayer\n"
        "try:\n"
        "    AudioPlayer().play(b'\\x01\\x00')\n"
        "except AudioError as error:\n"
        "    print(error.message)\n"
    )
    assert run_python(code, tmp_path) == PORTAUDIO_MISSING
