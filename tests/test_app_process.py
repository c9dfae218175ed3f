"""The app as a user starts it: ``python -m app`` in its own process, offscreen."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.sim import Simulator

REPO = Path(__file__).resolve().parent.parent


def app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MIMO_", "QT_", "XDG_")) and key != "DISPLAY"
    }
    env.update(
        QT_QPA_PLATFORM="offscreen",
        HOME=str(tmp_path),
        PYTHONPATH=str(REPO),
        PYTHONFAULTHANDLER="1",
    )
    env.update(extra)
    return env


def test_app_starts_shows_the_window_and_quits_cleanly_on_sigterm(
    sim: Simulator, tmp_path: Path
) -> None:
    env = app_env(tmp_path, MIMO_API_KEY="sk-test", MIMO_DESKTOP_STARTUP_PROBE="1")
    command = [sys.executable, "-m", "app", "--base-url", sim.base_url]
    command += ["--data-dir", str(tmp_path / "data")]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        stages = [process.stdout.readline().split(" ")[0] for _ in range(3)]  # pytest-timeout
        assert stages == ["first-paint", "window-paint", "ready"]  # outline, widgets, wired
        assert sim.wait_for_requests(1, timeout=20)  # the key was used to list models
        assert sim.requests[0].path == "/v1/models"
        assert sim.requests[0].api_key == "sk-test"
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    # The offscreen platform plugin (only) prints this when size limits change.
    noise = "This plugin does not support propagateSizeHints()"
    assert [line for line in err.splitlines() if line != noise] == [], err
    settings = tmp_path / "data" / "config" / "settings.json"
    assert "window_geometry" in settings.read_text()


def test_version_flag_prints_the_version_without_a_display(tmp_path: Path) -> None:
    env = app_env(tmp_path)
    del env["QT_QPA_PLATFORM"]
    result = subprocess.run(
        [sys.executable, "-m", "app", "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("mimo-desktop ")


def test_without_a_display_the_app_says_what_to_do(tmp_path: Path) -> None:
    env = app_env(tmp_path)
    del env["QT_QPA_PLATFORM"]
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "app"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "no display" in result.stderr
    assert "Traceback" not in result.stderr
