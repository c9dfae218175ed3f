"""Start-up: process start to the first painted main window, beside a bare PySide6 window.

    python -m tests.benchmarks.startup [--runs 10]

Both are started the same way (a fresh ``python`` process, offscreen unless
QT_QPA_PLATFORM says otherwise) and timed from just before ``Popen`` to the line the
process prints on its window's first Paint event. The app prints, in order:

- ``first-paint``: the main window on screen, drawn as an outline of its layout in the
  theme's colours (:mod:`app.ui.first_paint`);
- ``window-paint``: the same window painted again with all its widgets and menus;
- ``ready``: wired, the history listed and the last chat reopened (answering).

All three are reported; the ratio is the first one's. The app's modules are compiled
to bytecode first, as an installed app's are (pip and the bundle compile them; a
``PYTHONDONTWRITEBYTECODE`` environment, like this sandbox's, would otherwise compile
them again in every run). Prints the figures, then one JSON line.
"""

from __future__ import annotations

import argparse
import compileall
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
APP_STAGES = ("first-paint", "window-paint", "ready")

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


def time_to_stages(
    command: list[str], env: dict[str, str], stages: tuple[str, ...]
) -> dict[str, float]:
    """Milliseconds from ``Popen`` to each of ``stages``' lines, which must come in order."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    times: dict[str, float] = {}
    try:
        assert process.stdout is not None
        for stage in stages:
            line = process.stdout.readline()
            if line.split(" ", 1)[0].strip() != stage:
                raise RuntimeError(f"expected {stage!r}, got {line!r}")
            times[stage] = (time.perf_counter() - started) * 1000
        return times
    finally:
        process.terminate()
        process.wait(timeout=20)


def rss_after_start_mb(command: list[str], env: dict[str, str], stages: tuple[str, ...]) -> float:
    """The process's RSS once it printed its last stage (the app: ``ready``, not half-built)."""
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        for _stage in stages:
            process.stdout.readline()
        return rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=20)


def summary(label: str, values: list[float]) -> str:
    return (
        f"{label}: median {statistics.median(values):.1f} ms "
        f"(min {min(values):.0f}, max {max(values):.0f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    compileall.compile_dir(REPO / "app", quiet=1)
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
        time_to_stages(app, env, APP_STAGES)  # warm the file cache for both
        time_to_stages(bare, env, ("first-paint",))
        app_runs: list[dict[str, float]] = []
        bare_ms: list[float] = []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            bare_ms.append(time_to_stages(bare, env, ("first-paint",))["first-paint"])
            app_runs.append(time_to_stages(app, env, APP_STAGES))
        app_rss = rss_after_start_mb(app, env, APP_STAGES)
        bare_rss = rss_after_start_mb(bare, env, ("first-paint",))
    first, window, ready = ([run[stage] for run in app_runs] for stage in APP_STAGES)
    bare_median = statistics.median(bare_ms)
    result = {
        "benchmark": "startup",
        "runs": args.runs,
        "platform": env["QT_QPA_PLATFORM"],
        "app_first_paint_ms_median": round(statistics.median(first), 1),
        "bare_first_paint_ms_median": round(bare_median, 1),
        "ratio": round(statistics.median(first) / bare_median, 2),
        "app_window_paint_ms_median": round(statistics.median(window), 1),
        "window_paint_ratio": round(statistics.median(window) / bare_median, 2),
        "app_ready_ms_median": round(statistics.median(ready), 1),
        "app_rss_mb": round(app_rss, 1),
        "bare_rss_mb": round(bare_rss, 1),
    }
    print(summary("app  first paint (outline)", first))
    print(summary("bare first paint", bare_ms))
    print(f"ratio app/bare: {result['ratio']}")
    print(summary("app  window with its widgets painted", window))
    print(f"ratio window/bare: {result['window_paint_ratio']}")
    print(summary("app  ready (wired, history open)", ready))
    print(f"RSS once ready: app {result['app_rss_mb']} MB, bare {result['bare_rss_mb']} MB")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
