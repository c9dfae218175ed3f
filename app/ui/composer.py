"""The composer: where the user writes. Enter sends, Shift+Enter starts a new line.

Files dropped or pasted into it (and a pasted image) become attachments, not text.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.recording_bar import RecordingBar
from app.ui.tools_menu import ToolsButton

MAX_VISIBLE_LINES = 8


def local_files(mime: QMimeData) -> list[Path]:
    """The local files (or folders) a drop or paste carries; empty for anything else."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class ComposerEdit(QPlainTextEdit):
    """A text box that submits on Enter and grows with its text up to a few lines.

    Signals:
        submitted(): Enter was pressed without Shift.
        filesGiven(list): local files were pasted or dropped (``list[Path]``).
        imagePasted(QImage): an image (not a file) was pasted.
    """

    submitted = Signal()
    filesGiven = Signal(list)
    imagePasted = Signal(QImage)

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

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return (
            bool(local_files(source)) or source.hasImage() or super().canInsertFromMimeData(source)
        )

    def insertFromMimeData(self, source: QMimeData) -> None:
        files = local_files(source)
        if files:
            self.filesGiven.emit(files)
        elif source.hasImage() and not source.hasText():
            image = source.imageData()
            if isinstance(image, QImage) and not image.isNull():
                self.imagePasted.emit(image)
        else:
            super().insertFromMimeData(source)

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
    """The text box with its Attach, Record and Send / Stop buttons.

    Signals:
        sendRequested(str): the user wants to send this text.
        stopRequested(): the user wants the reply in flight stopped.
        attachRequested(): the user wants to pick files to attach.
        recordRequested(): the user wants to record a voice question (or end one).
    """

    sendRequested = Signal(str)
    stopRequested = Signal()
    attachRequested = Signal()
    recordRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self._busy = False
        self.edit = ComposerEdit(self)
        self.attach_button = QToolButton(self)
        self.attach_button.setObjectName("attachButton")
        self.attach_button.setText("+")
        self.attach_button.clicked.connect(self.attachRequested.emit)
        self.record_button = QToolButton(self)
        self.record_button.setObjectName("recordButton")
        self.record_button.setText("\u25cf")
        self.record_button.setCheckable(True)
        self.record_button.clicked.connect(self.recordRequested.emit)
        self.recording_bar = RecordingBar(self)
        self.button = QPushButton(self)
        self.button.setObjectName("sendButton")
        self.button.setDefault(False)
        self.button.setAutoDefault(False)
        self.tools_button = ToolsButton(self)
        row = QHBoxLayout()
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.record_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.tools_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.edit, 1)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.setSpacing(4)
        layout.addWidget(self.recording_bar)
        layout.addLayout(row)
        self.edit.submitted.connect(self._submit)
        self.button.clicked.connect(self._button_clicked)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts in the current language."""
        self.edit.setPlaceholderText(self.tr("Message MiMo…"))
        self.edit.setAccessibleName(self.tr("Message"))
        self.attach_button.setToolTip(self.tr("Attach images, audio or video (Ctrl+O)"))
        self.attach_button.setAccessibleName(self.tr("Attach files"))
        self.record_button.setToolTip(self.tr("Record a voice question (Ctrl+Shift+R)"))
        self.record_button.setAccessibleName(self.tr("Record a voice question"))
        self.set_busy(self._busy)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_recording(self, recording: bool) -> None:
        self.record_button.setChecked(recording)
        self.recording_bar.set_elapsed(0)
        self.recording_bar.set_level(0.0)
        self.recording_bar.setVisible(recording)

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
        """Ask to send; the text stays until the receiver takes it (it may refuse)."""
        if self._busy:
            return
        self.sendRequested.emit(self.edit.toPlainText())

    def _button_clicked(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self._submit()
