"""A live chat keeps a bounded number of bubbles, also through a long run of replies
without questions (tool calls), but never drops what a reader scrolled up to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.core.conversation import Message
from app.ui import chat_view
from app.ui.chat_view import ChatView

LIMIT, KEEP = 6, 4
TEXT = "A reply long enough to need a few lines of the view. " * 8


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat_view, "LIVE_LIMIT", LIMIT)
    monkeypatch.setattr(chat_view, "LIVE_KEEP", KEEP)


@pytest.fixture
def view(qtbot: QtBot) -> Iterator[ChatView]:
    shown = ChatView()
    qtbot.addWidget(shown)
    shown.resize(600, 400)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown


def reply(view: ChatView, text: str) -> None:
    view.begin_reply("MiMo")
    view.append_reply("", text)
    view.finish_reply("complete")


def test_replies_without_questions_are_capped_too(view: ChatView) -> None:
    view.add_user_message(Message("user", "run the tools"))
    for n in range(10):
        reply(view, f"step {n}")

    assert len(view.bubbles) <= LIMIT
    assert view.offset == 11 - len(view.bubbles)
    assert view.bubbles[-1].text == "step 9"
    assert view.earlier_button.isVisible()


def test_nothing_is_dropped_while_the_reader_is_up_the_page(qtbot: QtBot, view: ChatView) -> None:
    view.add_user_message(Message("user", "run the tools"))
    for n in range(LIMIT - 1):
        reply(view, f"step {n}. {TEXT}")
    bar = view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    bar.setValue(0)  # the reader went back to the question

    for n in range(LIMIT - 1, LIMIT + 3):
        reply(view, f"step {n}. {TEXT}")

    assert view.offset == 0
    assert view.bubbles[0].text == "run the tools"
    assert len(view.bubbles) == 1 + LIMIT + 3  # the question and every reply
