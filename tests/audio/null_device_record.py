"""Run in a fresh process by test_null_device.py: record through a REAL PortAudio stream.

ALSA_CONFIG_PATH points the default capture device at ALSA's file plugin, which reads
its samples from a raw file the test wrote. Records one second with the app's
recorder, saves it with the app's code and prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

from app.audio.backend import DEFAULT_BACKEND, OutputStream
from app.audio.recorder import RECORDING_FORMAT, AudioRecorder, InputCallback, save_recording

FRAMES = RECORDING_FORMAT.samplerate  # one second
enough = threading.Event()
counted = [0]


def counting_factory(
    *, callback: InputCallback, samplerate: int, channels: int, device: int | str | None
) -> OutputStream:
    """The app's real input factory, with a callback that also says when to stop."""

    def count(indata: Any, frames: int, time: Any, status: Any) -> None:
        callback(indata, frames, time, status)
        counted[0] += frames
        if counted[0] >= FRAMES:
            enough.set()

    return DEFAULT_BACKEND.open_input(
        callback=count, samplerate=samplerate, channels=channels, device=device
    )


def main() -> int:
    recorder = AudioRecorder(counting_factory, max_seconds=1.0)
    recorder.start()
    got_enough = enough.wait(60)
    pcm = recorder.stop()
    path = save_recording(pcm, Path(sys.argv[1]), "question")
    print(json.dumps({"enough": got_enough, "path": str(path), "bytes": len(pcm)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
