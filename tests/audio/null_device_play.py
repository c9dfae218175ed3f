"""Run in a fresh process by test_null_device.py: play through a REAL PortAudio stream.

PortAudio scans the devices when sounddevice is imported, so ALSA_CONFIG_PATH (the
null device) must be set before this process starts. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from app.audio.backend import DEFAULT_BACKEND, AudioCallback, OutputStream
from app.audio.player import AudioPlayer
from tests.sim.tts import synth_pcm

received: list[np.ndarray] = []


def teeing_factory(
    *, callback: AudioCallback, samplerate: int, channels: int, device: int | str | None
) -> OutputStream:
    """The app's real factory, with a callback that also keeps what PortAudio got."""

    def tee(outdata: Any, frames: int, time: Any, status: Any) -> None:
        callback(outdata, frames, time, status)
        received.append(outdata.copy())

    return DEFAULT_BACKEND.open_output(
        callback=tee, samplerate=samplerate, channels=channels, device=device
    )


def main() -> int:
    expected = synth_pcm("Played through a real PortAudio stream.")
    player = AudioPlayer(teeing_factory)
    player.play(expected)
    done = player.wait_done(60)
    state = player.poll()
    sound = np.concatenate(received).reshape(-1) if received else np.zeros(0, np.int16)
    report = {
        "devices": [device.name for device in DEFAULT_BACKEND.output_devices()],
        "done": done,
        "state": state.value,
        "elapsed_ms": player.elapsed_ms,
        "total_ms": player.total_ms,
        "bit_exact": sound[sound != 0].tobytes() == expected,
        "callbacks": len(received),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
