"""The tool settings dialog and its MCP server form, driven as a user would."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from app.core.mcp_config import McpServerConfig
from app.core.tool_types import ToolSpec
from app.ui.event_loop import AppEventLoop
from app.ui.mcp_server_form import MASK, McpServerDialog
from app.ui.tools_settings_dialog import Probe, ToolsSettingsDialog
from tests.ui.gated_probe import GatedProbe

ServerProbe = GatedProbe[McpServerConfig, list[ToolSpec]]

FILES = McpServerConfig(
    "files",
    command="npx",
    args=("-y", "server-filesystem", "/home/me/My notes"),
    env={"TOKEN": "s3cret"},
)
WEATHER = McpServerConfig("weather", transport="http", url="http://127.0.0.1:8000/mcp")
MakeDialog = Callable[..., ToolsSettingsDialog]


@pytest.fixture
def make_dialog(qtbot: QtBot) -> MakeDialog:
    def make(
        *,
        folder: str | None = None,
        servers: Sequence[McpServerConfig] = (FILES, WEATHER),
        always_allowed: Sequence[str] = ("list_files", "weather__forecast"),
        probe: Probe | None = None,
    ) -> ToolsSettingsDialog:
        dialog = ToolsSettingsDialog(
            folder=folder, rounds=8, servers=servers, always_allowed=always_allowed, probe=probe
        )
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def select_server(dialog: ToolsSettingsDialog, row: int) -> None:
    item = dialog.server_list.topLevelItem(row)
    assert item is not None
    dialog.server_list.setCurrentItem(item)


def open_form(qtbot: QtBot, dialog: ToolsSettingsDialog, button: QWidget) -> McpServerDialog:
    click(qtbot, button)
    form = dialog.server_dialog
    assert form is not None
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    return form


def cell_editor(form: McpServerDialog, row: int, column: int) -> QLineEdit:
    """The editor open on a cell of the environment table (it has the focus)."""
    editor = form.env.indexWidget(form.env.model().index(row, column))
    assert isinstance(editor, QLineEdit)
    assert editor.hasFocus()
    return editor


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def finish_form(qtbot: QtBot, form: McpServerDialog) -> None:
    assert form.ok_button.isEnabled(), form.problems.text()
    with qtbot.waitSignal(form.accepted):
        click(qtbot, form.ok_button)


def test_the_dialog_shows_what_it_was_given(make_dialog: MakeDialog, tmp_path: Path) -> None:
    dialog = make_dialog(folder=str(tmp_path))
    assert dialog.folder() == str(tmp_path)
    assert dialog.rounds() == 8
    items = [dialog.server_list.topLevelItem(row) for row in range(2)]
    assert [[item.text(c) for c in range(3)] for item in items if item] == [
        ["files", "stdio", "npx -y server-filesystem '/home/me/My notes'"],
        ["weather", "HTTP", "http://127.0.0.1:8000/mcp"],
    ]
    labels = [dialog.allowed_list.item(row).text() for row in range(2)]
    assert labels == ["list_files", "forecast · weather"]
    assert dialog.servers() == [FILES, WEATHER]
    assert dialog.always_allowed() == ["list_files", "weather__forecast"]


def test_an_stdio_server_is_added_through_the_form(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(servers=())
    form = open_form(qtbot, dialog, dialog.add_button)
    assert form.windowTitle() == "Add MCP server"
    type_into(qtbot, form.name, "notes")
    type_into(qtbot, form.command, "uvx")
    type_into(qtbot, form.arguments, 'mcp-notes --root "/home/me/My notes"')
    finish_form(qtbot, form)
    assert dialog.servers() == [
        McpServerConfig("notes", "stdio", "uvx", ("mcp-notes", "--root", "/home/me/My notes"))
    ]
    item = dialog.server_list.topLevelItem(0)
    assert item is not None and item.text(0) == "notes"
    assert item.checkState(0) == Qt.CheckState.Checked


def test_the_form_keeps_ok_disabled_while_something_is_wrong(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog(servers=())
    form = open_form(qtbot, dialog, dialog.add_button)
    assert not form.ok_button.isEnabled()
    assert "The name must be" in form.problems.text()
    type_into(qtbot, form.name, "bad name!")
    assert not form.ok_button.isEnabled()
    type_into(qtbot, form.name, "good")
    assert "A stdio server needs a command." in form.problems.text()
    type_into(qtbot, form.command, "run-me")
    assert form.ok_button.isEnabled()
    assert not form.problems.isVisible()
    type_into(qtbot, form.arguments, '--path "unfinished')
    assert "unclosed quote" in form.problems.text()
    assert not form.ok_button.isEnabled()
    type_into(qtbot, form.arguments, "--path done")
    click(qtbot, form.http)
    assert not form.command.isVisible() and form.url.isVisible()
    assert "An HTTP server needs" in form.problems.text()
    type_into(qtbot, form.url, "ftp://example.org")
    assert not form.ok_button.isEnabled()
    type_into(qtbot, form.url, "https://example.org/mcp")
    assert form.ok_button.isEnabled()
    # Enter in a field with problems does not accept the form.
    type_into(qtbot, form.name, "")
    qtbot.keyClick(form.name, Qt.Key.Key_Return)
    assert form.isVisible()


def test_a_duplicate_name_is_refused(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    form = open_form(qtbot, dialog, dialog.add_button)
    type_into(qtbot, form.command, "run-me")
    for name in ("files", "FILES"):
        type_into(qtbot, form.name, name)
        assert not form.ok_button.isEnabled()
        assert f"There is already a server named “{name}”." in form.problems.text()
    type_into(qtbot, form.name, "files2")
    assert form.ok_button.isEnabled()


def test_environment_values_are_masked_once_entered(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(servers=())
    form = open_form(qtbot, dialog, dialog.add_button)
    type_into(qtbot, form.name, "api")
    type_into(qtbot, form.command, "api-server")
    click(qtbot, form.add_variable)
    editor = cell_editor(form, 0, 0)  # the name cell is being edited
    qtbot.keyClicks(editor, "API_TOKEN")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)  # on to the value cell
    editor = cell_editor(form, 0, 1)
    assert editor.echoMode() == QLineEdit.EchoMode.Normal  # in clear while typed
    qtbot.keyClicks(editor, "tok-123")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert form.isVisible()  # Enter commits the cell, it does not accept the form
    value = form.env.item(0, 1)
    assert value is not None
    qtbot.waitUntil(lambda: value.text() == "tok-123")  # Qt commits it queued
    assert form.env.itemDelegateForColumn(1).displayText(value.text(), QLocale()) == MASK
    assert value.data(Qt.ItemDataRole.AccessibleTextRole) == "Value hidden"
    finish_form(qtbot, form)
    assert dialog.servers()[0].env == {"API_TOKEN": "tok-123"}


def test_bad_variable_names_block_ok(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog(servers=())
    form = open_form(qtbot, dialog, dialog.add_button)
    type_into(qtbot, form.name, "x")
    type_into(qtbot, form.command, "x")
    form.env.add_row("1BAD", "v")
    assert not form.ok_button.isEnabled()
    form.env.setCurrentCell(0, 0)
    click(qtbot, form.remove_variable)
    assert form.env.rowCount() == 0
    assert form.ok_button.isEnabled()


def test_editing_a_server_round_trips_and_changes_stick(
    qtbot: QtBot, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog()
    select_server(dialog, 0)
    form = open_form(qtbot, dialog, dialog.edit_button)
    assert form.windowTitle() == "Edit MCP server"
    assert form.name.text() == "files"
    assert form.arguments.text() == "-y server-filesystem '/home/me/My notes'"
    assert form.env.item(0, 0).text() == "TOKEN"  # type: ignore[union-attr]
    assert form.ok_button.isEnabled()  # its own name is no duplicate
    finish_form(qtbot, form)
    assert dialog.servers() == [FILES, WEATHER]

    form = open_form(qtbot, dialog, dialog.edit_button)
    type_into(qtbot, form.arguments, "-y server-filesystem /tmp")
    form.timeout.setValue(12.5)
    click(qtbot, form.enabled)
    finish_form(qtbot, form)
    edited = dialog.servers()[0]
    assert edited.args == ("-y", "server-filesystem", "/tmp")
    assert edited.timeout == 12.5 and not edited.enabled
    assert edited.env == FILES.env
    assert dialog.servers()[1] == WEATHER


def test_cancelling_the_form_changes_nothing(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    select_server(dialog, 1)
    form = open_form(qtbot, dialog, dialog.edit_button)
    type_into(qtbot, form.url, "http://elsewhere/mcp")
    with qtbot.waitSignal(form.rejected):
        click(qtbot, form.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert dialog.servers() == [FILES, WEATHER]


def test_removing_and_unticking_servers(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    assert not dialog.remove_button.isEnabled()
    item = dialog.server_list.topLevelItem(1)
    assert item is not None
    item.setCheckState(0, Qt.CheckState.Unchecked)
    assert not dialog.servers()[1].enabled
    select_server(dialog, 0)
    click(qtbot, dialog.remove_button)
    assert [s.name for s in dialog.servers()] == ["weather"]
    assert dialog.server_list.topLevelItemCount() == 1


def test_revoking_an_always_allowed_tool(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    assert not dialog.revoke_button.isEnabled()
    dialog.allowed_list.setCurrentRow(1)
    click(qtbot, dialog.revoke_button)
    assert dialog.always_allowed() == ["list_files"]


def test_the_folder_is_chosen_in_a_file_dialog_or_cleared(
    qtbot: QtBot, make_dialog: MakeDialog, tmp_path: Path
) -> None:
    dialog = make_dialog()
    assert dialog.folder() is None
    chosen = tmp_path / "notes"
    chosen.mkdir()
    click(qtbot, dialog.browse_button)
    picker = dialog.folder_dialog
    assert picker is not None
    qtbot.waitExposed(picker)
    picker.setDirectory(str(tmp_path))
    picker.selectFile(str(chosen))
    with qtbot.waitSignal(picker.fileSelected):
        picker.accept()
    assert dialog.folder() == str(chosen)
    assert not dialog.folder_note.isVisible()
    type_into(qtbot, dialog.folder_edit, str(tmp_path / "missing"))
    assert dialog.folder_note.isVisible()
    type_into(qtbot, dialog.folder_edit, "")
    assert dialog.folder() is None


def test_rounds_are_limited_to_one_to_fifty(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    for typed, expected in (("99", 9), ("0", 9), ("12", 12)):  # 99 and 0 cannot be typed
        dialog.rounds_spin.setFocus()
        dialog.rounds_spin.selectAll()
        qtbot.keyClicks(dialog.rounds_spin, typed)
        assert dialog.rounds() == expected


def run_test_button(qtbot: QtBot, dialog: ToolsSettingsDialog, probe: ServerProbe) -> None:
    """Click Test and check the window keeps working while the probe is pending."""
    select_server(dialog, 0)
    assert dialog.test_button.isEnabled()
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: probe.calls == [FILES])
    assert dialog.test_result.text() == "Testing files…"
    assert not dialog.test_button.isEnabled()
    fired: list[bool] = []
    QTimer.singleShot(1, lambda: fired.append(True))
    qtbot.waitUntil(lambda: fired == [True])  # the event loop turns while the probe waits
    type_into(qtbot, dialog.folder_edit, "/srv")
    assert dialog.folder() == "/srv"
    probe.gate.set()


def test_test_lists_the_tools_of_a_working_server(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    probe = ServerProbe(
        [
            ToolSpec("files__read", "", {}, source="files"),
            ToolSpec("files__write", "", {}, source="files", title="Write a file"),
        ]
    )
    dialog = make_dialog(probe=probe)
    run_test_button(qtbot, dialog, probe)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled())
    assert dialog.test_result.text() == "files works and offers 2 tools: read, Write a file"
    assert dialog.test_result.property("error") is False


def test_test_shows_why_a_server_failed(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    probe = ServerProbe(FileNotFoundError("npx: command not found"))
    dialog = make_dialog(probe=probe)
    run_test_button(qtbot, dialog, probe)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled())
    assert dialog.test_result.text() == "⚠ files failed: npx: command not found"
    assert dialog.test_result.property("error") is True


def test_closing_the_dialog_stops_a_running_test(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    probe = ServerProbe([])
    dialog = make_dialog(probe=probe)
    select_server(dialog, 0)
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: probe.calls == [FILES])
    dialog.reject()
    qtbot.waitUntil(lambda: probe.cancelled)


def test_test_is_disabled_without_a_running_loop(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(probe=ServerProbe([]))  # no qloop: nothing could run it
    select_server(dialog, 0)
    assert dialog.edit_button.isEnabled() and not dialog.test_button.isEnabled()


def test_test_is_disabled_without_a_probe(qloop: AppEventLoop, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    select_server(dialog, 0)
    assert dialog.edit_button.isEnabled() and not dialog.test_button.isEnabled()


def test_tab_walks_the_dialog_in_reading_order(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    select_server(dialog, 0)
    dialog.allowed_list.setCurrentRow(0)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.folder_edit.setFocus()
    seen = []
    for _ in range(12):
        focused = QApplication.focusWidget()
        assert focused is not None
        seen.append(focused.objectName())
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    # Test is disabled without a probe (skipped); "" is OK (the box's buttons are unnamed).
    assert " ".join(seen[:10]) == (
        "toolsFolder toolsFolderBrowse toolRounds mcpServerList addServer editServer "
        "removeServer alwaysAllowedList revokeTool "
    )
    focusable = [
        w for w in dialog.findChildren(QWidget) if w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    ours = [w for w in focusable if w.objectName() and not w.objectName().startswith("qt_")]
    assert [w.objectName() for w in ours if not w.accessibleName()] == []
