"""The files a sent message carried, as a row of small tags under its text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from app.core.conversation import Attachment

GLYPHS = {"image": "▣", "audio": "♪", "video": "▶"}


def human_size(size: int) -> str:
    """``size`` bytes as people read it: ``"512 B"``, ``"12 KB"``, ``"3.4 MB"``."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    if size < 1_000_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{size / 1_000_000_000:.1f} GB"


class AttachmentStrip(QWidget):
    """One tag per attachment: a glyph for its kind, its name and size."""

    def __init__(self, attachments: Sequence[Attachment], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentStrip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.tags: list[QLabel] = []
        for attachment in attachments:
            tag = QLabel(
                f"{GLYPHS.get(attachment.kind, '•')} {attachment.name} · "
                f"{human_size(attachment.size)}",
                self,
            )
            tag.setObjectName("attachmentTag")
            tag.setToolTip(f"{attachment.name}\n{attachment.mime}")
            tag.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(tag)
            self.tags.append(tag)
        layout.addStretch(1)
        self.setVisible(bool(attachments))
