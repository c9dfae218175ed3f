"""The conversation on screen: a scrolling column of bubbles that follows a streaming reply.

While a reply streams, the view stays at the bottom only if the user was there; a user
who scrolled up to read is left alone.

The bubbles are kept in conversation order. A long conversation is shown from message
``offset`` on (the last few dozen), with a "Show earlier messages" button that adds a
page above: bubble ``i`` shows message ``offset + i`` of the controller's conversation,
and actions on a bubble are reported with that position.

An opened conversation paints its first screen of bubbles (laid out where they stay:
:meth:`ChatView.settle`); the rest of its window is built after that paint, in idle
slices (:meth:`ChatView.build_later`), and anything that changes the bubbles from
outside first finishes that building. A live chat keeps at most :data:`LIVE_LIMIT`
bubbles while the reader follows the bottom.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.conversation import Message

if TYPE_CHECKING:  # the bubbles (Markdown, code highlighting) load with the first one
    from app.ui.message_widgets import AssistantBubble, ErrorCard, UserBubble
    from app.ui.tool_card import ToolCallCard

HIGHLIGHT_MS = 2000
FIRST_ITEM = 2  # layout items before the first bubble: the placeholder, the earlier button
ANCHOR_MARGIN = 24
LIVE_LIMIT = 40  # bubbles kept while chatting; past it the oldest go, down to LIVE_KEEP
LIVE_KEEP = 20
FILL_SLICE_MS = 16  # GUI time of one idle slice (a frame) building the rest of a window
SETTLE_PASSES = 2  # a reply's height follows its width: one pass more
FILL_FALLBACK_MS = 250  # the slices start this late when no paint comes (a hidden view)

Bubble: TypeAlias = "UserBubble | AssistantBubble | ToolCallCard"
FillStep: TypeAlias = Callable[[], bool]


class AfterPaint(QObject):
    """Calls ``done`` once one of the widgets :meth:`arm` was given is painted (at the
    start of that paint: ``done`` should only schedule work)."""

    def __init__(self, done: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._done = done
        self._widgets: list[QWidget] = []

    def arm(self, widgets: list[QWidget]) -> None:
        self.disarm()
        self._widgets = list(widgets)
        for widget in self._widgets:
            widget.installEventFilter(self)

    def disarm(self) -> None:
        for widget in self._widgets:
            widget.removeEventFilter(self)
        self._widgets = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._widgets:
            self.disarm()
            self._done()
        return False


class ChatView(QScrollArea):
    """A vertical list of message widgets.

    Signals:
        retryRequested(): the Retry button of the last error was clicked.
        earlierRequested(): the user wants the messages above the first one shown.
        editRequested(int, str): the user edited message N and wants it sent as a new
            version.
        regenerateRequested(int): the user wants reply N asked again.
        branchRequested(int, int): the user moved message N to its previous (-1) or next
            (+1) version.
        readAloudRequested(object): the speaker button of this :class:`AssistantBubble`
            was clicked.
    """

    retryRequested = Signal()
    earlierRequested = Signal()
    editRequested = Signal(int, str)
    regenerateRequested = Signal(int)
    branchRequested = Signal(int, int)
    readAloudRequested = Signal(object)

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
        self.placeholder = QLabel(self._content)
        self.placeholder.setObjectName("placeholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._layout.addWidget(self.placeholder, 1)
        self.earlier_button = QPushButton(self._content)
        self.earlier_button.setObjectName("earlierButton")
        self.earlier_button.hide()
        self.earlier_button.clicked.connect(self.earlierRequested)
        self._layout.addWidget(self.earlier_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._layout.addStretch(0)
        self.setWidget(self._content)
        self._stick_to_bottom = True
        self.bubbles: list[Bubble] = []
        self.offset = 0  # the conversation position of bubbles[0]
        self._busy = False
        self._highlighted: Bubble | None = None
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(HIGHLIGHT_MS)
        self._highlight_timer.timeout.connect(lambda: self._set_highlight(None))
        self._anchor: Bubble | None = None
        self._anchor_offset = ANCHOR_MARGIN
        self.current_reply: AssistantBubble | None = None
        self.last_error: ErrorCard | None = None
        self._retry_seconds = 0
        self._retry_reason = ""
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick_countdown)
        self._filling: FillStep | None = None
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.timeout.connect(self._fill_slice)
        self._after_paint = AfterPaint(lambda: self._fill_timer.start(0), self)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._remember_position)
        bar.rangeChanged.connect(self._follow)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the static texts (again, after the language changed)."""
        self.setAccessibleName(self.tr("Conversation"))
        self.placeholder.setText(
            self.tr("Ask MiMo anything.\nEnter sends, Shift+Enter starts a new line.")
        )
        self.earlier_button.setText(self.tr("Show earlier messages ({0})").format(self.offset))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- building the conversation ------------------------------------------------

    def clear(self, offset: int = 0) -> None:
        """Remove every bubble (and drop what :meth:`build_later` left to build); the
        next one added shows message ``offset``."""
        self._stop_filling()
        self._remove_from(FIRST_ITEM)
        self.placeholder.show()
        self._stick_to_bottom = True
        self._anchor = None
        self.set_hidden_before(offset)

    def set_hidden_before(self, offset: int) -> None:
        """The first bubble shows message ``offset``; the button offers those before it."""
        self.offset = offset
        self.earlier_button.setText(self.tr("Show earlier messages ({0})").format(offset))
        self.earlier_button.setVisible(offset > 0)

    def truncate(self, position: int) -> None:
        """Remove bubble ``position`` and everything after it (error cards too)."""
        self.finish_building()
        index = position - self.offset
        if index <= 0:
            return self.clear(max(position, 0))
        if index >= len(self.bubbles):
            if not self.bubbles:
                return self.clear(self.offset)
            start = self._layout.indexOf(self.bubbles[-1]) + 1
        else:
            start = self._layout.indexOf(self.bubbles[index])
        self._remove_from(start)

    def _remove_from(self, start: int) -> None:
        """Delete the widgets from layout index ``start`` up to the trailing stretch."""
        while self._layout.count() > start + 1:
            item = self._layout.takeAt(start)
            found = item.widget() if item is not None else None
            if found is None:
                continue
            widget: QWidget = found
            self._forget(widget)
            widget.deleteLater()

    def _forget(self, widget: QWidget) -> None:
        """Drop every reference the view keeps to ``widget`` (about to be deleted)."""
        if widget in self.bubbles:
            self.bubbles.remove(widget)
        if widget is self.current_reply:
            self.current_reply = None
        if widget is self.last_error:
            self.last_error = None
        if widget is self._highlighted:
            self._highlighted = None
        if widget is self._anchor:
            self._anchor = None

    def add_user_message(self, message: Message) -> UserBubble:
        """Show the message just sent, at the bottom (where the view then stays)."""
        from app.ui.message_widgets import UserBubble

        self.finish_building()
        bubble = UserBubble(message.content, self._content, message.attachments)
        self.insert_bubble(bubble)
        self._stick_to_bottom = True
        self._anchor = None
        self._trim_live()
        return bubble

    def _trim_live(self) -> None:
        """Past :data:`LIVE_LIMIT` bubbles, drop the oldest down to :data:`LIVE_KEEP`;
        not while the reader is up the page (what they read stays)."""
        if self._stick_to_bottom and len(self.bubbles) > LIVE_LIMIT:
            self.drop_earliest(len(self.bubbles) - LIVE_KEEP)

    def drop_earliest(self, count: int) -> None:
        """Remove the first ``count`` bubbles (and error cards among them); "Show earlier
        messages" brings them back. Keeps a long chat's memory flat."""
        count = min(count, len(self.bubbles) - 1)
        if count <= 0:
            return
        end = self._layout.indexOf(self.bubbles[count])
        for _ in range(end - FIRST_ITEM):
            item = self._layout.takeAt(FIRST_ITEM)
            widget = item.widget() if item is not None else None
            if widget is not None:
                self._forget(widget)
                widget.deleteLater()
        self.set_hidden_before(self.offset + count)

    def begin_reply(self, model_label: str) -> AssistantBubble:
        self.finish_building()
        self._retire_error()
        from app.ui.message_widgets import AssistantBubble

        bubble = AssistantBubble(model_label, self._content)
        bubble.set_status(self.tr("Waiting for the reply…"))
        self.insert_bubble(bubble)
        self.current_reply = bubble
        self._trim_live()  # a long run of tool calls adds replies without questions
        return bubble

    @property
    def content(self) -> QWidget:
        """The widget the bubbles live in (their parent)."""
        return self._content

    def insert_bubble(self, bubble: Bubble, index: int | None = None) -> None:
        """Show ``bubble`` at bubble ``index`` (None: at the end) and report its actions."""
        from app.ui.message_widgets import AssistantBubble, UserBubble

        if isinstance(bubble, UserBubble):
            bubble.editSubmitted.connect(lambda text: self._bubble_edited(bubble, text))
        elif isinstance(bubble, AssistantBubble):
            bubble.regenerateRequested.connect(lambda: self._bubble_regenerate(bubble))
            bubble.readAloudRequested.connect(lambda: self.readAloudRequested.emit(bubble))
        bubble.branchStepped.connect(lambda step: self._bubble_stepped(bubble, step))
        bubble.set_actions_enabled(not self._busy)
        if index is None or index >= len(self.bubbles):
            self._add(bubble)
            self.bubbles.append(bubble)
        else:
            self.placeholder.hide()
            self._layout.insertWidget(self._layout.indexOf(self.bubbles[index]), bubble)
            self.bubbles.insert(index, bubble)

    def insert_above(self, bubble: Bubble) -> None:
        """Show ``bubble`` for the message before the first one shown; a reader who is
        not at the bottom keeps their place."""
        if not self._stick_to_bottom and self._anchor is None and self.bubbles:
            self.keep_in_view(self.bubbles[0])
        self.insert_bubble(bubble, 0)
        self.set_hidden_before(self.offset - 1)

    def build_later(self, step: FillStep) -> None:
        """Call ``step`` (it adds one bubble; False when none is left) in idle slices of
        about :data:`FILL_SLICE_MS`, from the view's next paint on.

        Whatever changes the bubbles from outside first finishes the building
        (:meth:`finish_building`); :meth:`clear` drops it.
        """
        self._stop_filling()
        self._filling = step
        if self.isVisible() and self.bubbles:
            self._after_paint.arm(list(self.bubbles))  # those on screen are painted first
            self._fill_timer.start(FILL_FALLBACK_MS)
        else:
            self._fill_timer.start(0)

    @property
    def building(self) -> bool:
        """Whether :meth:`build_later` still has bubbles to add."""
        return self._filling is not None

    def finish_building(self) -> None:
        """Add at once every bubble :meth:`build_later` still had to add."""
        step = self._filling
        self._stop_filling()
        while step is not None and step():
            pass

    def _stop_filling(self) -> None:
        self._filling = None
        self._fill_timer.stop()
        self._after_paint.disarm()

    def _fill_slice(self) -> None:
        step = self._filling
        if step is None:
            return
        self._stop_filling()  # a step that reaches finish_building() does not recurse
        deadline = time.perf_counter() + FILL_SLICE_MS / 1000
        more = step()
        while more and time.perf_counter() < deadline:
            more = step()
        self.settle()
        if more and self._filling is None:  # nobody started another meanwhile
            self._filling = step
            self._fill_timer.start(0)

    def settle(self) -> None:
        """Lay the bubbles out now, so the next paint shows them where they end up.

        Otherwise the first paint after adding bubbles can come between Qt's layout
        passes (a reply's height follows its width): a frame of overlapping bubbles.
        """
        for index in range(FIRST_ITEM, self._layout.count()):
            item = self._layout.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is not None and not widget.testAttribute(
                Qt.WidgetAttribute.WA_WState_ExplicitShowHide
            ):
                widget.show()  # bubbles and error cards: Qt would a little later (queued)
        for _ in range(SETTLE_PASSES):
            self._layout.activate()
            QApplication.sendEvent(self, QEvent(QEvent.Type.LayoutRequest))

    def keep_in_view(self, bubble: Bubble) -> None:
        """Hold ``bubble`` where it is on screen while bubbles above it are added."""
        self._stick_to_bottom = False
        self._anchor_offset = bubble.y() - self.verticalScrollBar().value()
        self._anchor = bubble
        self._highlight_timer.start()

    def bubble_at(self, position: int) -> Bubble | None:
        if self._filling is not None and not 0 <= position - self.offset < len(self.bubbles):
            self.finish_building()
        index = position - self.offset
        return self.bubbles[index] if 0 <= index < len(self.bubbles) else None

    def set_branch(self, position: int, index: int, count: int) -> None:
        """Show "index / count" on the bubble of message ``position`` (hidden when 1)."""
        if (bubble := self.bubble_at(position)) is not None:
            bubble.set_branch(index, count)

    def set_busy(self, busy: bool) -> None:
        """While a reply streams, editing, regenerating and switching versions are off."""
        self._busy = busy
        for bubble in self.bubbles:
            bubble.set_actions_enabled(not busy)

    def scroll_to_message(self, position: int) -> None:
        """Bring the bubble of message ``position`` into view and highlight it a moment."""
        bubble = self.bubble_at(position)
        if bubble is None:
            return
        self._stick_to_bottom = False
        # Bubbles just added are still growing to their text; until the highlight ends,
        # every change of the scroll range brings this one back to the top (_follow).
        self._anchor = bubble
        self._anchor_offset = ANCHOR_MARGIN
        self._show_anchor()
        self._set_highlight(bubble)
        self._highlight_timer.start()

    def _show_anchor(self) -> None:
        if self._anchor is not None:
            self.verticalScrollBar().setValue(self._anchor.y() - self._anchor_offset)

    def _set_highlight(self, bubble: Bubble | None) -> None:
        if bubble is None:
            self._anchor = None
        for widget, on in ((self._highlighted, False), (bubble, True)):
            if widget is not None:
                widget.setProperty("highlighted", on)
                widget.style().unpolish(widget)
                widget.style().polish(widget)
        self._highlighted = bubble

    def _position(self, bubble: Bubble) -> int | None:
        try:
            return self.offset + self.bubbles.index(bubble)
        except ValueError:
            return None

    def _bubble_edited(self, bubble: Bubble, text: str) -> None:
        if (position := self._position(bubble)) is not None:
            self.editRequested.emit(position, text)

    def _bubble_regenerate(self, bubble: Bubble) -> None:
        if (position := self._position(bubble)) is not None:
            self.regenerateRequested.emit(position)

    def _bubble_stepped(self, bubble: Bubble, step: int) -> None:
        if (position := self._position(bubble)) is not None:
            self.branchRequested.emit(position, step)

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

    def show_preparing(self, text: str) -> None:
        """Show the progress of encoding big attachments on the waiting reply."""
        if self.current_reply is not None:
            self.current_reply.set_status(text)

    def finish_reply(self, status: str, finish_reason: str = "") -> None:
        self._countdown.stop()
        if self.current_reply is not None:
            self.current_reply.finish(status, calls_tools=finish_reason == "tool_calls")
        self.current_reply = None

    def add_tool_call(self, card: ToolCallCard) -> None:
        """Show the card of a tool call the model just made (it stands for the result)."""
        self.finish_building()
        self.insert_bubble(card)
        self._trim_live()

    def tool_card(self, call_id: str) -> ToolCallCard | None:
        """The card of call ``call_id`` among the last bubbles, if it is shown."""
        from app.ui.tool_card import ToolCallCard

        for bubble in reversed(self.bubbles):
            if isinstance(bubble, ToolCallCard) and bubble.call.id == call_id:
                return bubble
        return None

    def show_error(self, message: str, retryable: bool) -> ErrorCard:
        from app.ui.message_widgets import ErrorCard

        self.finish_building()
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
        if self._anchor is not None:
            self._show_anchor()
        elif self._stick_to_bottom:
            self.verticalScrollBar().setValue(maximum)
