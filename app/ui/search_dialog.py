"""Search every message (Ctrl+K): type, see matching snippets, open the one you want.

The dialog only shows results; the history controller runs the query on the store's
full-text index and hands the hits back with :meth:`SearchDialog.set_results`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.core.store_records import SNIPPET_CLOSE, SNIPPET_OPEN, SearchHit

DEBOUNCE_MS = 150
HIT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


# Markdown syntax that reads as noise in a one-line snippet: emphasis runs, code ticks,
# and heading, quote and list markers at the start of a line.
_MARKUP_RE = re.compile(r"\*\*|__|`+|^[ \t]{0,3}(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+", re.M)


def snippet_html(hit: SearchHit, untitled: str) -> str:
    """The hit as rich text: its title in bold, then the snippet with matches in bold.

    The snippet is cut from the stored Markdown; its markup is dropped, as the
    conversation shows it rendered.
    """
    snippet = html.escape(" ".join(_MARKUP_RE.sub("", hit.snippet).split()))
    snippet = snippet.replace(html.escape(SNIPPET_OPEN), "<b>").replace(
        html.escape(SNIPPET_CLOSE), "</b>"
    )
    title = html.escape(hit.title or untitled)
    if hit.message_id is None:  # the title itself matched: its snippet is the title
        return f"<b>{snippet}</b>"
    return f"<b>{title}</b><br>{snippet}"


class HitDelegate(QStyledItemDelegate):
    """Paints a hit's rich text (title, snippet with the matches in bold)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        style = option.widget.style() if option.widget else None
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, option.widget)
        document = self._document(text, option)
        painter.save()
        rect = option.rect
        painter.translate(rect.left() + 6, rect.top() + 4)
        painter.setClipRect(0, 0, rect.width() - 12, rect.height() - 8)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        document.setDefaultStyleSheet(f"body {{ color: {option.palette.color(role).name()}; }}")
        document.setHtml(f"<body>{text}</body>")
        document.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        document = self._document(text, option)
        return QSize(int(document.idealWidth()), int(document.size().height()) + 8)

    @staticmethod
    def _document(text: str, option: QStyleOptionViewItem) -> QTextDocument:
        document = QTextDocument()
        document.setDefaultFont(option.font)
        document.setDocumentMargin(0)
        document.setHtml(text)
        width = option.rect.width() if option.rect.width() > 0 else 480
        document.setTextWidth(max(width - 12, 100))
        return document


class SearchField(QLineEdit):
    """The query box; Up and Down move through the results without leaving it.

    Signals:
        moved(int): -1 for Up, +1 for Down.
    """

    moved = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.moved.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)


class SearchDialog(QDialog):
    """Full-text search over every conversation.

    Signals:
        queryChanged(str): the user paused typing this query (debounced).
        hitActivated(str, str): open this conversation at this message ("" for a title
            match); the dialog closes.
    """

    queryChanged = Signal(str)
    hitActivated = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchDialog")
        self.setWindowTitle(self.tr("Search conversations"))
        self.resize(560, 420)
        self.field = SearchField(self)
        self.field.setObjectName("searchField")
        self.field.setPlaceholderText(self.tr("Search every message…"))
        self.field.setAccessibleName(self.tr("Search"))
        self.field.setClearButtonEnabled(True)
        self.results = QListWidget(self)
        self.results.setObjectName("searchResults")
        self.results.setAccessibleName(self.tr("Results"))
        self.results.setItemDelegate(HitDelegate(self.results))
        self.results.setWordWrap(True)
        self.results.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.status = QLabel(self)
        self.status.setObjectName("searchStatus")
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_query)
        self.field.textChanged.connect(self._typed)
        self.field.moved.connect(self._move)
        self.field.returnPressed.connect(self._activate_current)
        self.results.itemActivated.connect(self._activate)
        self.results.itemClicked.connect(self._activate)
        self._show_status("")

    def open_fresh(self) -> None:
        """Show the dialog with the last query selected, ready to type over."""
        self.field.selectAll()
        self.field.setFocus()
        self.open()

    def set_results(self, query: str, hits: Sequence[SearchHit]) -> None:
        """Show ``hits`` for ``query``; ignored when the query has changed meanwhile."""
        if query != self.field.text():
            return
        self.results.clear()
        untitled = self.tr("New chat")
        for hit in hits:
            item = QListWidgetItem(snippet_html(hit, untitled))
            item.setData(HIT_ROLE, (hit.conversation_id, hit.message_id or ""))
            spoken = f"{hit.title or untitled}: {hit.snippet}"
            item.setData(Qt.ItemDataRole.AccessibleTextRole, spoken)
            self.results.addItem(item)
        if hits:
            self.results.setCurrentRow(0)
        if not query.strip():
            self._show_status("")
        elif not hits:
            self._show_status(self.tr("No matches."))
        elif len(hits) == 1:
            self._show_status(self.tr("1 match"))
        else:
            self._show_status(self.tr("%n matches", "", len(hits)))

    def _show_status(self, text: str) -> None:
        self.status.setText(text or self.tr("Enter opens the selected match."))

    def _typed(self, _text: str) -> None:
        self._debounce.start()

    def _emit_query(self) -> None:
        self.queryChanged.emit(self.field.text())

    def _move(self, step: int) -> None:
        count = self.results.count()
        if count:
            row = min(max(self.results.currentRow() + step, 0), count - 1)
            self.results.setCurrentRow(row)

    def _activate_current(self) -> None:
        if self._debounce.isActive():  # typed and pressed Enter at once: search first
            self._debounce.stop()
            self._emit_query()
            return
        item = self.results.currentItem()
        if item is not None:
            self._activate(item)

    def _activate(self, item: QListWidgetItem) -> None:
        conv_id, message_id = item.data(HIT_ROLE)
        self.accept()
        self.hitActivated.emit(conv_id, message_id)
