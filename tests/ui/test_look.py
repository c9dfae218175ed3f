"""Theme, language, keyboard shortcuts and the window's layout across a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.core.resources import translations_dir
from app.core.settings import SETTINGS_FILE_NAME, load_settings
from app.ui.event_loop import AppEventLoop
from app.ui.preferences_dialog import PreferencesDialog
from app.ui.shortcuts_dialog import ShortcutsDialog
from app.ui.theme import is_dark
from tests.sim import Simulator
from tests.ui.conftest import RunningApp, start_app

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def saved_settings(app: RunningApp):  # type: ignore[no-untyped-def]
    return load_settings(app.parts.paths.config_dir / SETTINGS_FILE_NAME)


def flush(app: RunningApp) -> None:
    saving = asyncio.get_event_loop().create_task(app.parts.preferences.flush())
    app.qtbot.waitUntil(saving.done, timeout=5000)


def active(app: RunningApp) -> QWidget:
    window = app.window
    window.show()
    window.activateWindow()
    app.qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    return window


def chat_background(app: RunningApp) -> bool:
    """Whether the conversation area is drawn dark (read off its pixels)."""
    view = app.window.chat_view
    image = view.grab().toImage()
    colour = image.pixelColor(image.width() // 2, 5)
    return colour.lightness() < 110


def test_theme_switch_redraws_the_window_and_is_saved(app: RunningApp) -> None:
    window = active(app)
    assert not is_dark(QGuiApplication.palette())
    assert not chat_background(app)
    window.theme_actions["dark"].trigger()
    assert is_dark(QGuiApplication.palette())
    assert chat_background(app)
    assert window.theme_actions["dark"].isChecked()
    flush(app)
    assert saved_settings(app).theme == "dark"
    window.theme_actions["system"].trigger()  # offscreen: the system is light
    assert not is_dark(QGuiApplication.palette())
    assert not chat_background(app)


def test_language_switch_changes_visible_texts_at_once(app: RunningApp) -> None:
    assert (translations_dir() / "mimo_zh_CN.qm").is_file(), (
        "the Chinese .qm is built by packaging/setup.sh (pyside6-lrelease)"
    )
    window = active(app)
    app.send("Hello")
    app.wait_idle()
    english = window.new_chat_action.text(), window.composer.edit.placeholderText()
    try:
        window.language_actions["zh_CN"].trigger()
        # Qt posts the LanguageChange events: the texts change on the next turn
        app.qtbot.waitUntil(lambda: window.new_chat_action.text() == "新建对话(&N)")
        assert window.file_menu.title() == "文件(&F)"
        assert window.composer.edit.placeholderText() != english[1]
        assert window.sidebar.new_chat_button.text() != "New chat"
        # the open conversation is drawn again: its bubbles speak Chinese too
        assert app.replies()[-1].copy_button.text() == "复制"
        flush(app)
        assert saved_settings(app).language == "zh_CN"
    finally:
        window.language_actions["en"].trigger()
    app.qtbot.waitUntil(
        lambda: (window.new_chat_action.text(), window.composer.edit.placeholderText()) == english
    )


def test_shortcuts_trigger_their_actions(app: RunningApp, qtbot: QtBot) -> None:
    window = active(app)
    edit = window.composer.edit
    window.sidebar.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    assert edit.hasFocus()
    edit.setPlainText("Sent with Ctrl+Enter")
    qtbot.keyClick(edit, Qt.Key.Key_Return, CTRL)
    app.wait_idle()
    assert [b.body.text() for b in app.user_bubbles()] == ["Sent with Ctrl+Enter"]
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: app.user_bubbles() == [], timeout=3000)
    picker = window.model_picker.combo
    assert picker.count() >= 2
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    assert picker.currentIndex() == 1
    assert app.parts.chat.model == picker.currentData()
    qtbot.keyClick(window, Qt.Key.Key_1, CTRL)
    assert picker.currentIndex() == 0
    qtbot.keyClick(window, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(window.search_dialog.isVisible, timeout=3000)
    window.search_dialog.reject()
    dialogs: list[QDialog] = []
    for key, modifiers, kind in (
        (Qt.Key.Key_Comma, CTRL, PreferencesDialog),
        (Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier, ShortcutsDialog),
    ):
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=3000)
        qtbot.keyClick(window, key, modifiers)
        qtbot.waitUntil(lambda k=kind: bool(window.findChildren(k)), timeout=3000)
        dialog = window.findChildren(kind)[0]
        dialogs.append(dialog)
        dialog.reject()
    rows = dict(dialogs[1].rows())
    assert rows["New chat"] == "Ctrl+N"
    assert rows["Speak the selection"] == "Ctrl+Shift+L"
    assert rows["Search conversations"] == "Ctrl+K"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL | SHIFT)
    assert window.tts_panel.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_H, CTRL | SHIFT)
    assert not window.sidebar.isVisible()


def test_layout_and_choices_survive_a_restart(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> None:
    first = start_app(qtbot, qloop, sim, tmp_path)
    running = next(first)
    window = running.window
    window.show()
    window.resize(760, 640)  # the offscreen screen is 800x800
    window.tts_panel.show()
    window.splitter.setSizes([333, 427])
    sidebar_width = window.splitter.sizes()[0]
    assert sidebar_width != 260  # not the default
    window.theme_actions["dark"].trigger()
    picker = window.model_picker.combo
    picker.setCurrentIndex(1)
    chosen_model = picker.currentData()
    QApplication.sendEvent(window, QEvent(QEvent.Type.LayoutRequest))
    next(first, None)  # shutdown saves the layout
    assert is_dark(QGuiApplication.palette())
    second = start_app(qtbot, qloop, sim, tmp_path)
    again = next(second)
    try:
        restored = again.window
        restored.show()
        assert restored.size().height() == 640
        assert restored.tts_panel.isVisible()
        assert restored.splitter.sizes()[0] == sidebar_width
        assert restored.theme_actions["dark"].isChecked()
        assert restored.model_picker.current_id == chosen_model
    finally:
        restored.theme_actions["light"].trigger()
        next(second, None)
