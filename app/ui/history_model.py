"""The history list as a Qt model: conversations newest first, under day headings.

One flat list of items, each either a heading (:class:`DayGroup`) or a conversation
(:class:`ConversationRow`), so a :class:`QListView` shows ten thousand conversations
without a widget per row. ``data()`` is a list lookup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.api.translation import translate
from app.core.day_groups import DayGroup, GroupKind, day_group
from app.core.store_records import ConversationRow

ID_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
PINNED_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


def untitled() -> str:
    return translate("HistoryModel", "New chat")


def group_title(group: DayGroup) -> str:
    """The words of a heading, in the user's language (months named by :class:`QLocale`)."""
    match group.kind:
        case GroupKind.PINNED:
            return translate("HistoryModel", "Pinned")
        case GroupKind.TODAY:
            return translate("HistoryModel", "Today")
        case GroupKind.YESTERDAY:
            return translate("HistoryModel", "Yesterday")
        case GroupKind.PREVIOUS_7_DAYS:
            return translate("HistoryModel", "Previous 7 days")
        case GroupKind.PREVIOUS_30_DAYS:
            return translate("HistoryModel", "Previous 30 days")
        case GroupKind.MONTH:
            # A QDate format: "October 2026"; a translation orders it as its language does.
            pattern = translate("HistoryModel", "MMMM yyyy")
            return QLocale().toString(QDate(group.year, group.month, 1), pattern)
        case _:
            return str(group.year)


def _sort_key(row: ConversationRow) -> tuple[bool, float]:
    return (not row.pinned, -row.updated_at)


class HistoryModel(QAbstractListModel):
    """Conversations under headings; rows are renamed in place (the view's editor).

    Signals:
        renamed(str, str): the user renamed a conversation (id, new title) in the view.
    """

    renamed = Signal(str, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ConversationRow] = []
        self._items: list[ConversationRow | DayGroup] = []
        self._positions: dict[str, int] = {}
        self._today = date.today()

    # -- filling -----------------------------------------------------------------------

    def set_rows(self, rows: Iterable[ConversationRow], today: date | None = None) -> None:
        """Show these conversations (any order), replacing what was shown."""
        self._rows = sorted(rows, key=_sort_key)
        self._today = today or date.today()
        self._rebuild()

    def upsert(self, row: ConversationRow) -> None:
        """Add the conversation, or move and update it (its date or pin changed)."""
        self._rows = [r for r in self._rows if r.id != row.id]
        keys = [_sort_key(r) for r in self._rows]
        key = _sort_key(row)
        at = next((i for i, other in enumerate(keys) if other > key), len(keys))
        self._rows.insert(at, row)
        self._rebuild()

    def remove(self, conv_id: str) -> ConversationRow | None:
        """Take the conversation out of the list; returns it (None if it was not shown)."""
        found = next((r for r in self._rows if r.id == conv_id), None)
        if found is not None:
            self._rows.remove(found)
            self._rebuild()
        return found

    def _rebuild(self) -> None:
        self.beginResetModel()
        items: list[ConversationRow | DayGroup] = []
        positions: dict[str, int] = {}
        current: DayGroup | None = None
        today = self._today
        for row in self._rows:
            group = day_group(row.updated_at, today, pinned=row.pinned)
            if group != current:
                items.append(group)
                current = group
            positions[row.id] = len(items)
            items.append(row)
        self._items = items
        self._positions = positions
        self.endResetModel()

    # -- reading -----------------------------------------------------------------------

    def conversation_count(self) -> int:
        return len(self._rows)

    def conversation_at(self, index: Index) -> ConversationRow | None:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        return item if isinstance(item, ConversationRow) else None

    def index_of(self, conv_id: str) -> QModelIndex:
        position = self._positions.get(conv_id)
        return QModelIndex() if position is None else self.index(position, 0)

    def row(self, conv_id: str) -> ConversationRow | None:
        position = self._positions.get(conv_id)
        item = None if position is None else self._items[position]
        return item if isinstance(item, ConversationRow) else None

    # -- QAbstractListModel ------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's idiom
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if isinstance(item, DayGroup):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return group_title(item)
            if role == HEADER_ROLE:
                return True
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.title or untitled()
        if role == Qt.ItemDataRole.EditRole:
            return item.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.title or untitled()
        if role == ID_ROLE:
            return item.id
        if role == HEADER_ROLE:
            return False
        if role == PINNED_ROLE:
            return item.pinned
        return None

    def retranslate(self) -> None:
        """Say again every heading and untitled row (the language changed)."""
        if self._items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._items) - 1, 0))

    def flags(self, index: Index) -> Qt.ItemFlag:
        if self.conversation_at(index) is None:
            return Qt.ItemFlag.ItemIsEnabled if index.isValid() else Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        row = self.conversation_at(index)
        if row is None or role != Qt.ItemDataRole.EditRole:
            return False
        title = " ".join(str(value).split())
        if not title or title == row.title:
            return False
        self.set_title(row.id, title)
        self.renamed.emit(row.id, title)
        return True

    def set_title(self, conv_id: str, title: str) -> None:
        """Show a new title for the conversation (no re-sorting: renaming keeps its place)."""
        position = self._positions.get(conv_id)
        if position is None:
            return
        old = self._items[position]
        assert isinstance(old, ConversationRow)
        new = replace(old, title=title)
        self._items[position] = new
        self._rows[self._rows.index(old)] = new
        index = self.index(position, 0)
        self.dataChanged.emit(index, index)
