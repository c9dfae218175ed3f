"""A read-only text view that renders Markdown natively and sizes itself to its text.

Model output is untrusted: the view never loads a resource (an image URL in a reply is a
known way to leak a conversation; images are shown as links), and links open in the
browser only on a click. Code blocks are coloured and get a Copy link
(:mod:`app.ui.code_blocks`); that link copies the code and never leaves the app.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, QRectF, QSize, QSizeF, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QTextEdit, QWidget

from app.ui.code_backdrop import paint_view_backdrops
from app.ui.code_blocks import (
    COPY_SCHEME,
    copy_link_label,
    decorate_code_blocks,
    find_code_header,
    header_code,
    set_copy_label,
    strip_code_headers,
)
from app.ui.markdown_stream import MarkdownStream
from app.ui.style import blend, polish_markdown

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def polish_reply(document: QTextDocument, markdown: str, palette: QPalette) -> None:
    """Everything the view adds to Qt's rendering of ``markdown`` (in ``document``)."""
    polish_markdown(document, palette)
    decorate_code_blocks(document, markdown, palette)


class MarkdownView(QTextBrowser):
    """A QTextBrowser that grows to fit its document instead of scrolling.

    A code block's Copy link puts its code on the clipboard and reads "Copied" for
    ``COPIED_FEEDBACK_MS``; Copy from a selection leaves the code headers out.
    """

    COPIED_FEEDBACK_MS = 1500

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        # Transparent through the app style sheet (a per-widget sheet costs ~0.2 ms).
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        document = self.document()
        document.setDocumentMargin(2)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont).family()
        document.setDefaultStyleSheet(f"code, pre {{ font-family: '{fixed}'; }}")
        document.documentLayout().documentSizeChanged.connect(self._fit_height)
        self.anchorClicked.connect(self._open_link)
        self._stream: MarkdownStream | None = None
        self._copied_href = ""
        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.timeout.connect(self._end_copied_feedback)
        self._fit_height(document.size())

    def set_markdown(self, text: str) -> None:
        """Show ``text`` rendered in one go (ends any stream)."""
        self._stream = None
        self._copied_href = ""
        self.setMarkdown(text)
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()  # one change signal, one layout
        try:
            self._polish(self.document(), text)
        finally:
            cursor.endEditBlock()

    def append_markdown(self, delta: str) -> None:
        """Append streamed Markdown: finished blocks are rendered once, only the open
        last block again (see :mod:`app.ui.markdown_stream`)."""
        if self._stream is None:
            self._copied_href = ""
            self._stream = MarkdownStream(self.document(), self._polish)
        self._stream.append(delta)

    def finish_markdown(self) -> None:
        """The streamed text is complete: settle what only the whole text decides.

        The stream (its scratch document and a copy of the text) is let go: a finished
        reply stays on screen long after, and a later append would start a new text.
        """
        if self._stream is not None:
            self._stream.finish()
            self._stream = None

    def surface_palette(self) -> QPalette:
        """The palette of what the text is drawn on: the parent's (the view's own has a
        transparent background from its style sheet), else the application's."""
        parent = self.parentWidget()
        return parent.palette() if parent is not None else QGuiApplication.palette()

    def _polish(self, document: QTextDocument, markdown: str) -> None:
        polish_reply(document, markdown, self.surface_palette())

    def append_plain(self, text: str) -> None:
        """Append plain text at the end: cost proportional to ``text``, not the document."""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        """Never fetch anything a reply points at (remote images, local files).

        The answer is an empty image, not None: on None, QTextDocument falls back to
        reading local files itself (``file:`` URLs and paths).
        """
        return QImage()

    def createMimeDataFromSelection(self) -> QMimeData:
        """What Copy and dragging put on the clipboard: the selection without the code
        blocks' Copy headers.

        The data is made by Qt (a plain QTextEdit holding the cleaned selection), not
        by Python: the clipboard keeps it until after the interpreter has gone, and a
        QMimeData made in Python would call back into it when deleted then (a crash).
        """
        cleaned = QTextEdit()
        document = cleaned.document()
        document.setUndoRedoEnabled(False)
        QTextCursor(document).insertFragment(self.textCursor().selection())
        if not strip_code_headers(document):
            return super().createMimeDataFromSelection()
        cleaned.selectAll()
        return cleaned.createMimeDataFromSelection()

    def _open_link(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        if scheme == COPY_SCHEME:
            self._copy_code(url.toString())
        elif scheme in SAFE_LINK_SCHEMES:
            QDesktopServices.openUrl(url)

    def _copy_code(self, href: str) -> None:
        """Put a code block's code on the clipboard and say "Copied" for a moment."""
        header = find_code_header(self.document(), href)
        if header is None:
            return
        QGuiApplication.clipboard().setText(header_code(header))
        self._end_copied_feedback()
        set_copy_label(header, href, copy_link_label(copied=True))
        self._copied_href = href
        self._copied_timer.start(self.COPIED_FEEDBACK_MS)

    def _end_copied_feedback(self) -> None:
        self._copied_timer.stop()
        href, self._copied_href = self._copied_href, ""
        header = find_code_header(self.document(), href) if href else None
        if header is not None:
            set_copy_label(header, href, copy_link_label())

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint code backdrops and quote bars under the text, then the text."""
        palette = self.surface_palette()
        bar = blend(
            palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight), 0.6
        )
        scroll = QPointF(self.horizontalScrollBar().value(), self.verticalScrollBar().value())
        painter = QPainter(self.viewport())
        try:
            paint_view_backdrops(painter, self.document(), QRectF(event.rect()), scroll, bar)
        finally:
            painter.end()
        super().paintEvent(event)

    def _fit_height(self, size: QSizeF) -> None:
        margins = self.contentsMargins()
        height = math.ceil(size.height()) + margins.top() + margins.bottom()
        if height != self.height():
            self.setFixedHeight(max(height, 1))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.height())

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_height(self.document().size())
