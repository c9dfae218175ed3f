"""The bar shown while a voice question is recorded: time, level, Attach and Cancel."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from app.ui.attachment_pane import clock_time


class RecordingBar(QFrame):
    """Shows a recording in progress; Esc (while it shows) cancels it.

    Signals:
        finishRequested(): stop and attach the recording.
        cancelRequested(): stop and throw it away.
    """

    finishRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recordingBar")
        dot = QLabel("\u25cf", self)
        dot.setObjectName("recordingDot")
        self.time = QLabel(self)
        self.time.setObjectName("recordingTime")
        self.level = QProgressBar(self)
        self.level.setObjectName("recordingLevel")
        self.level.setRange(0, 100)
        self.level.setTextVisible(False)
        self.level.setFixedHeight(6)
        self.attach_button = QPushButton(self)
        self.attach_button.setObjectName("recordingAttachButton")
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("recordingCancelButton")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.addWidget(dot)
        layout.addWidget(self.time)
        layout.addWidget(self.level, 1)
        layout.addWidget(self.attach_button)
        layout.addWidget(self.cancel_button)
        self.attach_button.clicked.connect(self.finishRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self._escape.activated.connect(self.cancelRequested)
        self._elapsed_ms = 0
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts (and the time line) in the current language."""
        self.level.setAccessibleName(self.tr("Microphone level"))
        self.attach_button.setText(self.tr("Attach"))
        self.attach_button.setToolTip(self.tr("Stop recording and attach it to the message"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Throw the recording away (Esc)"))
        self.set_elapsed(self._elapsed_ms)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_elapsed(self, ms: int) -> None:
        self._elapsed_ms = ms
        elapsed = clock_time(ms // 1000)  # whole seconds so far, as a stopwatch shows them
        self.time.setText(self.tr("Recording {time}").format(time=elapsed))

    def set_level(self, level: float) -> None:
        self.level.setValue(round(100 * min(max(level, 0.0), 1.0)))
