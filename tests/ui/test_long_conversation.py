"""A long conversation opens with its last messages; earlier ones come a page at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.ui.conversation_display import PAGE, WINDOW
from app.ui.event_loop import AppEventLoop
from tests.sim import Simulator
from tests.ui.conftest import RunningApp, start_app

MESSAGES = 150


def text_of(position: int) -> str:
    if position == 3:
        return "answer 1, about zebras"  # the one word only this message has
    return f"question {position // 2}" if position % 2 == 0 else f"answer {position // 2}"


@pytest.fixture
def long_app(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> Iterator[RunningApp]:
    """The app reopening a saved conversation of 150 messages."""
    with Store.open(tmp_path / "mimo" / "data" / DATABASE_NAME) as store:
        conv = store.create_conversation(title="Long chat", model="mimo-v2-flash")
        parent = None
        for position in range(MESSAGES):
            role = "user" if position % 2 == 0 else "assistant"
            parent = store.add_message(
                conv.id, parent_id=parent, role=role, content=text_of(position)
            ).id
    yield from start_app(qtbot, qloop, sim, tmp_path)


def shown_texts(app: RunningApp) -> list[str]:
    return [bubble.text for bubble in app.window.chat_view.bubbles]


def test_only_the_last_messages_are_built_at_first(long_app: RunningApp) -> None:
    view = long_app.window.chat_view
    long_app.qtbot.waitUntil(lambda: len(view.bubbles) == WINDOW)

    assert shown_texts(long_app) == [text_of(p) for p in range(MESSAGES - WINDOW, MESSAGES)]
    assert view.earlier_button.isVisible()
    assert f"({MESSAGES - WINDOW})" in view.earlier_button.text()


def test_show_earlier_adds_a_page_above_and_keeps_the_place(long_app: RunningApp) -> None:
    view = long_app.window.chat_view
    long_app.qtbot.waitUntil(lambda: len(view.bubbles) == WINDOW)
    bar = view.verticalScrollBar()
    long_app.qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum())
    bar.setValue(0)  # the reader scrolled to the top, where the button is
    first = view.bubbles[0]
    long_app.qtbot.waitUntil(lambda: not first.visibleRegion().isEmpty())

    long_app.qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)

    assert len(view.bubbles) == WINDOW + PAGE
    start = MESSAGES - WINDOW - PAGE
    assert shown_texts(long_app) == [text_of(p) for p in range(start, MESSAGES)]
    long_app.qtbot.waitUntil(lambda: bar.value() > 0)
    assert not first.visibleRegion().isEmpty()  # still on screen: the page went above it
    while view.earlier_button.isVisible():
        long_app.qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    assert shown_texts(long_app) == [text_of(p) for p in range(MESSAGES)]


def test_actions_on_an_earlier_page_use_the_right_message(long_app: RunningApp) -> None:
    view = long_app.window.chat_view
    long_app.qtbot.waitUntil(lambda: len(view.bubbles) == WINDOW)
    long_app.qtbot.mouseClick(view.earlier_button, Qt.MouseButton.LeftButton)
    position = MESSAGES - WINDOW - PAGE + 2  # a question on the page just added
    bubble = view.bubble_at(position)
    assert bubble is not None and bubble.text == text_of(position)

    long_app.qtbot.mouseClick(bubble.edit_button, Qt.MouseButton.LeftButton)
    bubble.editor.setPlainText("edited question")
    long_app.qtbot.mouseClick(bubble.save_button, Qt.MouseButton.LeftButton)
    long_app.wait_idle()

    sent = [m["content"] for m in long_app.chat_requests()[-1]["messages"]]
    assert sent == [text_of(p) for p in range(position)] + ["edited question"]
    assert shown_texts(long_app)[-2:] == ["edited question", "Echo: edited question"]
    assert view.bubble_at(position).branch.label.text() == "2 / 2"  # type: ignore[union-attr]


def test_search_opens_an_early_message_of_a_long_conversation(long_app: RunningApp) -> None:
    view = long_app.window.chat_view
    long_app.qtbot.waitUntil(lambda: len(view.bubbles) == WINDOW)
    long_app.window.new_chat_action.trigger()

    long_app.window.search_action.trigger()
    dialog = long_app.window.search_dialog
    long_app.qtbot.keyClicks(dialog.field, "zebras")
    long_app.qtbot.waitUntil(lambda: dialog.results.count() == 1)
    long_app.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)

    long_app.qtbot.waitUntil(lambda: bool(view.bubbles) and view.offset <= 3)
    target = view.bubble_at(3)
    assert target is not None and target.text == text_of(3)
    assert target.property("highlighted") is True
    assert view.earlier_button.isVisible() == (view.offset > 0)
