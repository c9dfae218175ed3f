"""The history sidebar: every conversation, newest first under day headings.

A :class:`QListView` over :class:`HistoryModel` (no widget per row). Click or Enter
opens a conversation; F2 renames in place, Delete deletes (with an Undo bar), the
context menu also pins and exports.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.history_model import HEADER_ROLE, ID_ROLE, PINNED_ROLE, HistoryModel

UNDO_SECONDS = 10
ROW_HEIGHT = 30

Index = QModelIndex | QPersistentModelIndex


class HistoryDelegate(QStyledItemDelegate):
    """Headings in small grey capitals; conversations as one elided line."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        if not index.data(HEADER_ROLE):
            super().paint(painter, option, index)
            return
        painter.save()
        font = option.font
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(option.palette.color(option.palette.ColorRole.PlaceholderText))
        rect = option.rect.adjusted(8, 8, -8, 0)
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect, int(align), str(index.data()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(option.rect.width(), ROW_HEIGHT)


class HistoryList(QListView):
    """The list itself; Delete on a conversation asks for it to be deleted.

    Signals:
        deletePressed(): Delete was pressed (not while renaming).
    """

    deletePressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        editing = self.state() == QAbstractItemView.State.EditingState
        if event.key() == Qt.Key.Key_Delete and not editing:
            self.deletePressed.emit()
            return
        super().keyPressEvent(event)


class HistorySidebar(QFrame):
    """The conversation list, with New chat and Search above and an Undo bar below.

    Signals:
        openRequested(str): show this conversation.
        pinRequested(str, bool): pin or unpin it.
        deleteRequested(str): delete it (the Undo bar offers it back).
        undoRequested(): bring back the last deleted conversation.
        exportRequested(str, str): export it as "markdown" or "json".
        renameRequested(str, str): rename it (also reported by the model's editor).
    """

    openRequested = Signal(str)
    pinRequested = Signal(str, bool)
    deleteRequested = Signal(str)
    undoRequested = Signal()
    exportRequested = Signal(str, str)
    renameRequested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historySidebar")
        self.model = HistoryModel(self)
        self.list = HistoryList(self)
        self.list.setObjectName("historyList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(HistoryDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.new_chat_button = QPushButton(self)
        self.new_chat_button.setObjectName("sidebarNewChat")
        self.search_button = QPushButton(self)
        self.search_button.setObjectName("sidebarSearch")
        self.empty_label = QLabel(self)
        self.empty_label.setObjectName("historyEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.undo_bar = QFrame(self)
        self.undo_bar.setObjectName("undoBar")
        self.undo_label = QLabel(self.undo_bar)
        self.undo_label.setWordWrap(True)
        self.undo_button = QPushButton(self.undo_bar)
        self.undo_button.setObjectName("undoButton")
        undo_layout = QHBoxLayout(self.undo_bar)
        undo_layout.setContentsMargins(8, 4, 8, 4)
        undo_layout.addWidget(self.undo_label, 1)
        undo_layout.addWidget(self.undo_button)
        self.undo_bar.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_SECONDS * 1000)
        self._undo_timer.timeout.connect(self.undo_bar.hide)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(8, 8, 8, 4)
        buttons.addWidget(self.new_chat_button, 1)
        buttons.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(buttons)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.undo_bar)
        self._make_actions()
        self.list.clicked.connect(self._open)
        self.list.activated.connect(self._open)
        self.list.deletePressed.connect(self._delete_current)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.undo_button.clicked.connect(self._undo)
        self.model.renamed.connect(self.renameRequested)
        self.model.modelReset.connect(self._after_reset)
        self._current_id: str | None = None
        self._deleted_title: str | None = None  # the title the Undo bar names
        self._after_reset()
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts in the current language; say the headings again."""
        self.list.setAccessibleName(self.tr("Conversations"))
        self.new_chat_button.setText(self.tr("New chat"))
        self.new_chat_button.setToolTip(self.tr("Start a new chat (Ctrl+N)"))
        self.search_button.setText(self.tr("Search"))
        self.search_button.setToolTip(self.tr("Search every message (Ctrl+K)"))
        self.empty_label.setText(self.tr("No conversations yet."))
        self.undo_button.setText(self.tr("&Undo"))
        self.rename_action.setText(self.tr("&Rename"))
        self.pin_action.setText(self.tr("&Pin"))
        self.export_markdown_action.setText(self.tr("Export as &Markdown…"))
        self.export_json_action.setText(self.tr("Export as &JSON…"))
        self.delete_action.setText(self.tr("&Delete"))
        if self._deleted_title is not None:
            self._say_deleted(self._deleted_title)
        self.model.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _make_actions(self) -> None:
        self.rename_action = QAction(self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.pin_action = QAction(self)
        self.export_markdown_action = QAction(self)
        self.export_json_action = QAction(self)
        self.delete_action = QAction(self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        for action in (self.rename_action, self.delete_action):
            # The list handles these keys itself; the menu only shows them.
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.rename_action.triggered.connect(self._rename_current)
        self.pin_action.triggered.connect(self._toggle_pin_current)
        self.export_markdown_action.triggered.connect(lambda: self._export_current("markdown"))
        self.export_json_action.triggered.connect(lambda: self._export_current("json"))
        self.delete_action.triggered.connect(self._delete_current)

    # -- state from outside ------------------------------------------------------------

    def set_current(self, conv_id: str | None) -> None:
        """Select the conversation being shown (None: a new, unsaved chat)."""
        self._current_id = conv_id
        index = self.model.index_of(conv_id) if conv_id else QModelIndex()
        selection = self.list.selectionModel()
        if index.isValid():
            selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect)
            self.list.scrollTo(index)
        else:
            selection.clearSelection()

    @property
    def current_id(self) -> str | None:
        return self._current_id

    def show_deleted(self, title: str) -> None:
        """Offer Undo for a conversation just deleted."""
        self._deleted_title = title
        self._say_deleted(title)
        self.undo_bar.show()
        self.undo_button.setEnabled(True)
        self._undo_timer.start()

    def _say_deleted(self, title: str) -> None:
        self.undo_label.setText(
            self.tr("Deleted “{title}”.").format(title=title or self.tr("New chat"))
        )

    def hide_undo(self) -> None:
        self._undo_timer.stop()
        self.undo_bar.hide()

    # -- user actions --------------------------------------------------------------------

    def selected_id(self) -> str | None:
        value = self.list.currentIndex().data(ID_ROLE)
        return str(value) if value else None

    def _open(self, index: QModelIndex) -> None:
        conv_id = index.data(ID_ROLE)
        if conv_id:
            self._current_id = str(conv_id)
            self.openRequested.emit(str(conv_id))

    def _rename_current(self) -> None:
        index = self.list.currentIndex()
        if index.data(ID_ROLE):
            self.list.edit(index)

    def _toggle_pin_current(self) -> None:
        index = self.list.currentIndex()
        if conv_id := index.data(ID_ROLE):
            self.pinRequested.emit(str(conv_id), not bool(index.data(PINNED_ROLE)))

    def _export_current(self, kind: str) -> None:
        if conv_id := self.selected_id():
            self.exportRequested.emit(conv_id, kind)

    def _delete_current(self) -> None:
        if conv_id := self.selected_id():
            self.deleteRequested.emit(conv_id)

    def _undo(self) -> None:
        self.hide_undo()
        self.undoRequested.emit()

    def _context_menu(self, point: QPoint) -> None:
        index = self.list.indexAt(point)
        if not index.data(ID_ROLE):
            return
        self.list.setCurrentIndex(index)
        pinned = bool(index.data(PINNED_ROLE))
        self.pin_action.setText(self.tr("Un&pin") if pinned else self.tr("&Pin"))
        menu = QMenu(self)
        menu.addAction(self.rename_action)
        menu.addAction(self.pin_action)
        menu.addSeparator()
        menu.addAction(self.export_markdown_action)
        menu.addAction(self.export_json_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.list.viewport().mapToGlobal(point))

    def _after_reset(self) -> None:
        empty = self.model.conversation_count() == 0
        self.list.setVisible(not empty)
        self.empty_label.setVisible(empty)
        if self._current_id_is_shown():
            self.set_current(self._current_id)

    def _current_id_is_shown(self) -> bool:
        return self._current_id is not None and self.model.index_of(self._current_id).isValid()
