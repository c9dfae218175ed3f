"""Real PortAudio streams on ALSA's null and file devices (no sound card): play, record.

The ALSA configuration goes into a temporary file and ALSA_CONFIG_PATH points at it;
PortAudio reads it when sounddevice is imported, so the playback runs in a fresh
process (tests/audio/null_device_play.py). Needs libportaudio2 and libasound2, as CI has.
"""

from __future__ import annotations

import asyncio
import ctypes.util
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile

from app.api.client import ChatRequest, MimoClient
from app.api.events import TextDelta
from app.core.conversation import Attachment, Message
from app.core.request_media import with_media
from tests.sim import Simulator

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


ALSA_CAPTURE = """\
pcm.!default {{ type plug slave.pcm "capture" }}
pcm.capture {{ type file slave.pcm "nullsink" file "/dev/null" infile "{infile}" format "raw" }}
pcm.nullsink {{ type null }}
"""


def test_a_recording_through_portaudio_is_a_wav_that_reaches_the_simulator(
    tmp_path: Path,
) -> None:
    voice = (np.arange(48_000) % 400 * 160 - 32_000).astype("<i2")  # a known saw wave
    infile = tmp_path / "microphone.raw"  # what the "microphone" hears, as 16 kHz S16_LE
    voice.tofile(infile)
    config = tmp_path / "asound-capture.conf"
    config.write_text(ALSA_CAPTURE.format(infile=infile))
    env = {**os.environ, "ALSA_CONFIG_PATH": f"{SYSTEM_ALSA}:{config}", "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "tests.audio.null_device_record", str(tmp_path / "out")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["enough"] is True
    recorded, rate = soundfile.read(report["path"], dtype="int16")
    assert rate == 16_000 and len(recorded) == 16_000
    assert np.array_equal(recorded, voice[:16_000])  # exactly what the device gave

    wav = Path(report["path"])
    attachment = Attachment(wav, "audio/wav", wav.name, wav.stat().st_size)
    question = Message(role="user", content="What did I say?", attachments=[attachment])
    with Simulator() as sim:
        reply = asyncio.run(_ask(sim.base_url, question))
    digest = hashlib.sha256(wav.read_bytes()).hexdigest()[:12]
    assert f"audio/wav 1.00 s {wav.stat().st_size} bytes sha256={digest}" in reply


async def _ask(base_url: str, question: Message) -> str:
    async with httpx.AsyncClient() as http:
        client = MimoClient(http, base_url=base_url, api_key="sk-test")
        messages = await with_media([(question, question.to_request())])
        request = ChatRequest(model="mimo-v2-omni", messages=messages)
        events = [event async for event in client.stream_chat(request)]
    return "".join(event.text for event in events if isinstance(event, TextDelta))
