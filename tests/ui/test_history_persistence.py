"""Nothing lost: what the window shows is in the SQLite file, before and while it streams."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.history import DATABASE_NAME
from app.ui.event_loop import AppEventLoop
from tests.sim import Plan, Simulator
from tests.ui.conftest import RunningApp, start_app


def rows(app: RunningApp) -> list[tuple[str, str, str]]:
    """(role, content, status) of every message, read through a second connection."""
    connection = sqlite3.connect(app.data_dir / "data" / DATABASE_NAME)
    try:
        return connection.execute(
            "SELECT role, content, status FROM messages ORDER BY created_at, rowid"
        ).fetchall()
    finally:
        connection.close()


def test_the_question_is_committed_before_the_request_goes_out(app: RunningApp) -> None:
    app.sim.default_plan = Plan(hang=True)

    app.send("Is this saved first?")
    app.qtbot.waitUntil(lambda: len(app.chat_requests()) == 1)

    # The simulator has the request, so everything before it was already committed.
    assert rows(app) == [
        ("user", "Is this saved first?", "complete"),
        ("assistant", "", "streaming"),
    ]


def test_a_streaming_reply_is_checkpointed_then_closed(app: RunningApp) -> None:
    app.sim.default_plan = Plan(content="one two three four five six", pause_after=4)

    app.send("count")
    app.qtbot.waitUntil(lambda: rows(app)[-1:] == [("assistant", "one two three", "streaming")])
    app.sim.release()
    app.wait_idle()

    app.qtbot.waitUntil(lambda: rows(app)[-1][2] == "complete")
    assert rows(app)[-1] == ("assistant", "one two three four five six", "complete")


def test_a_stopped_reply_is_saved_as_cancelled_with_its_text(app: RunningApp) -> None:
    app.sim.default_plan = Plan(content="alpha beta gamma delta", pause_after=3)
    app.send("letters")
    app.qtbot.waitUntil(lambda: "beta" in app.replies()[0].text)

    app.parts.chat.stop()
    app.wait_idle()

    app.qtbot.waitUntil(lambda: rows(app)[-1][2] == "cancelled")
    assert rows(app)[-1] == ("assistant", "alpha beta", "cancelled")


def test_the_last_conversation_is_back_after_a_restart(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> None:
    sim.default_plan = Plan(content="**Saved** answer.")
    first = start_app(qtbot, qloop, sim, tmp_path)
    app = next(first)
    app.send("Remember me")
    app.wait_idle()
    next(first, None)  # quit as the app does

    second = start_app(qtbot, qloop, sim, tmp_path)
    again = next(second)
    try:
        again.qtbot.waitUntil(lambda: bool(again.replies()))
        assert [b.body.text() for b in again.user_bubbles()] == ["Remember me"]
        assert again.replies()[0].body.toPlainText() == "Saved answer."
        again.send("And now?")
        again.wait_idle()
        assert again.chat_requests()[-1]["messages"] == [
            {"role": "user", "content": "Remember me"},
            {"role": "assistant", "content": "**Saved** answer."},
            {"role": "user", "content": "And now?"},
        ]
    finally:
        next(second, None)
