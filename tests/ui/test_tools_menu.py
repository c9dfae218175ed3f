"""The composer's Tools button and its menu, used with the mouse and the keyboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from app.core.tool_types import ToolSpec
from app.ui.tools_menu import ToolsButton

SPECS = [
    ToolSpec("read_text_file", "Read a text file", {}, title="Read file"),
    ToolSpec("list_files", "List the files of a folder", {}),
    ToolSpec("weather__forecast", "The forecast", {}, source="weather"),
    ToolSpec("weather__alerts", "Alerts", {}, source="weather"),
]
ON = ["read_text_file", "weather__forecast"]
# An open popup asks the platform to raise it and grab the keyboard; offscreen cannot.
POPUP = pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
    extend=True,
)


def make_button(qtbot: QtBot, errors: dict[str, str] | None = None) -> ToolsButton:
    button = ToolsButton()
    qtbot.addWidget(button)
    button.set_tools(SPECS, ON, errors or {})
    button.show()
    qtbot.waitExposed(button)
    return button


def outline(menu: QMenu) -> list[str]:
    """The menu as text: ``[Section]``, ``---``, ``[x] tool``, ``[ ] tool``, ``(disabled)``."""
    lines = []
    for action in menu.actions():
        if action.isSeparator():
            lines.append(f"[{action.text()}]" if action.text() else "---")
        elif action.isCheckable():
            lines.append(("[x] " if action.isChecked() else "[ ] ") + action.text())
        else:
            lines.append(action.text() + ("" if action.isEnabled() else " (disabled)"))
    return lines


def open_menu(qtbot: QtBot, button: ToolsButton) -> QMenu:
    menu = button.tools_menu
    menu.popup(button.mapToGlobal(QPoint(0, button.height())))
    qtbot.waitUntil(menu.isVisible)
    return menu


def test_tools_are_grouped_by_source_with_a_count_on_the_button(qtbot: QtBot) -> None:
    button = make_button(qtbot, {"demo": "[Errno 2] No such file: 'demo-server'"})
    assert button.text() == "Tools · 2"
    assert button.accessibleName() == "Tools, 2 of 4 on"
    assert outline(button.tools_menu) == [
        "[Built-in]",
        "[x] Read file",
        "[ ] list_files",
        "[weather]",
        "[x] forecast",
        "[ ] alerts",
        "---",
        "demo: could not start — [Errno 2] No such file: 'demo-server' (disabled)",
        "---",
        "Turn all on",
        "Turn all off",
        "---",
        "Tool settings…",
    ]
    assert button.enabled() == ON


def test_a_tool_shows_its_description_as_tooltip(qtbot: QtBot) -> None:
    button = make_button(qtbot)
    assert button.tool_actions()["list_files"].toolTip() == "List the files of a folder"
    assert button.tools_menu.toolTipsVisible()


@POPUP
def test_clicking_a_tool_toggles_it_and_keeps_the_menu_open(qtbot: QtBot) -> None:
    button = make_button(qtbot)
    menu = open_menu(qtbot, button)
    action = button.tool_actions()["list_files"]
    with qtbot.waitSignal(button.enabledChanged) as changed:
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    assert changed.args == [["read_text_file", "list_files", "weather__forecast"]]
    assert menu.isVisible()
    assert button.text() == "Tools · 3"
    with qtbot.waitSignal(button.enabledChanged) as changed:
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    assert changed.args == [ON]
    menu.close()


@POPUP
def test_space_toggles_and_stays_enter_toggles_and_closes(qtbot: QtBot) -> None:
    button = make_button(qtbot)
    menu = open_menu(qtbot, button)
    menu.setActiveAction(button.tool_actions()["weather__alerts"])
    with qtbot.waitSignal(button.enabledChanged) as changed:
        qtbot.keyClick(menu, Qt.Key.Key_Space)
    assert changed.args == [[*ON, "weather__alerts"]]
    assert menu.isVisible()
    menu.setActiveAction(button.tool_actions()["read_text_file"])
    with qtbot.waitSignal(button.enabledChanged) as changed:
        qtbot.keyClick(menu, Qt.Key.Key_Return)
    assert changed.args == [["weather__forecast", "weather__alerts"]]
    qtbot.waitUntil(lambda: not menu.isVisible())


def test_turn_all_on_and_off(qtbot: QtBot) -> None:
    button = make_button(qtbot)
    with qtbot.waitSignal(button.enabledChanged) as changed:
        button.all_on.trigger()
    assert changed.args == [[spec.name for spec in SPECS]]
    assert not button.all_on.isEnabled()
    assert button.text() == "Tools · 4"
    with qtbot.waitSignal(button.enabledChanged) as changed:
        button.all_off.trigger()
    assert changed.args == [[]]
    assert button.text() == "Tools · 0"
    assert not button.all_off.isEnabled()
    assert button.all_on.isEnabled()


def test_tools_of_a_server_that_is_down_stay_on(qtbot: QtBot) -> None:
    button = ToolsButton()
    qtbot.addWidget(button)
    button.set_tools(SPECS[:2], ["list_files", "demo__echo"], {"demo": "exit status 1"})
    assert button.enabled() == ["list_files", "demo__echo"]
    with qtbot.waitSignal(button.enabledChanged) as changed:
        button.tool_actions()["read_text_file"].trigger()
    assert changed.args == [["read_text_file", "list_files", "demo__echo"]]
    with qtbot.waitSignal(button.enabledChanged) as changed:
        button.all_off.trigger()
    assert changed.args == [["demo__echo"]]


def test_set_tools_emits_nothing_and_replaces_the_list(qtbot: QtBot) -> None:
    button = make_button(qtbot)
    emitted: list[object] = []
    button.enabledChanged.connect(emitted.append)
    button.set_tools(SPECS[1:2], ["list_files"])
    assert emitted == []
    assert outline(button.tools_menu)[:2] == ["[Built-in]", "[x] list_files"]
    assert button.text() == "Tools · 1"


def test_no_tools_says_so(qtbot: QtBot) -> None:
    button = ToolsButton()
    qtbot.addWidget(button)
    assert button.text() == "Tools"
    assert outline(button.tools_menu)[0] == "No tools available (disabled)"
    assert not button.all_on.isEnabled() and not button.all_off.isEnabled()


@POPUP
def test_tool_settings_is_requested_from_the_menu(qtbot: QtBot) -> None:
    button = make_button(qtbot)
    menu = open_menu(qtbot, button)
    settings = next(a for a in menu.actions() if a.text() == "Tool settings…")
    with qtbot.waitSignal(button.settingsRequested):
        qtbot.mouseClick(
            menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(settings).center()
        )
    qtbot.waitUntil(lambda: not menu.isVisible())


def test_an_ampersand_in_a_name_is_shown_not_taken_as_a_shortcut(qtbot: QtBot) -> None:
    button = ToolsButton()
    qtbot.addWidget(button)
    button.set_tools([ToolSpec("q_a", "", {}, title="Q&A")], [], {"r&d": "failed & gone"})
    texts = [a.text() for a in button.tools_menu.actions()]
    assert "Q&&A" in texts
    failure = next(a for a in button.tools_menu.actions() if a.objectName() == "failed:r&d")
    assert failure.text() == "r&&d: could not start — failed && gone"
    assert isinstance(failure, QAction) and not failure.isEnabled()
