"""The GUI thread while a big video is examined, encoded and sent to Omni.

Runs the real window (offscreen) against the simulator: attaches a video of
``--mb`` megabytes (default: the largest MP4 the 50 MB base64 limit allows), waits
until it is examined (type, probe, sha256: worker thread), sends it (base64 and JSON
in worker threads, the upload on the event loop) and waits for the reply. A 5 ms
``QTimer`` heartbeat measures the longest GUI-thread stall in each phase, beside a
100 KB image sent the same way (the baseline). For scale it also times the same
encoding and JSON work done directly on the GUI thread, i.e. the stall there would be
without the worker threads.

    python -m tests.benchmarks.attachments [--mb 37.4]

Prints figures, then one line of JSON. Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.assembly import build, shutdown, start
from app.core.media import max_file_size
from app.core.media_encoding import encode_data_url
from app.core.secrets import FileStore
from app.ui.wiring import AppParts
from tests import media_samples as samples
from tests.benchmarks.common import run_in_app, settled_rss
from tests.tools.harness import DEMO_KEY

HEARTBEAT_MS = 5
OMNI = "mimo-v2-omni"


class Heartbeat:
    """The longest gap between ticks of a precise 5 ms timer, per phase."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._tick)
        self._last = 0.0
        self.max_gap = 0.0

    def start(self) -> None:
        self._last, self.max_gap = time.perf_counter(), 0.0
        self.timer.start()

    def stop_ms(self) -> float:
        self.timer.stop()
        self._tick()
        return round(max(0.0, self.max_gap * 1000 - HEARTBEAT_MS), 1)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self._last)
        self._last = now


def make_video(path: Path, size: int) -> Path:
    """An MP4 of ``size`` bytes whose ``mdat`` is random (nothing compresses or repeats)."""
    head = samples.iso_media(b"isom", 60.0)[: -(8 + 1024)]
    with path.open("wb") as handle:
        handle.write(head + struct.pack(">I4s", size - len(head), b"mdat"))
        left = size - len(head) - 8
        while left > 0:
            piece = min(left, 1 << 22)
            handle.write(os.urandom(piece))
            left -= piece
    return path


async def until(condition: Any, timeout: float = 300.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError("timed out")
        await asyncio.sleep(0.01)


async def send_one(parts: AppParts, path: Path, beat: Heartbeat) -> dict[str, float]:
    attachments = parts.attachments
    beat.start()
    started = time.perf_counter()
    attachments.add_paths([path])
    await until(lambda: attachments.count == 1 and not attachments.busy())
    examined = time.perf_counter()
    examine_stall = beat.stop_ms()
    if attachments.problem() is not None:
        raise RuntimeError(attachments.problem())
    beat.start()
    sent = time.perf_counter()
    if not parts.chat.send("What is in this?", attachments.attachments()):
        raise RuntimeError("not sent")
    attachments.clear()
    await until(lambda: not parts.chat.busy)
    done = time.perf_counter()
    send_stall = beat.stop_ms()
    reply = parts.window.chat_view.bubbles[-1]
    if f"{path.stat().st_size} bytes" not in getattr(reply, "text", ""):
        raise RuntimeError(f"the simulator did not get the file whole: {reply.text[:200]!r}")
    return {
        "examine_ms": round((examined - started) * 1000, 1),
        "examine_stall_ms": examine_stall,
        "send_to_reply_ms": round((done - sent) * 1000, 1),
        "send_stall_ms": send_stall,
    }


def gui_thread_cost_ms(path: Path, mime: str) -> dict[str, float]:
    """The same encoding and JSON work on the calling thread (what a stall would be)."""
    started = time.perf_counter()
    url = encode_data_url(path, mime)
    encoded = time.perf_counter()
    body = json.dumps({"messages": [{"content": [{"video_url": {"url": url}}]}]}).encode()
    dumped = time.perf_counter()
    del url, body
    return {
        "encode_ms": round((encoded - started) * 1000, 1),
        "json_ms": round((dumped - encoded) * 1000, 1),
    }


@asynccontextmanager
async def app_with_remote_simulator(folder: Path) -> AsyncIterator[AppParts]:
    """The window, talking to the simulator in ANOTHER process.

    In-process, the simulator's thread would parse the 50 MB request (json, base64,
    sha256) while holding the GIL: a stall of the benchmark, not of the app.
    """
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.sim", "--port", "0", "--key", DEMO_KEY],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        base_url = line.split(" at ", 1)[1].split()[0]
        http = httpx.AsyncClient(timeout=httpx.Timeout(120.0))
        parts, _ = build(
            env={"MIMO_API_KEY": DEMO_KEY, "HOME": str(folder)},
            http=http,
            base_url=base_url,
            data_dir=str(folder / "data"),
            store_factory=lambda d: FileStore(d / "secrets.json"),
        )
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setQuitOnLastWindowClosed(False)  # as main() does: quitting is ours to do
        store = await start(parts)
        try:
            yield parts
        finally:
            parts.window.close()
            await shutdown(parts, http, store)
    finally:
        server.terminate()
        server.wait(10)


async def measure(size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = make_video(folder / "walk.mp4", size)
        picture = samples.write(folder, "photo.png", samples.png(180, 180))
        async with app_with_remote_simulator(folder) as parts:
            parts.window.model_picker.select(OMNI)
            await asyncio.sleep(0.3)  # start-up work (model list) settles
            beat = Heartbeat()
            baseline = await send_one(parts, picture, beat)
            big = await send_one(parts, video, beat)
            rss = settled_rss()
        direct = gui_thread_cost_ms(video, "video/mp4")
    return {
        "benchmark": "attachments",
        "video_bytes": size,
        "image_bytes": len(samples.png(180, 180)),
        "video": big,
        "image_baseline": baseline,
        "same_work_on_gui_thread": direct,
        "rss_after": rss,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    limit_mb = max_file_size("video/mp4") / 1_000_000
    parser.add_argument("--mb", type=float, default=round(limit_mb - 0.05, 2))
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    result = run_in_app(lambda: measure(size))
    video, image, direct = (
        result["video"],
        result["image_baseline"],
        result["same_work_on_gui_thread"],
    )
    print(f"video {size / 1e6:.1f} MB (limit {limit_mb:.2f} MB), image {result['image_bytes']:,} B")
    print(
        f"  examine: {video['examine_ms']} ms, longest GUI stall {video['examine_stall_ms']} ms"
        f" (image: {image['examine_ms']} ms, stall {image['examine_stall_ms']} ms)"
    )
    print(
        f"  send -> reply: {video['send_to_reply_ms']} ms, longest GUI stall"
        f" {video['send_stall_ms']} ms (image: {image['send_to_reply_ms']} ms,"
        f" stall {image['send_stall_ms']} ms)"
    )
    print(
        f"  the same base64 + JSON on the GUI thread: {direct['encode_ms']} +"
        f" {direct['json_ms']} ms"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
