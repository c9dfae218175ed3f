"""Speak to sound: from the Speak click to the first sample handed to the sound device.

Runs the real window (offscreen) against the simulator; the speech panel plays into a
fake device that pulls 20 ms blocks in real time (``tests/audio/fakes.py``
``RecordingSink``), so the figure is the app's own: request, streaming, decoding,
pre-buffer and the first callback, without a sound card's output latency. Beside it,
the simulator's time to its first audio piece (``Plan.event_log``), measured from the
same click: what the app adds is the difference. Each run speaks a new text (no cache).

    python -m tests.benchmarks.speech [--runs 20] [--interval 0.1]

Prints figures, then one line of JSON. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import tests.tools.harness as harness
from app.assembly import build
from app.audio.backend import OutputDevice
from app.ui.wiring import AppParts
from tests.audio.fakes import RecordingSink
from tests.benchmarks.common import run_in_app
from tests.sim import Plan, Simulator
from tests.sim.plan import SentEvent


async def speak_once(
    parts: AppParts, sim: Simulator, sink: RecordingSink, text: str, plan: Plan
) -> tuple[float, float]:
    """(ms to the first sample at the device, ms to the simulator's first piece)."""
    log: list[SentEvent] = []
    plan.event_log = log
    sim.enqueue(plan)
    panel = parts.window.tts_panel
    panel.text.setPlainText(text)
    with sink.lock:
        sink.blocks.clear()
    clicked = time.monotonic()
    panel.speak_button.click()
    while sink.first_sound_at() is None:
        await asyncio.sleep(0.001)
    heard = sink.first_sound_at()
    assert heard is not None
    first_piece = next(event.at for event in log if '"audio"' in event.data)
    parts.speech.stop()
    while parts.speech.owner is not None:
        await asyncio.sleep(0.005)
    return (heard - clicked) * 1000, (first_piece - clicked) * 1000


async def measure(runs: int, interval: float) -> dict[str, Any]:
    sink = RecordingSink(blocksize=480, realtime=True, speed=1.0)
    speakers = [OutputDevice(0, "Fake speakers", True)]
    harness.build = functools.partial(  # type: ignore[assignment]
        build, audio_output=sink, audio_devices=lambda: speakers
    )
    async with harness.simulated_app(Plan(content="Hi")) as (parts, sim):
        parts.window.speech_panel_action.trigger()
        await asyncio.sleep(0.3)  # start-up work (model list) settles
        results: dict[str, Any] = {"benchmark": "speech", "runs": runs}
        for name, plan_args in (
            ("unpaced", {"audio_pieces": 4}),
            ("paced", {"audio_pieces": 10, "audio_interval": interval}),
        ):
            device, server = [], []
            for run in range(runs + 1):  # the first run warms up (imports, connection)
                text = f"Run {run} of the {name} speech benchmark: a sentence of a few words."
                at_device, at_server = await speak_once(parts, sim, sink, text, Plan(**plan_args))
                if run:
                    device.append(at_device)
                    server.append(at_server)
            results[name] = {
                "plan": plan_args,
                "device_ms_median": round(statistics.median(device), 1),
                "device_ms_min": round(min(device), 1),
                "device_ms_max": round(max(device), 1),
                "first_piece_ms_median": round(statistics.median(server), 1),
                "app_adds_ms_median": round(
                    statistics.median(d - s for d, s in zip(device, server, strict=True)), 1
                ),
            }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.1, help="paced: s between pieces")
    args = parser.parse_args()
    result = run_in_app(lambda: measure(args.runs, args.interval))
    for name in ("unpaced", "paced"):
        row = result[name]
        print(
            f"{name} {row['plan']}: Speak -> first sample at the device, median"
            f" {row['device_ms_median']} ms (min {row['device_ms_min']}, max"
            f" {row['device_ms_max']}); simulator's first piece {row['first_piece_ms_median']}"
            f" ms; the app adds {row['app_adds_ms_median']} ms (n={args.runs})"
        )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
