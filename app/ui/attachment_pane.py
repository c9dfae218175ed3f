"""The attachment pane above the composer: one chip per file the next message carries.

A chip shows what the file is (an image thumbnail, or a glyph for audio and video),
its name, a detail line ("PNG · 640x480 · 12 KB", "WAV · 0:03 · 141 KB") or, when the
file cannot be sent, the reason in red; audio has a play button, video a menu for its
frame rate and resolution, every chip a remove button. The pane only shows; the
attachment controller decides what the chips say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QImage, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.api.translation import translate

THUMBNAIL_PX = 44
CHIP_WIDTH = 210
FPS_CHOICES = (0.5, 1.0, 2.0, 5.0, 10.0)
RESOLUTIONS = ("default", "max")
_GLYPHS = {"image": "▣", "audio": "♪", "video": "▶", "": "…"}


def kind_name(kind: str) -> str:
    """``"image"``, ``"audio"`` or ``"video"`` as words in the user's language."""
    names = {
        "image": translate("AttachmentPane", "image"),
        "audio": translate("AttachmentPane", "audio"),
        "video": translate("AttachmentPane", "video"),
    }
    return names.get(kind, kind)


def clock_time(seconds: float) -> str:
    """``75.4`` -> ``"1:15"`` (halves round up); an hour or more -> ``"1:02:03"``."""
    whole = max(0, math.floor(seconds + 0.5))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


@dataclass(frozen=True)
class ChipState:
    """What one chip shows.

    Attributes:
        kind: ``image``, ``audio``, ``video``, or ``""`` while the file is examined.
        name: The file name.
        detail: The line under the name, e.g. ``"PNG · 640x480 · 12 KB"``.
        error: Why the file cannot be sent (shown instead of ``detail``), or ``""``.
        fps: The video's frame rate sent with it.
        resolution: The video's ``media_resolution``.
    """

    kind: str
    name: str
    detail: str = ""
    error: str = ""
    fps: float = 2.0
    resolution: str = "default"


class AttachmentChip(QFrame):
    """One attached file.

    Signals:
        removeRequested(): the remove button was clicked.
        playRequested(): the play button of an audio chip was clicked.
        videoOptionsChanged(float, str): the user chose a frame rate or resolution.
    """

    removeRequested = Signal()
    playRequested = Signal()
    videoOptionsChanged = Signal(float, str)

    def __init__(self, state: ChipState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentChip")
        self.setFixedWidth(CHIP_WIDTH)
        self.thumbnail = QLabel(self)
        self.thumbnail.setObjectName("chipThumbnail")
        self.thumbnail.setFixedSize(THUMBNAIL_PX, THUMBNAIL_PX)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel(self)
        self.name.setObjectName("chipName")
        self.detail = QLabel(self)
        self.detail.setObjectName("chipDetail")
        self.detail.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("chipProgress")
        self.progress.setFixedHeight(4)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.play_button = self._button("▶", self.tr("Play"), self.playRequested.emit)
        self.options_button = self._button("⚙", self.tr("Video options"), None)
        self.options_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.remove_button = self._button("\u00d7", self.tr("Remove"), self.removeRequested.emit)
        self._build_options_menu()

        text = QVBoxLayout()
        text.setSpacing(1)
        text.addWidget(self.name)
        text.addWidget(self.detail)
        text.addWidget(self.progress)
        text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 4, 6)
        layout.setSpacing(6)
        layout.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(0)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.options_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.state = state
        self.set_state(state)

    def _button(self, glyph: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setText(glyph)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        if callable(slot):
            button.clicked.connect(slot)
        return button

    def _build_options_menu(self) -> None:
        menu = QMenu(self)
        self._fps_actions = QActionGroup(self)
        for fps in FPS_CHOICES:
            action = QAction(self.tr("{fps} frames per second").format(fps=f"{fps:g}"), self)
            action.setCheckable(True)
            action.setData(fps)
            self._fps_actions.addAction(action)
            menu.addAction(action)
        menu.addSeparator()
        self._resolution_actions = QActionGroup(self)
        for resolution, label in zip(
            RESOLUTIONS, (self.tr("Default resolution"), self.tr("Maximum resolution")), strict=True
        ):
            action = QAction(label, self)
            action.setCheckable(True)
            action.setData(resolution)
            self._resolution_actions.addAction(action)
            menu.addAction(action)
        self._fps_actions.triggered.connect(self._options_chosen)
        self._resolution_actions.triggered.connect(self._options_chosen)
        self.options_button.setMenu(menu)

    def _options_chosen(self) -> None:
        fps_action = self._fps_actions.checkedAction()
        resolution_action = self._resolution_actions.checkedAction()
        fps = float(fps_action.data()) if fps_action else self.state.fps
        resolution = str(resolution_action.data()) if resolution_action else self.state.resolution
        self.videoOptionsChanged.emit(fps, resolution)

    def set_state(self, state: ChipState) -> None:
        self.state = state
        metrics = self.name.fontMetrics()
        self.name.setText(metrics.elidedText(state.name, Qt.TextElideMode.ElideMiddle, 140))
        self.name.setToolTip(state.name)
        self.setProperty("invalid", bool(state.error))
        self.detail.setText(state.error or state.detail)
        self.detail.setProperty("error", bool(state.error))
        for widget in (self, self.detail):
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        self.play_button.setVisible(state.kind == "audio" and not state.error)
        self.options_button.setVisible(state.kind == "video" and not state.error)
        for action in self._fps_actions.actions():
            action.setChecked(float(action.data()) == state.fps)
        for action in self._resolution_actions.actions():
            action.setChecked(action.data() == state.resolution)
        if self.thumbnail.pixmap().isNull():
            self.thumbnail.setText(_GLYPHS.get(state.kind, "?") if not state.error else "!")

    def set_thumbnail(self, image: QImage) -> None:
        if image.isNull():
            return
        pixmap = QPixmap.fromImage(image).scaled(
            THUMBNAIL_PX,
            THUMBNAIL_PX,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self.thumbnail.setPixmap(pixmap)

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("■" if playing else "▶")
        tip = self.tr("Stop") if playing else self.tr("Play")
        self.play_button.setToolTip(tip)
        self.play_button.setAccessibleName(tip)

    def set_progress(self, done: int, total: int) -> None:
        """Show encoding progress; hidden again once ``done`` reaches ``total``."""
        self.progress.setVisible(0 <= done < total)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)


class AttachmentPane(QScrollArea):
    """A row of chips; hidden while empty. Chips are addressed by the controller's keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentPane")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        inner = QWidget(self)
        inner.setObjectName("attachmentRow")
        self._row = QHBoxLayout(inner)
        self._row.setContentsMargins(12, 6, 12, 0)
        self._row.setSpacing(8)
        self._row.addStretch(1)
        self.setWidget(inner)
        self.chips: dict[int, AttachmentChip] = {}
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts in the current language."""
        self.setAccessibleName(self.tr("Attachments"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def add_chip(self, key: int, state: ChipState) -> AttachmentChip:
        chip = AttachmentChip(state, self.widget())
        self.chips[key] = chip
        self._row.insertWidget(self._row.count() - 1, chip)
        self._fit()
        return chip

    def remove_chip(self, key: int) -> None:
        chip = self.chips.pop(key, None)
        if chip is not None:
            self._row.removeWidget(chip)
            chip.deleteLater()
        self._fit()

    def _fit(self) -> None:
        self.setVisible(bool(self.chips))
        if self.chips:
            chip_height = max(chip.sizeHint().height() for chip in self.chips.values())
            bar = self.horizontalScrollBar().sizeHint().height()
            self.setFixedHeight(chip_height + 6 + bar)


class OfferBar(QFrame):
    """A one-line offer above the composer, e.g. to switch to the model that can read a file.

    Signals:
        accepted(): the offer's button was clicked (the bar hides itself).
    """

    accepted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offerBar")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.button = QToolButton(self)
        self.button.setObjectName("offerButton")
        self.close_button = QToolButton(self)
        self.close_button.setObjectName("offerDismissButton")
        self.close_button.setText("\u00d7")
        self.close_button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        layout.addWidget(self.close_button)
        self.button.clicked.connect(self._accept)
        self.close_button.clicked.connect(self.hide)
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts in the current language (the offer's own come with it)."""
        self.close_button.setToolTip(self.tr("Dismiss"))
        self.close_button.setAccessibleName(self.tr("Dismiss"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def offer(self, text: str, button: str) -> None:
        self.label.setText(text)
        self.button.setText(button)
        self.button.setAccessibleName(button)
        self.show()

    def _accept(self) -> None:
        self.hide()
        self.accepted.emit()
