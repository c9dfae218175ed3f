"""Start-up: process start to the first painted main window, beside a bare PySide6 window.

    python -m tests.benchmarks.startup [--runs 10]

Both are started the same way (a fresh ``python`` process, offscreen unless
QT_QPA_PLATFORM says otherwise) and timed from just before ``Popen`` to the line the
process prints on its window's first Paint event. The app then goes on to wire its
parts, open the history and reopen the last chat, and prints ``ready``: that time is
reported too (the window is on screen, but not yet answering, in between). Prints the
figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.common import rss_mb

REPO = Path(__file__).resolve().parents[2]

BARE_WINDOW = """
import sys
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print("first-paint", flush=True)
            watched.removeEventFilter(self)
        return False
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(980, 720)
probe = Probe()
window.installEventFilter(probe)
window.show()
app.exec()
"""


def time_to_first_paint(command: list[str], env: dict[str, str], *, ready: bool = False) -> float:
    """Milliseconds to the ``first-paint`` line (to the ``ready`` line, when asked)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("first-paint"):
            raise RuntimeError(f"unexpected output: {line!r}")
        if ready:
            line = process.stdout.readline()
            if not line.startswith("ready"):
                raise RuntimeError(f"unexpected output: {line!r}")
        return (time.perf_counter() - started) * 1000
    finally:
        process.terminate()
        process.wait(timeout=20)


def rss_after_start_mb(command: list[str], env: dict[str, str]) -> float:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        if command[1:3] == ["-m", "app"]:
            process.stdout.readline()  # "ready": the app's idle RSS, not half-built
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env.update(
            HOME=home,
            PYTHONPATH=str(REPO),
            MIMO_API_KEY="sk-benchmark",
            MIMO_BASE_URL="http://127.0.0.1:9/v1",  # nothing listens: no network at start
            MIMO_DESKTOP_STARTUP_PROBE="1",
        )
        app = [sys.executable, "-m", "app", "--data-dir", str(Path(home) / "data")]
        bare = [sys.executable, "-c", BARE_WINDOW]
        time_to_first_paint(app, env)  # warm the file cache for both
        time_to_first_paint(bare, env)
        app_ms, bare_ms, ready_ms = [], [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            bare_ms.append(time_to_first_paint(bare, env))
            app_ms.append(time_to_first_paint(app, env))
            ready_ms.append(time_to_first_paint(app, env, ready=True))
        app_rss = rss_after_start_mb(app, env)
        bare_rss = rss_after_start_mb(bare, env)
    result = {
        "benchmark": "startup",
        "runs": args.runs,
        "platform": env["QT_QPA_PLATFORM"],
        "app_first_paint_ms_median": round(statistics.median(app_ms), 1),
        "bare_first_paint_ms_median": round(statistics.median(bare_ms), 1),
        "ratio": round(statistics.median(app_ms) / statistics.median(bare_ms), 2),
        "app_ready_ms_median": round(statistics.median(ready_ms), 1),
        "app_rss_mb": round(app_rss, 1),
        "bare_rss_mb": round(bare_rss, 1),
    }
    print(
        f"app  first paint: median {result['app_first_paint_ms_median']} ms "
        f"(min {min(app_ms):.0f}, max {max(app_ms):.0f})"
    )
    print(
        f"bare first paint: median {result['bare_first_paint_ms_median']} ms "
        f"(min {min(bare_ms):.0f}, max {max(bare_ms):.0f})"
    )
    print(f"ratio app/bare: {result['ratio']}")
    print(
        f"app ready (wired, history open): median {result['app_ready_ms_median']} ms "
        f"(min {min(ready_ms):.0f}, max {max(ready_ms):.0f})"
    )
    print(f"RSS once ready: app {result['app_rss_mb']} MB, bare {result['bare_rss_mb']} MB")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
