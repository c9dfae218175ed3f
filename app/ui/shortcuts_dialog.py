"""Help > Keyboard shortcuts: every shortcut of the window, read from its actions.

The list is built from the menus when the dialog opens, so it never drifts from what
the keys really do; a few keys that belong to one widget (the composer's Enter) are
added by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

NATIVE = QKeySequence.SequenceFormat.NativeText


def plain(text: str) -> str:
    """A menu text without its mnemonic ampersand and trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def shortcut_rows(menus: Sequence[QMenu]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu title, [(action, keys)]) for every action with a shortcut, menu by menu."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for menu in menus:
        rows: list[tuple[str, str]] = []
        for action in menu.actions():
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                groups.extend(shortcut_rows([submenu]))
                continue
            keys = _keys(action)
            if keys:
                rows.append((plain(action.text()), keys))
        if rows:
            groups.append((plain(menu.title()), rows))
    return groups


def _keys(action: QAction) -> str:
    return ", ".join(s.toString(NATIVE) for s in action.shortcuts() if not s.isEmpty())


class ShortcutsDialog(QDialog):
    """A read-only table: what each key does, grouped by menu."""

    def __init__(
        self, menus: Sequence[QMenu], model_keys: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(520, 560)
        self.table = QTreeWidget(self)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.table.setColumnCount(2)
        self.table.setHeaderLabels([self.tr("Action"), self.tr("Keys")])
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        composer = (
            self.tr("Message box"),
            [
                (self.tr("Send"), QKeySequence("Return").toString(NATIVE)),
                (self.tr("New line"), QKeySequence("Shift+Return").toString(NATIVE)),
                (self.tr("Use model 1 … 9"), model_keys),
            ],
        )
        for title, rows in [*shortcut_rows(menus), composer]:
            group = QTreeWidgetItem(self.table, [title])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            for name, keys in rows:
                QTreeWidgetItem(self.table, [name, keys])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """(action, keys) of every line, group titles with empty keys (for tests)."""
        items = (self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount()))
        return [(item.text(0), item.text(1)) for item in items if item is not None]
