"""Crash safety for real: the app is killed with SIGKILL mid-reply, several times.

Each round starts ``python -m app --ask ...`` against the simulator, waits until part of
the reply is on disk, waits a random extra moment, and kills the process. A normal start
afterwards must find every question and every partial reply, the replies marked
interrupted, and a database that passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.core.history import DATABASE_NAME
from tests.sim import Plan, Simulator
from tests.test_app_process import app_env

ROUNDS = 4
LONG_REPLY = " ".join(f"word{i}" for i in range(2000))


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll a condition (another process's progress) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    if not database.exists():
        return []
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        connection.close()


def test_killing_the_app_mid_reply_loses_nothing(sim: Simulator, tmp_path: Path) -> None:
    rng = random.Random(20261126)
    sim.default_plan = Plan(content=LONG_REPLY, tokens_per_second=400)
    data_dir = tmp_path / "data"
    database = data_dir / "data" / DATABASE_NAME
    env = app_env(tmp_path, MIMO_API_KEY="sk-test")
    base = [sys.executable, "-m", "app", "--base-url", sim.base_url, "--data-dir", str(data_dir)]

    for round_number in range(ROUNDS):
        question = f"Question number {round_number}"
        process = subprocess.Popen([*base, "--ask", question], env=env, stderr=subprocess.DEVNULL)
        try:
            wait_for(
                lambda q=question: bool(
                    query(
                        database,
                        "SELECT a.content FROM messages a JOIN messages u ON a.parent_id = u.id"
                        f" WHERE u.content = '{q}' AND length(a.content) > 0",
                    )
                )
            )
            time.sleep(rng.uniform(0.0, 0.6))  # a random moment mid-reply, not a sync
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=20)
        assert process.returncode == -signal.SIGKILL

    restart = subprocess.Popen(
        base,
        env={**env, "MIMO_DESKTOP_STARTUP_PROBE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert restart.stdout is not None
    assert restart.stdout.readline().startswith("first-paint")
    wait_for(lambda: not query(database, "SELECT 1 FROM messages WHERE status = 'streaming'"))
    restart.send_signal(signal.SIGTERM)
    assert restart.wait(timeout=20) == 0
    restart.stdout.close()

    assert query(database, "PRAGMA integrity_check") == [("ok",)]
    replies = query(
        database,
        "SELECT u.content, a.content, a.status FROM messages a"
        " JOIN messages u ON a.parent_id = u.id WHERE a.role = 'assistant'"
        " ORDER BY u.created_at",
    )
    assert [row[0] for row in replies] == [f"Question number {n}" for n in range(ROUNDS)]
    for _question, content, status in replies:
        assert status == "interrupted"
        assert isinstance(content, str) and content
        assert LONG_REPLY.startswith(content)
        assert len(content) < len(LONG_REPLY)
