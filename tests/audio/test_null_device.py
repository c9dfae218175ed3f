"""One playback through a real PortAudio stream, on ALSA's null device (no sound card).

The ALSA configuration goes into a temporary file and ALSA_CONFIG_PATH points at it;
PortAudio reads it when sounddevice is imported, so the playback runs in a fresh
process (tests/audio/null_device_play.py). Needs libportaudio2 and libasound2, as CI has.
"""

from __future__ import annotations

import ctypes.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ALSA_NULL = """\
pcm.!default { type plug slave.pcm "nullsink" }
pcm.nullsink { type null hint { show on description "Null output" } }
"""
SYSTEM_ALSA = Path("/usr/share/alsa/alsa.conf")

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or ctypes.util.find_library("portaudio") is None
    or not SYSTEM_ALSA.exists(),
    reason="needs Linux with libportaudio2 and libasound2",
)


def test_playback_through_portaudio_on_the_alsa_null_device(tmp_path: Path) -> None:
    config = tmp_path / "asound-null.conf"
    config.write_text(ALSA_NULL)
    env = {
        **os.environ,
        "ALSA_CONFIG_PATH": f"{SYSTEM_ALSA}:{config}",
        "PYTHONPATH": str(REPO),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.audio.null_device_play"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "nullsink" in report["devices"]
    assert report["done"] is True
    assert report["state"] == "finished"
    assert report["elapsed_ms"] == report["total_ms"] > 0
    assert report["callbacks"] > 1
    assert report["bit_exact"] is True  # PortAudio's buffers held exactly our samples
