"""The conversation on screen: a scrolling column of bubbles that follows a streaming reply.

While a reply streams, the view stays at the bottom only if the user was there; a user
who scrolled up to read is left alone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from app.ui.message_widgets import AssistantBubble, ErrorCard, UserBubble


class ChatView(QScrollArea):
    """A vertical list of message widgets.

    Signals:
        retryRequested(): the Retry button of the last error was clicked.
    """

    retryRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatView")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._content = QWidget(self)
        self._content.setObjectName("chatContent")
        self._layout = QVBoxLayout(self._content)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(10)
        self.placeholder = QLabel(
            self.tr("Ask MiMo anything.\nEnter sends, Shift+Enter starts a new line."),
            self._content,
        )
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self.placeholder, 1)
        self._layout.addStretch(0)
        self.setWidget(self._content)
        self._stick_to_bottom = True
        self.current_reply: AssistantBubble | None = None
        self.last_error: ErrorCard | None = None
        self._retry_seconds = 0
        self._retry_reason = ""
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick_countdown)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._remember_position)
        bar.rangeChanged.connect(self._follow)

    # -- building the conversation ------------------------------------------------

    def clear(self) -> None:
        while self._layout.count() > 2:
            item = self._layout.takeAt(1)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.placeholder.show()
        self.current_reply = None
        self.last_error = None
        self._stick_to_bottom = True

    def add_user_message(self, text: str) -> UserBubble:
        bubble = UserBubble(text, self._content)
        self._add(bubble)
        self._stick_to_bottom = True
        return bubble

    def begin_reply(self, model_label: str) -> AssistantBubble:
        self._retire_error()
        bubble = AssistantBubble(model_label, self._content)
        bubble.set_status(self.tr("Waiting for the reply…"))
        self._add(bubble)
        self.current_reply = bubble
        return bubble

    def append_reply(self, reasoning: str, text: str) -> None:
        if self.current_reply is not None:
            self._countdown.stop()
            self.current_reply.append(reasoning, text)

    def show_retrying(self, seconds: float, attempt: int, reason: str) -> None:
        """Show "retrying in N s" on the waiting reply, counting down each second."""
        self._retry_seconds = max(1, round(seconds))
        self._retry_reason = reason
        self._countdown.start()
        self._show_countdown()

    def finish_reply(self, status: str) -> None:
        self._countdown.stop()
        if self.current_reply is not None:
            self.current_reply.finish(status)
        self.current_reply = None

    def show_error(self, message: str, retryable: bool) -> ErrorCard:
        card = ErrorCard(message, retryable=retryable, parent=self._content)
        card.retryClicked.connect(self.retryRequested)
        self._add(card)
        self.last_error = card
        return card

    # -- internals -----------------------------------------------------------------

    def _add(self, widget: QWidget) -> None:
        self.placeholder.hide()
        self._layout.insertWidget(self._layout.count() - 1, widget)

    def _retire_error(self) -> None:
        if self.last_error is not None:
            self.last_error.retry_button.hide()
        self.last_error = None

    def _tick_countdown(self) -> None:
        self._retry_seconds = max(0, self._retry_seconds - 1)
        self._show_countdown()
        if self._retry_seconds == 0:
            self._countdown.stop()

    def _show_countdown(self) -> None:
        if self.current_reply is None:
            return
        if self._retry_seconds:
            text = self.tr("{reason}: retrying in {seconds} s…").format(
                reason=self._retry_reason, seconds=self._retry_seconds
            )
        else:
            text = self.tr("{reason}: retrying now…").format(reason=self._retry_reason)
        self.current_reply.set_status(text)

    def _remember_position(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - 4

    def _follow(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self.verticalScrollBar().setValue(maximum)
