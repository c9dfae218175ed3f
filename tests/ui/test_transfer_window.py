"""Export a conversation from the window and import it back, as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from tests.sim import Plan
from tests.ui.conftest import RunningApp
from tests.ui.test_history_sidebar import select, shown, texts


def choose_file(app: RunningApp, path: Path) -> None:
    """Answer the open file dialog with ``path``."""
    app.qtbot.waitUntil(lambda: bool(app.window.findChildren(QFileDialog)))
    (dialog,) = [d for d in app.window.findChildren(QFileDialog) if d.isVisible()]
    dialog.selectFile(str(path))
    dialog.accept()


def status(app: RunningApp) -> str:
    return app.window.statusBar().currentMessage()


def test_export_json_then_import_round_trips_with_branches(app: RunningApp, tmp_path: Path) -> None:
    app.sim.enqueue(Plan(content="Version one."), Plan(content="Version two."))
    app.send("Round trip?")
    app.wait_idle()
    app.parts.chat.regenerate(1)
    app.wait_idle()
    app.qtbot.waitUntil(lambda: texts(app) == ["Round trip?", "Version two."])
    target = tmp_path / "export.json"

    app.window.export_json_action.trigger()
    dialog = app.window.findChildren(QFileDialog)[0]
    assert dialog.selectedFiles()[0].endswith("Round trip.json")  # named after the chat
    choose_file(app, target)

    app.qtbot.waitUntil(lambda: target.exists() and "Exported" in status(app))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data["messages"]) == 3
    assert "sk-test" not in target.read_text(encoding="utf-8")  # the key never leaves

    app.window.import_action.trigger()
    choose_file(app, target)

    app.qtbot.waitUntil(lambda: "Round trip? (imported)" in shown(app))
    app.qtbot.waitUntil(lambda: app.parts.chat.conversation.title == "Round trip? (imported)")
    assert texts(app) == ["Round trip?", "Version two."]
    reply = app.window.chat_view.bubbles[1]
    assert reply.branch.label.text() == "2 / 2"
    app.parts.chat.switch_branch(1, -1)
    app.qtbot.waitUntil(lambda: texts(app) == ["Round trip?", "Version one."])


def test_export_markdown_from_the_sidebar(app: RunningApp, tmp_path: Path) -> None:
    app.send("Markdown please")
    app.wait_idle()
    app.qtbot.waitUntil(lambda: "Markdown please" in shown(app))
    select(app, "Markdown please")
    target = tmp_path / "chat.md"

    app.window.sidebar.export_markdown_action.trigger()
    choose_file(app, target)

    app.qtbot.waitUntil(target.exists)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Markdown please")
    assert "Echo: Markdown please" in text


def test_importing_a_broken_file_says_why_and_changes_nothing(
    app: RunningApp, tmp_path: Path
) -> None:
    app.send("keep")
    app.wait_idle()
    app.qtbot.waitUntil(lambda: len(shown(app)) == 2)
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"', encoding="utf-8")

    app.window.import_action.trigger()
    choose_file(app, broken)

    app.qtbot.waitUntil(lambda: status(app).startswith("Could not import broken.json"))
    assert "Traceback" not in status(app)
    assert shown(app) == ["# Today", "keep"]
    assert texts(app) == ["keep", "Echo: keep"]


def test_exporting_an_empty_chat_explains_there_is_nothing_yet(app: RunningApp) -> None:
    app.window.export_markdown_action.trigger()

    assert "Nothing to export" in status(app)
    assert not app.window.findChildren(QFileDialog)
