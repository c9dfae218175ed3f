"""The composer: where the user writes. Enter sends, Shift+Enter starts a new line."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

MAX_VISIBLE_LINES = 8


class ComposerEdit(QPlainTextEdit):
    """A text box that submits on Enter and grows with its text up to a few lines.

    Signals:
        submitted(): Enter was pressed without Shift.
    """

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composerEdit")
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit_height)
        self._fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        is_enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        modifiers = event.modifiers()
        if is_enter and not modifiers & (
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier
        ):
            self.submitted.emit()
            return
        if is_enter:
            self.textCursor().insertText("\n")
            return
        super().keyPressEvent(event)

    def _fit_height(self) -> None:
        lines = min(max(self.document().blockCount(), 1), MAX_VISIBLE_LINES)
        line_height = self.fontMetrics().lineSpacing()
        margins = self.contentsMargins()
        frame = 2 * self.frameWidth()
        doc_margin = int(2 * self.document().documentMargin())
        self.setFixedHeight(
            lines * line_height + margins.top() + margins.bottom() + frame + doc_margin
        )


class Composer(QWidget):
    """The text box with its Send / Stop button.

    Signals:
        sendRequested(str): the user wants to send this text.
        stopRequested(): the user wants the reply in flight stopped.
    """

    sendRequested = Signal(str)
    stopRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._busy = False
        self.edit = ComposerEdit(self)
        self.edit.setPlaceholderText(self.tr("Message MiMo…"))
        self.edit.setAccessibleName(self.tr("Message"))
        self.button = QPushButton(self.tr("Send"), self)
        self.button.setObjectName("sendButton")
        self.button.setDefault(False)
        self.button.setAutoDefault(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        self.edit.submitted.connect(self._submit)
        self.button.clicked.connect(self._button_clicked)
        self.set_busy(False)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText(self.tr("Stop") if busy else self.tr("Send"))
        self.button.setToolTip(self.tr("Stop the reply (Esc)") if busy else self.tr("Send (Enter)"))
        self.button.setAccessibleName(self.button.text())

    def take_text(self) -> str:
        text = self.edit.toPlainText()
        self.edit.clear()
        return text

    def _submit(self) -> None:
        if self._busy or not self.edit.toPlainText().strip():
            return
        self.sendRequested.emit(self.take_text())

    def _button_clicked(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self._submit()
