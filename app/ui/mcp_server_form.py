"""The MCP server list of the tool settings, and the form that adds or edits a server.

Everything :class:`McpServerConfig` holds, in fields: name, transport (a command the app
starts, or a URL), the command's arguments written as on a shell line, its environment
variables (values shown masked once entered: they often hold tokens), the URL, the
timeout and whether the server is on. What is wrong is listed under the form, and OK
stays disabled until nothing is.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Sequence
from typing import Any

from PySide6.QtCore import QLocale, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.mcp_config import DEFAULT_TIMEOUT, McpServerConfig, Transport
from app.ui.widget_helpers import set_tab_chain

MASK = "\u2022" * 8
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _MaskedDelegate(QStyledItemDelegate):
    """Shows a value as dots; the editor shows it in clear while it is typed."""

    def displayText(self, value: Any, locale: QLocale | QLocale.Language) -> str:
        return MASK if value else ""

    def setModelData(
        self,
        editor: QWidget,
        model: Any,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        super().setModelData(editor, model, index)
        model.setData(index, self.tr("Value hidden"), Qt.ItemDataRole.AccessibleTextRole)


class EnvTable(QTableWidget):
    """Environment variables: a name column and a masked value column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.setObjectName("envTable")
        self.setAccessibleName(self.tr("Environment variables"))
        self.setHorizontalHeaderLabels([self.tr("Name"), self.tr("Value")])
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.setItemDelegateForColumn(1, _MaskedDelegate(self))
        self.setMinimumHeight(self.fontMetrics().height() * 5)
        self.setMaximumHeight(self.fontMetrics().height() * 9)

    def set_env(self, env: dict[str, str]) -> None:
        self.setRowCount(0)
        for name, value in env.items():
            self.add_row(name, value)

    def add_row(self, name: str = "", value: str = "") -> int:
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, 0, QTableWidgetItem(name))
        value_item = QTableWidgetItem(value)
        value_item.setData(Qt.ItemDataRole.AccessibleTextRole, self.tr("Value hidden"))
        self.setItem(row, 1, value_item)
        return row

    def env(self) -> dict[str, str]:
        """The variables with a name (later rows win over earlier ones of that name)."""
        found: dict[str, str] = {}
        for row in range(self.rowCount()):
            name, value = self.cell(row, 0).strip(), self.cell(row, 1)
            if name:
                found[name] = value
        return found

    def names(self) -> list[str]:
        return [self.cell(row, 0).strip() for row in range(self.rowCount())]

    def cell(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""


class ServerList(QTreeWidget):
    """The servers, one row each: name (ticked while on), transport, command or URL.

    Signals:
        enabledToggled(int, bool): the user ticked (True) or unticked a row's box.
    """

    enabledToggled = Signal(int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mcpServerList")
        self.setAccessibleName(self.tr("MCP servers"))
        self.setHeaderLabels([self.tr("Name"), self.tr("Transport"), self.tr("Command or URL")])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setMinimumHeight(self.fontMetrics().height() * 7)
        self.itemChanged.connect(self._changed)

    def set_servers(self, servers: Sequence[McpServerConfig], select: int = -1) -> None:
        """Show ``servers`` (a broken entry gets a warning sign), selecting row ``select``."""
        self.blockSignals(True)
        try:
            self.clear()
            for server in servers:
                item = QTreeWidgetItem(self)
                problems = server.problems()
                item.setText(0, f"\u26a0 {server.name}" if problems else server.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = Qt.CheckState.Checked if server.enabled else Qt.CheckState.Unchecked
                item.setCheckState(0, checked)
                item.setToolTip(0, "\n".join(problems) or self.tr("Tick to turn the server on"))
                item.setText(
                    1, self.tr("stdio") if server.transport == "stdio" else self.tr("HTTP")
                )
                where = shlex.join([server.command, *server.args])
                item.setText(2, where if server.transport == "stdio" else server.url)
        finally:
            self.blockSignals(False)
        for column in (0, 1):
            self.resizeColumnToContents(column)
        chosen = self.topLevelItem(select) if select >= 0 else None
        if chosen is not None:
            self.setCurrentItem(chosen)

    def selected_row(self) -> int | None:
        items = self.selectedItems()
        return self.indexOfTopLevelItem(items[0]) if items else None

    def _changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column == 0:
            checked = item.checkState(0) == Qt.CheckState.Checked
            self.enabledToggled.emit(self.indexOfTopLevelItem(item), checked)


class McpServerDialog(QDialog):
    """Adds (``server`` None) or edits one MCP server; read :meth:`server` on accept."""

    def __init__(
        self,
        server: McpServerConfig | None = None,
        *,
        taken: Collection[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mcpServerDialog")
        self.setWindowTitle(self.tr("Edit MCP server") if server else self.tr("Add MCP server"))
        self.setMinimumWidth(520)
        self._taken = {name.casefold() for name in taken}
        self._build()
        self._load(server or McpServerConfig(name=""))
        for edit in (self.name, self.command, self.arguments, self.url):
            edit.textChanged.connect(self._check)
        self.stdio.toggled.connect(self._check)
        self.timeout.valueChanged.connect(self._check)
        self.env.itemChanged.connect(self._check)
        self.env.model().rowsRemoved.connect(self._check)
        self._check()

    def _build(self) -> None:
        self.name = self._line_edit("serverName", self.tr("Name"), self.tr("e.g. files"))
        self.stdio = QRadioButton(self.tr("&stdio: start a command"), self)
        self.stdio.setObjectName("transportStdio")
        self.http = QRadioButton(self.tr("&HTTP: connect to a URL"), self)
        self.http.setObjectName("transportHttp")
        transports = QButtonGroup(self)
        transports.addButton(self.stdio)
        transports.addButton(self.http)
        transport_row = QHBoxLayout()
        transport_row.addWidget(self.stdio)
        transport_row.addWidget(self.http)
        transport_row.addStretch(1)
        self.command = self._line_edit("serverCommand", self.tr("Command"), "npx")
        self.arguments = self._line_edit(
            "serverArguments",
            self.tr("Arguments"),
            "-y @modelcontextprotocol/server-filesystem ~/notes",
        )
        self.arguments.setToolTip(self.tr("Written as on a shell line; quote what has spaces"))
        self.env_box = QWidget(self)
        self.env = EnvTable(self.env_box)
        self.add_variable = QPushButton(self.tr("Add &variable"), self.env_box)
        self.add_variable.setObjectName("addVariable")
        self.remove_variable = QPushButton(self.tr("Remove va&riable"), self.env_box)
        self.remove_variable.setObjectName("removeVariable")
        for button in (self.add_variable, self.remove_variable):
            button.setAutoDefault(False)
        self.add_variable.clicked.connect(self._add_variable)
        self.remove_variable.clicked.connect(self._remove_variable)
        env_buttons = QHBoxLayout()
        env_buttons.addWidget(self.add_variable)
        env_buttons.addWidget(self.remove_variable)
        env_buttons.addStretch(1)
        env_layout = QVBoxLayout(self.env_box)
        env_layout.setContentsMargins(0, 0, 0, 0)
        env_layout.addWidget(self.env)
        env_layout.addLayout(env_buttons)
        self.url = self._line_edit("serverUrl", self.tr("URL"), "http://127.0.0.1:8000/mcp")
        self.timeout = QDoubleSpinBox(self)
        self.timeout.setObjectName("serverTimeout")
        self.timeout.setAccessibleName(self.tr("Timeout in seconds"))
        self.timeout.setRange(0.5, 3600.0)
        self.timeout.setDecimals(1)
        self.timeout.setSuffix(self.tr(" s"))
        self.enabled = QCheckBox(self.tr("Ena&bled: start it when tools are wanted"), self)
        self.enabled.setObjectName("serverEnabled")
        self.problems = QLabel(self)
        self.problems.setObjectName("serverProblems")
        self.problems.setWordWrap(True)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(self.tr("&Name:"), self.name)
        self.form.addRow(self.tr("Transport:"), transport_row)
        self.form.addRow(self.tr("&Command:"), self.command)
        self.form.addRow(self.tr("&Arguments:"), self.arguments)
        self.form.addRow(self.tr("&Environment:"), self.env_box)
        self.form.addRow(self.tr("&URL:"), self.url)
        self.form.addRow(self.tr("&Timeout:"), self.timeout)
        self.form.addRow("", self.enabled)
        env_label = self.form.labelForField(self.env_box)
        if isinstance(env_label, QLabel):
            env_label.setBuddy(self.env)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        chain: list[QWidget] = [
            self.name,
            self.stdio,
            self.http,
            self.command,
            self.arguments,
            self.env,
            self.add_variable,
            self.remove_variable,
            self.url,
            self.timeout,
            self.enabled,
            self.ok_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        set_tab_chain(chain)

    def _line_edit(self, name: str, accessible: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        return edit

    def _load(self, server: McpServerConfig) -> None:
        self.name.setText(server.name)
        (self.stdio if server.transport == "stdio" else self.http).setChecked(True)
        self.command.setText(server.command)
        self.arguments.setText(shlex.join(server.args))
        self.env.set_env(dict(server.env))
        self.url.setText(server.url)
        self.timeout.setValue(server.timeout if server.timeout > 0 else DEFAULT_TIMEOUT)
        self.enabled.setChecked(server.enabled)

    # -- public -----------------------------------------------------------------------

    def server(self) -> McpServerConfig:
        """The server as the form shows it (arguments that do not parse count as none)."""
        transport: Transport = "stdio" if self.stdio.isChecked() else "http"
        try:
            args = tuple(shlex.split(self.arguments.text()))
        except ValueError:
            args = ()
        return McpServerConfig(
            name=self.name.text().strip(),
            transport=transport,
            command=self.command.text().strip(),
            args=args,
            env=self.env.env(),
            url=self.url.text().strip(),
            enabled=self.enabled.isChecked(),
            timeout=self.timeout.value(),
        )

    def problem_list(self) -> list[str]:
        """What keeps OK disabled, in sentences for the user."""
        server = self.server()
        found = list(server.problems())
        if server.name.casefold() in self._taken:
            found.append(
                self.tr("There is already a server named “{name}”.").format(name=server.name)
            )
        if server.transport == "stdio":
            try:
                shlex.split(self.arguments.text())
            except ValueError:
                found.append(self.tr("The arguments have an unclosed quote."))
            names = [name for name in self.env.names() if name]
            if any(not _ENV_NAME.match(name) for name in names):
                found.append(
                    self.tr(
                        "Variable names must be letters, digits and '_', not starting with a digit."
                    )
                )
            if len(set(names)) != len(names):
                found.append(self.tr("A variable is set twice."))
        return found

    # -- internals --------------------------------------------------------------------

    def _check(self) -> None:
        stdio = self.stdio.isChecked()
        for widget in (self.command, self.arguments, self.env_box):
            self.form.setRowVisible(widget, stdio)
        self.form.setRowVisible(self.url, not stdio)
        found = self.problem_list()
        self.problems.setText("\n".join(f"\u26a0 {problem}" for problem in found))
        self.problems.setVisible(bool(found))
        self.ok_button.setEnabled(not found)

    def _add_variable(self) -> None:
        row = self.env.add_row()
        self.env.setCurrentCell(row, 0)
        self.env.setFocus(Qt.FocusReason.OtherFocusReason)
        item = self.env.item(row, 0)
        if item is not None:
            self.env.editItem(item)

    def _remove_variable(self) -> None:
        row = self.env.currentRow()
        if row >= 0:
            self.env.removeRow(row)
