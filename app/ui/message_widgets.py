"""The pieces a conversation is made of on screen: user and assistant bubbles, error cards."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.markdown_view import MarkdownView


class UserBubble(QFrame):
    """A message the user sent."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userBubble")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        header = QLabel(self.tr("You"), self)
        header.setObjectName("bubbleHeader")
        self.body = MarkdownView(self)
        self.body.setPlainText(text)
        layout.addWidget(header)
        layout.addWidget(self.body)


class AssistantBubble(QFrame):
    """A reply: a collapsible reasoning section, the answer, and a status line."""

    def __init__(self, model_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assistantBubble")
        self._text: list[str] = []
        self._reasoning_chars = 0
        self._user_toggled = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.header = QLabel(model_label, self)
        self.header.setObjectName("bubbleHeader")
        self.reasoning_toggle = QToolButton(self)
        self.reasoning_toggle.setObjectName("reasoningToggle")
        self.reasoning_toggle.setCheckable(True)
        self.reasoning_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.reasoning_toggle.setArrowType(Qt.ArrowType.DownArrow)
        self.reasoning_toggle.setChecked(True)
        self.reasoning_toggle.setText(self.tr("Thinking…"))
        self.reasoning_toggle.setAccessibleName(self.tr("Show or hide the reasoning"))
        self.reasoning_toggle.hide()
        self.reasoning_toggle.clicked.connect(self._toggled_by_user)
        self.reasoning = MarkdownView(self)
        self.reasoning.setObjectName("reasoning")
        self.reasoning.hide()
        self.body = MarkdownView(self)
        self.body.setObjectName("answer")
        self.status = QLabel(self)
        self.status.setObjectName("replyStatus")
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.header)
        layout.addWidget(self.reasoning_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.reasoning)
        layout.addWidget(self.body)
        layout.addWidget(self.status)

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def reasoning_text(self) -> str:
        return self.reasoning.toPlainText()

    def append(self, reasoning: str, text: str) -> None:
        if reasoning:
            if not self._reasoning_chars:
                self.reasoning_toggle.show()
                self._set_reasoning_visible(True)
            self._reasoning_chars += len(reasoning)
            self.reasoning.append_plain(reasoning)
        if text:
            if not self._text and self._reasoning_chars and not self._user_toggled:
                self._set_reasoning_visible(False)  # the answer began: fold the thinking
            self._text.append(text)
            self.body.append_markdown(text)
        if self.status.isVisible() and (reasoning or text):
            self.status.hide()

    def set_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def finish(self, status: str) -> None:
        """Close the reply: label the reasoning, and mark a cancelled or failed reply."""
        self.body.finish_markdown()
        if self._reasoning_chars:
            self.reasoning_toggle.setText(self.tr("Reasoning"))
            if not self._text:
                # Some accounts answer only in reasoning_content: show it as the answer.
                self.body.set_markdown(self.reasoning_text)
                self._text.append(self.reasoning_text)
                self.reasoning_toggle.hide()
                self.reasoning.hide()
        if status == "cancelled":
            self.set_status(self.tr("Stopped. The text above is what arrived."))
        elif status == "failed":
            self.set_status("")
        elif not self._text:
            self.set_status(self.tr("The model returned an empty reply."))

    def _toggled_by_user(self, checked: bool) -> None:
        self._user_toggled = True
        self._set_reasoning_visible(checked)

    def _set_reasoning_visible(self, visible: bool) -> None:
        self.reasoning_toggle.setChecked(visible)
        self.reasoning_toggle.setArrowType(
            Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow
        )
        self.reasoning.setVisible(visible)


class ErrorCard(QFrame):
    """An error shown in the conversation, with a Retry button.

    Signals:
        retryClicked(): the user asked to send the request again.
    """

    retryClicked = Signal()

    def __init__(self, message: str, *, retryable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorCard")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.label = QLabel(message, self)
        self.label.setObjectName("errorText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton(self.tr("Retry"), self)
        self.retry_button.setObjectName("retryButton")
        self.retry_button.setVisible(retryable)
        self.retry_button.clicked.connect(self._retry)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)

    def _retry(self) -> None:
        self.retry_button.setEnabled(False)
        self.retryClicked.emit()
