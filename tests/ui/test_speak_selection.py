"""Chat > Speak the selection (Ctrl+Shift+L): the selected text, in the panel's voice."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui import test_tts_panel as speech
from tests.ui.conftest import RunningApp
from tests.ui.test_look import CTRL, SHIFT, active
from tests.ui.test_tts_panel import spoken_texts

# The app with its sound going to the recording fake device of the speech tests.
app, sink, devices = speech.app, speech.sink, speech.devices


def test_speak_selection_reads_the_selected_text(app: RunningApp, qtbot: QtBot) -> None:
    window = active(app)
    edit = window.composer.edit
    edit.setPlainText("read this part only please")
    cursor = edit.textCursor()
    cursor.setPosition(0)
    cursor.setPosition(14, cursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_L, CTRL | SHIFT)
    qtbot.waitUntil(lambda: bool(spoken_texts(app)), timeout=5000)
    spoken = spoken_texts(app)[0]
    assert spoken == "read this part"


def test_speak_selection_without_a_selection_says_so(app: RunningApp, qtbot: QtBot) -> None:
    window = active(app)
    window.composer.edit.setFocus()
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_L, CTRL | SHIFT)
    assert "Select some text" in window.statusBar().currentMessage()
