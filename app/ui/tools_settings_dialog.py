"""The "Tool settings" dialog: the built-in tools' folder, MCP servers, standing permissions.

Three parts: the folder the built-in file tools may read and how many tool rounds one
reply may take; the MCP servers (add, edit, remove, turn on or off, and Test, which
starts the server and lists its tools without blocking the window); and the tools the
user chose to "always allow", each of which can be revoked.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.mcp_config import TOOL_SEPARATOR, McpServerConfig
from app.core.tool_types import ToolSpec, shown_message
from app.ui.mcp_server_form import McpServerDialog, ServerList
from app.ui.tasks import TaskSet
from app.ui.tool_card import spec_label
from app.ui.widget_helpers import push_button, set_tab_chain

Probe = Callable[[McpServerConfig], Awaitable[list[ToolSpec]]]
MAX_ROUNDS = 50
PROBE_TIMEOUT = 120.0


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running in this thread (qasync's, in the app), or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class ToolsSettingsDialog(QDialog):
    """Edits the tool settings; after ``accepted`` read :meth:`folder`, :meth:`rounds`,
    :meth:`servers` and :meth:`always_allowed`.

    Args:
        folder: The folder the built-in file tools may read, or None (they are off).
        rounds: The most tool rounds one reply may take.
        servers: The MCP servers.
        always_allowed: Names of the tools that run without asking.
        probe: Starts a server and lists its tools (raises on failure); None (or no
            running asyncio loop) disables Test.
    """

    def __init__(
        self,
        *,
        folder: str | None,
        rounds: int,
        servers: Sequence[McpServerConfig],
        always_allowed: Sequence[str],
        probe: Probe | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolsSettingsDialog")
        self.setWindowTitle(self.tr("Tool settings"))
        self.setMinimumWidth(600)
        self._servers = list(servers)
        self._probe = probe
        self._tasks = TaskSet()
        self._testing = ""
        self.server_dialog: McpServerDialog | None = None
        self.folder_dialog: QFileDialog | None = None
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._builtin_group(folder, rounds))
        layout.addWidget(self._servers_group(), 1)
        layout.addWidget(self._allowed_group(always_allowed))
        layout.addWidget(self.buttons)
        self._fill_servers()
        self._set_tab_order()

    # -- building ---------------------------------------------------------------------

    def _builtin_group(self, folder: str | None, rounds: int) -> QGroupBox:
        group = QGroupBox(self.tr("Built-in tools"), self)
        explain = QLabel(
            self.tr(
                "The read_text_file and list_files tools may read files only inside this "
                "folder and its subfolders; with no folder they are off."
            ),
            group,
        )
        explain.setWordWrap(True)
        self.folder_edit = QLineEdit(folder or "", group)
        self.folder_edit.setObjectName("toolsFolder")
        self.folder_edit.setAccessibleName(self.tr("Folder the file tools may read"))
        self.folder_edit.setPlaceholderText(self.tr("No folder: the file tools are off"))
        self.folder_edit.setClearButtonEnabled(True)
        self.browse_button = QPushButton(self.tr("&Browse…"), group)
        self.browse_button.setObjectName("toolsFolderBrowse")
        self.browse_button.setAccessibleName(self.tr("Choose the folder"))
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self.browse_folder)
        self.folder_note = QLabel(group)
        self.folder_note.setWordWrap(True)
        self.folder_note.setObjectName("toolsFolderNote")
        self.folder_edit.textChanged.connect(self._check_folder)
        self._check_folder()
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse_button)
        self.rounds_spin = QSpinBox(group)
        self.rounds_spin.setObjectName("toolRounds")
        self.rounds_spin.setAccessibleName(self.tr("Most tool rounds per reply"))
        self.rounds_spin.setRange(1, MAX_ROUNDS)
        self.rounds_spin.setValue(max(1, min(rounds, MAX_ROUNDS)))
        self.rounds_spin.setToolTip(
            self.tr("How many times in a row the model may call tools before it must answer")
        )
        form = QFormLayout(group)
        form.addRow(explain)
        form.addRow(self.tr("&Folder:"), row)
        form.addRow("", self.folder_note)
        rounds_row = QHBoxLayout()
        rounds_row.addWidget(self.rounds_spin)
        rounds_row.addStretch(1)
        form.addRow(self.tr("Most tool &rounds per reply:"), rounds_row)
        for field, buddy in ((row, self.folder_edit), (rounds_row, self.rounds_spin)):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(buddy)
        return group

    def _servers_group(self) -> QGroupBox:
        group = QGroupBox(self.tr("MCP servers"), self)
        self.server_list = ServerList(group)
        self.server_list.enabledToggled.connect(self._server_checked)
        self.server_list.itemSelectionChanged.connect(self._update_buttons)
        self.server_list.itemDoubleClicked.connect(lambda *_: self.edit_server())
        self.add_button = push_button(group, "addServer", self.tr("&Add…"), self.add_server)
        self.edit_button = push_button(group, "editServer", self.tr("&Edit…"), self.edit_server)
        self.remove_button = push_button(
            group, "removeServer", self.tr("Re&move"), self.remove_server
        )
        self.test_button = push_button(group, "testServer", self.tr("&Test"), self.test_server)
        self.add_button.setAccessibleName(self.tr("Add an MCP server"))
        self.edit_button.setAccessibleName(self.tr("Edit the selected server"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected server"))
        self.test_button.setAccessibleName(self.tr("Test the selected server"))
        self.test_result = QLabel(group)
        self.test_result.setObjectName("serverTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_result.hide()
        buttons = QVBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.server_list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(group)
        layout.addLayout(row)
        layout.addWidget(self.test_result)
        return group

    def _allowed_group(self, always_allowed: Sequence[str]) -> QGroupBox:
        group = QGroupBox(self.tr("Always allowed tools"), self)
        explain = QLabel(self.tr("These tools run without asking you first."), group)
        self.allowed_list = QListWidget(group)
        self.allowed_list.setObjectName("alwaysAllowedList")
        self.allowed_list.setAccessibleName(self.tr("Always allowed tools"))
        self.allowed_list.setMaximumHeight(self.fontMetrics().height() * 6)
        for name in always_allowed:
            item = QListWidgetItem(self._tool_label(name), self.allowed_list)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(name)
        self.allowed_list.itemSelectionChanged.connect(self._update_buttons)
        self.revoke_button = push_button(group, "revokeTool", self.tr("Re&voke"), self.revoke)
        self.revoke_button.setAccessibleName(self.tr("Ask again before running the tool"))
        row = QHBoxLayout()
        row.addWidget(self.allowed_list, 1)
        row.addWidget(self.revoke_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(group)
        layout.addWidget(explain)
        layout.addLayout(row)
        return group

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.folder_edit,
            self.browse_button,
            self.rounds_spin,
            self.server_list,
            self.add_button,
            self.edit_button,
            self.remove_button,
            self.test_button,
            self.allowed_list,
            self.revoke_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Ok),
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        set_tab_chain(chain)

    # -- results ----------------------------------------------------------------------

    def folder(self) -> str | None:
        return self.folder_edit.text().strip() or None

    def rounds(self) -> int:
        return self.rounds_spin.value()

    def servers(self) -> list[McpServerConfig]:
        return list(self._servers)

    def always_allowed(self) -> list[str]:
        items = (self.allowed_list.item(row) for row in range(self.allowed_list.count()))
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in items if item is not None]

    def selected_server(self) -> McpServerConfig | None:
        row = self._selected_row()
        return self._servers[row] if row is not None else None

    # -- actions ----------------------------------------------------------------------

    def browse_folder(self) -> None:
        """Pick the folder in a file dialog opened window-modal (no nested event loop)."""
        start = self.folder() or os.path.expanduser("~")
        dialog = QFileDialog(self, self.tr("Folder the file tools may read"), start)
        dialog.setObjectName("toolsFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.folder_edit.setText)
        dialog.finished.connect(dialog.deleteLater)
        self.folder_dialog = dialog
        dialog.open()

    def add_server(self) -> None:
        self._open_server_dialog(None)

    def edit_server(self) -> None:
        row = self._selected_row()
        if row is not None:
            self._open_server_dialog(row)

    def remove_server(self) -> None:
        row = self._selected_row()
        if row is None:
            return
        del self._servers[row]
        self._fill_servers(min(row, len(self._servers) - 1))

    def revoke(self) -> None:
        row = self.allowed_list.currentRow()
        if row >= 0 and self.allowed_list.currentItem() is not None:
            self.allowed_list.takeItem(row)
        self._update_buttons()

    def test_server(self) -> None:
        """Start a task that runs the probe on the selected server; the window stays live."""
        server = self.selected_server()
        if server is None or self._probe is None or self._testing or running_loop() is None:
            return
        self._testing = server.name
        self._show_test(self.tr("Testing {name}…").format(name=server.name), error=False)
        self._update_buttons()
        self._tasks.start(self._run_probe(self._probe, server), name=f"probe {server.name}")

    def done(self, result: int) -> None:
        """Closing the dialog stops a running test."""
        self._tasks.cancel_all()
        self._testing = ""
        super().done(result)

    # -- internals --------------------------------------------------------------------

    async def _run_probe(self, probe: Probe, server: McpServerConfig) -> None:
        try:
            specs = await asyncio.wait_for(probe(server), PROBE_TIMEOUT)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # whatever the server did, it is the answer to show
            reason = shown_message(error)
            text = self.tr("{name} failed: {reason}").format(name=server.name, reason=reason)
            failed = True
        else:
            names = ", ".join(spec_label(spec) for spec in specs)
            text = self.tr("{name} works and offers {count} tools: {names}").format(
                name=server.name, count=len(specs), names=names or "—"
            )
            failed = False
        self._testing = ""
        self._show_test(text, error=failed)
        self._update_buttons()

    def _show_test(self, text: str, *, error: bool) -> None:
        self.test_result.setText(("\u26a0 " if error else "") + text)
        self.test_result.setProperty("error", error)
        self.test_result.style().unpolish(self.test_result)
        self.test_result.style().polish(self.test_result)
        self.test_result.show()

    def _open_server_dialog(self, row: int | None) -> None:
        current = self._servers[row] if row is not None else None
        taken = [s.name for i, s in enumerate(self._servers) if i != row]
        dialog = McpServerDialog(current, taken=taken, parent=self)
        dialog.accepted.connect(lambda: self._server_edited(row, dialog.server()))
        dialog.finished.connect(dialog.deleteLater)
        self.server_dialog = dialog
        dialog.open()

    def _server_edited(self, row: int | None, server: McpServerConfig) -> None:
        if row is None:
            self._servers.append(server)
            row = len(self._servers) - 1
        else:
            self._servers[row] = server
        self._fill_servers(row)

    def _fill_servers(self, select: int = -1) -> None:
        self.server_list.set_servers(self._servers, select)
        self._update_buttons()

    def _server_checked(self, row: int, enabled: bool) -> None:
        if 0 <= row < len(self._servers):
            self._servers[row] = replace(self._servers[row], enabled=enabled)

    def _selected_row(self) -> int | None:
        row = self.server_list.selected_row()
        return row if row is not None and row < len(self._servers) else None

    def _update_buttons(self) -> None:
        selected = self._selected_row() is not None
        self.edit_button.setEnabled(selected)
        self.remove_button.setEnabled(selected)
        can_test = self._probe is not None and running_loop() is not None
        self.test_button.setEnabled(selected and can_test and not self._testing)
        if not can_test:
            self.test_button.setToolTip(self.tr("Testing is not available here"))
        else:
            self.test_button.setToolTip(self.tr("Start the server and list its tools"))
        self.revoke_button.setEnabled(bool(self.allowed_list.selectedItems()))

    def _check_folder(self) -> None:
        folder = self.folder()
        missing = folder is not None and not os.path.isdir(os.path.expanduser(folder))
        self.folder_note.setText(self.tr("\u26a0 There is no such folder.") if missing else "")
        self.folder_note.setVisible(missing)

    def _tool_label(self, name: str) -> str:
        """``server__tool`` as "tool · server" when ``server`` is a known server."""
        for server in self._servers:
            prefix = f"{server.name}{TOOL_SEPARATOR}"
            if name.startswith(prefix):
                return f"{name[len(prefix) :]} \u00b7 {server.name}"
        return name
