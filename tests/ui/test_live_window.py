"""A long live chat keeps only its last bubbles; the earlier ones come back on demand."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.ui import chat_view
from tests.ui.conftest import RunningApp

LIMIT, KEEP = 6, 4


@pytest.fixture(autouse=True)
def small_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat_view, "LIVE_LIMIT", LIMIT)
    monkeypatch.setattr(chat_view, "LIVE_KEEP", KEEP)


def chat(app: RunningApp, rounds: int) -> None:
    for n in range(rounds):
        app.send(f"question {n}")
        app.wait_idle()


def test_old_bubbles_leave_the_view_and_positions_stay_right(app: RunningApp) -> None:
    view = app.window.chat_view

    chat(app, 4)  # 8 messages: the 4th question went past the limit of 6 bubbles

    assert len(view.bubbles) <= LIMIT
    assert view.offset == 8 - len(view.bubbles)
    assert view.earlier_button.isVisible()
    assert f"({view.offset})" in view.earlier_button.text()
    assert view.bubbles[-1].text == "Echo: question 3"
    messages = app.parts.chat.conversation.messages
    for position in range(view.offset, len(messages)):
        bubble = view.bubble_at(position)
        assert bubble is not None and bubble.text == messages[position].content


def test_show_earlier_brings_the_dropped_messages_back(app: RunningApp) -> None:
    view = app.window.chat_view
    chat(app, 4)
    assert view.offset > 0

    app.qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)

    messages = app.parts.chat.conversation.messages
    assert view.offset == 0 and not view.earlier_button.isVisible()
    assert [bubble.text for bubble in view.bubbles] == [m.content for m in messages]


def test_regenerating_a_reply_after_trimming_uses_the_right_message(app: RunningApp) -> None:
    view = app.window.chat_view
    chat(app, 4)
    last = view.bubbles[-1]

    app.qtbot.mouseClick(last.regenerate_button, Qt.MouseButton.LeftButton)  # type: ignore[union-attr]
    app.wait_idle()

    replies = [r for r in app.replies() if not r.isHidden()]
    assert replies[-1].text == "Echo: question 3"
    assert replies[-1].branch.label.text() == "2 / 2"
