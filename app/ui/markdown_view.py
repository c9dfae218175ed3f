"""A read-only text view that renders Markdown natively and sizes itself to its text.

Model output is untrusted: the view never loads a resource (an image URL in a reply is a
known way to leak a conversation), and links open in the browser only on a click.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QSize, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser, QWidget

from app.ui.markdown_stream import MarkdownStream
from app.ui.style import polish_markdown

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class MarkdownView(QTextBrowser):
    """A QTextBrowser that grows to fit its document instead of scrolling."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
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
        self._fit_height(document.size())

    def set_markdown(self, text: str) -> None:
        """Show ``text`` rendered in one go (ends any stream)."""
        self._stream = None
        self.setMarkdown(text)
        polish_markdown(self.document(), QGuiApplication.palette())

    def append_markdown(self, delta: str) -> None:
        """Append streamed Markdown: finished blocks are rendered once, only the open
        last block again (see :mod:`app.ui.markdown_stream`)."""
        if self._stream is None:
            self._stream = MarkdownStream(self.document(), self._polish)
        self._stream.append(delta)

    def finish_markdown(self) -> None:
        """The streamed text is complete: settle what only the whole text decides."""
        if self._stream is not None:
            self._stream.finish()

    @staticmethod
    def _polish(document: QTextDocument) -> None:
        polish_markdown(document, QGuiApplication.palette())

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

    def _open_link(self, url: QUrl) -> None:
        if url.scheme().lower() in SAFE_LINK_SCHEMES:
            QDesktopServices.openUrl(url)

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
