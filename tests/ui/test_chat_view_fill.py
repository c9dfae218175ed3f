"""Opening a conversation builds the bubbles of the first screen at once, the rest of the
window after the view has painted; nothing moves, nothing is lost, nothing comes twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.core.catalogue import PriceTable
from app.core.conversation import Conversation, Message, Status
from app.ui.chat_view import ChatView
from app.ui.conversation_display import PAGE, WINDOW, show_conversation, show_earlier
from app.ui.message_widgets import ErrorCard

PARAGRAPH = "A reply long enough to wrap over a few lines of the view. " * 6


def conversation(count: int, *, last: Status = Status.COMPLETE) -> Conversation:
    """``count`` alternating messages, each text naming its position."""
    messages = []
    for position in range(count):
        role = "user" if position % 2 == 0 else "assistant"
        text = f"question {position}" if role == "user" else f"answer {position}. {PARAGRAPH}"
        messages.append(Message(role, text, id=f"m{position}", parent_id=f"m{position - 1}"))
    messages[0].parent_id = None
    messages[-1].status = last
    return Conversation(messages=messages, id="c1")


def texts(view: ChatView) -> list[str]:
    return [bubble.text for bubble in view.bubbles]


def contents(conv: Conversation, start: int = 0) -> list[str]:
    return [message.content for message in conv.messages[start:]]


class FirstPaint(QObject):
    """How many bubbles the view had when it first painted anything."""

    def __init__(self, view: ChatView) -> None:
        super().__init__(view)
        self.view = view
        self.bubbles: int | None = None
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Paint
            and self.bubbles is None
            and isinstance(watched, QWidget)
            and self.view.isAncestorOf(watched)
        ):
            self.bubbles = len(self.view.bubbles)
            QApplication.instance().removeEventFilter(self)
        return False


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[ChatView]:
    shown = ChatView()
    qtbot.addWidget(shown)
    shown.resize(700, 500)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown


def at_the_bottom(view: ChatView) -> bool:
    bar = view.verticalScrollBar()
    return 0 < bar.maximum() == bar.value()


def test_the_first_paint_has_the_first_screen_and_the_rest_comes_after(
    qtbot: QtBot, view: ChatView
) -> None:
    conv = conversation(100)
    painted = FirstPaint(view)

    show_conversation(view, conv, PriceTable())

    first = len(view.bubbles)
    assert 0 < first < WINDOW
    assert texts(view) == contents(conv, 100 - first)  # the last messages, in order
    assert view.building
    qtbot.waitUntil(lambda: not view.building)
    assert painted.bubbles == first
    assert texts(view) == contents(conv, 100 - WINDOW)
    assert view.offset == 100 - WINDOW
    assert f"({100 - WINDOW})" in view.earlier_button.text()
    qtbot.waitUntil(lambda: at_the_bottom(view))


def test_the_bottom_of_the_view_does_not_move_while_the_rest_is_built(
    qtbot: QtBot, view: ChatView
) -> None:
    conv = conversation(100)

    show_conversation(view, conv, PriceTable())
    first_screen = view.viewport().grab().toImage()

    qtbot.waitUntil(lambda: not view.building)
    qtbot.waitUntil(lambda: at_the_bottom(view))
    assert len(view.bubbles) == WINDOW
    assert view.viewport().grab().toImage() == first_screen


def test_a_message_sent_while_the_rest_is_built_comes_after_all_of_it(view: ChatView) -> None:
    conv = conversation(30)
    show_conversation(view, conv, PriceTable())
    assert view.building

    view.add_user_message(Message("user", "a new question"))

    assert not view.building
    assert view.offset == 0
    assert texts(view) == [*contents(conv), "a new question"]


def test_show_earlier_while_the_rest_is_built_adds_the_page_above_the_window(
    view: ChatView,
) -> None:
    conv = conversation(100)
    show_conversation(view, conv, PriceTable())

    show_earlier(view, conv, PriceTable())

    start = 100 - WINDOW - PAGE
    assert view.offset == start
    assert texts(view) == contents(conv, start)


def test_a_search_hit_is_built_at_once_and_the_messages_after_it_follow(
    qtbot: QtBot, view: ChatView
) -> None:
    conv = conversation(100)

    show_conversation(view, conv, PriceTable(), focus=10)
    view.scroll_to_message(10)

    target = view.bubble_at(10)
    assert target is not None and target.text == conv.messages[10].content
    assert view.building
    qtbot.waitUntil(lambda: not view.building)
    assert view.offset == 8
    assert texts(view) == contents(conv, 8)
    qtbot.waitUntil(lambda: not target.visibleRegion().isEmpty())
    assert view.bubbles[-1].visibleRegion().isEmpty()


def test_a_failed_last_reply_offers_retry_below_it_once_everything_is_built(
    qtbot: QtBot, view: ChatView
) -> None:
    conv = conversation(100, last=Status.FAILED)

    show_conversation(view, conv, PriceTable(), focus=10)
    assert view.last_error is None  # its reply is not built yet
    qtbot.waitUntil(lambda: not view.building)

    cards = view.content.findChildren(ErrorCard)
    assert len(cards) == 1 and cards[0] is view.last_error
    layout = view.content.layout()
    assert layout.indexOf(cards[0]) == layout.indexOf(view.bubbles[-1]) + 1
    qtbot.waitUntil(cards[0].retry_button.isVisible)


def test_opening_another_conversation_drops_what_was_left_to_build(view: ChatView) -> None:
    show_conversation(view, conversation(100), PriceTable())
    other = conversation(4)

    show_conversation(view, other, PriceTable())
    view.viewport().repaint()
    QApplication.processEvents()

    assert not view.building
    assert texts(view) == contents(other)


def test_clearing_drops_what_was_left_to_build(view: ChatView) -> None:
    show_conversation(view, conversation(100), PriceTable())

    view.clear()
    view.viewport().repaint()
    QApplication.processEvents()

    assert not view.building
    assert view.bubbles == []


def test_a_hidden_view_builds_the_rest_too(qtbot: QtBot) -> None:
    hidden = ChatView()
    qtbot.addWidget(hidden)
    conv = conversation(100)

    show_conversation(hidden, conv, PriceTable())

    qtbot.waitUntil(lambda: not hidden.building)
    assert texts(hidden) == contents(conv, 100 - WINDOW)
