"""The history sidebar and search: open, rename, pin, delete with undo, find a message."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit
from pytestqt.qtbot import QtBot

from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.ui.event_loop import AppEventLoop
from app.ui.history_model import HEADER_ROLE, ID_ROLE
from tests.sim import Plan, Simulator
from tests.ui.conftest import RunningApp, start_app


def shown(app: RunningApp) -> list[str]:
    """The sidebar, top to bottom: headings as "# Today", conversations by title."""
    model = app.window.sidebar.model
    items = []
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        prefix = "# " if index.data(HEADER_ROLE) else ""
        items.append(prefix + str(index.data()))
    return items


def index_of(app: RunningApp, title: str) -> QModelIndex:
    model = app.window.sidebar.model
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if index.data() == title and not index.data(HEADER_ROLE):
            return index
    raise AssertionError(f"{title!r} is not in the sidebar: {shown(app)}")


def select(app: RunningApp, title: str) -> None:
    view = app.window.sidebar.list
    view.setFocus()
    view.setCurrentIndex(index_of(app, title))


def open_in_sidebar(app: RunningApp, title: str) -> None:
    view = app.window.sidebar.list
    rect = view.visualRect(index_of(app, title))
    app.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def texts(app: RunningApp) -> list[str]:
    return [bubble.text for bubble in app.window.chat_view.bubbles]


def stored(app: RunningApp) -> Store:
    return Store.open(app.data_dir / "data" / DATABASE_NAME)


def two_chats(app: RunningApp) -> None:
    app.send("Apples are red")
    app.wait_idle()
    app.window.new_chat_action.trigger()
    app.send("Bananas are yellow")
    app.wait_idle()
    app.qtbot.waitUntil(lambda: len(shown(app)) == 3)


def test_sent_chats_appear_newest_first_under_today(app: RunningApp) -> None:
    assert app.window.sidebar.empty_label.isVisible()
    two_chats(app)

    assert shown(app) == ["# Today", "Bananas are yellow", "Apples are red"]
    assert app.window.sidebar.list.isVisible()
    assert app.window.sidebar.list.currentIndex().data() == "Bananas are yellow"


def test_clicking_a_conversation_opens_it(app: RunningApp) -> None:
    two_chats(app)

    open_in_sidebar(app, "Apples are red")

    app.qtbot.waitUntil(lambda: texts(app) == ["Apples are red", "Echo: Apples are red"])
    app.send("More apples")
    app.wait_idle()
    sent = [m["content"] for m in app.chat_requests()[-1]["messages"]]
    assert sent == ["Apples are red", "Echo: Apples are red", "More apples"]
    # The conversation moved to the top: it is the most recently active now.
    app.qtbot.waitUntil(lambda: shown(app)[1] == "Apples are red")


def test_rename_in_place_with_f2(app: RunningApp) -> None:
    two_chats(app)
    select(app, "Apples are red")
    view = app.window.sidebar.list

    app.qtbot.keyClick(view, Qt.Key.Key_F2)
    assert view.state() == QAbstractItemView.State.EditingState
    (editor,) = view.viewport().findChildren(QLineEdit)
    assert editor.text() == "Apples are red"
    editor.selectAll()
    app.qtbot.keyClicks(editor, "Fruit notes")
    app.qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits in a queued call

    app.qtbot.waitUntil(lambda: "Fruit notes" in shown(app))

    def renamed_on_disk() -> bool:
        with stored(app) as store:
            return any(row.title == "Fruit notes" for row in store.list_conversations())

    app.qtbot.waitUntil(renamed_on_disk)


def test_pin_moves_a_conversation_to_the_top(app: RunningApp) -> None:
    two_chats(app)
    select(app, "Apples are red")

    app.window.sidebar.pin_action.trigger()

    app.qtbot.waitUntil(
        lambda: shown(app) == ["# Pinned", "Apples are red", "# Today", "Bananas are yellow"]
    )
    select(app, "Apples are red")
    app.window.sidebar.pin_action.trigger()
    app.qtbot.waitUntil(lambda: shown(app) == ["# Today", "Bananas are yellow", "Apples are red"])


def test_delete_then_undo_restores(app: RunningApp) -> None:
    two_chats(app)
    sidebar = app.window.sidebar
    select(app, "Bananas are yellow")  # the open one: the view is cleared

    app.qtbot.keyClick(sidebar.list, Qt.Key.Key_Delete)

    app.qtbot.waitUntil(lambda: shown(app) == ["# Today", "Apples are red"])
    assert texts(app) == []
    assert sidebar.undo_bar.isVisible()
    assert "Bananas are yellow" in sidebar.undo_label.text()
    with stored(app) as store:
        assert [row.title for row in store.list_conversations()] == ["Apples are red"]

    app.qtbot.mouseClick(sidebar.undo_button, Qt.MouseButton.LeftButton)

    app.qtbot.waitUntil(lambda: shown(app) == ["# Today", "Bananas are yellow", "Apples are red"])
    assert not sidebar.undo_bar.isVisible()
    open_in_sidebar(app, "Bananas are yellow")
    app.qtbot.waitUntil(lambda: texts(app) == ["Bananas are yellow", "Echo: Bananas are yellow"])


def test_a_deletion_not_undone_is_erased_at_the_next_start(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> None:
    session = start_app(qtbot, qloop, sim, tmp_path)
    app = next(session)
    two_chats(app)
    select(app, "Apples are red")
    app.window.sidebar.delete_action.trigger()
    app.qtbot.waitUntil(lambda: "Apples are red" not in shown(app))
    next(session, None)

    session = start_app(qtbot, qloop, sim, tmp_path)
    app = next(session)
    app.qtbot.waitUntil(lambda: shown(app) == ["# Today", "Bananas are yellow"])
    with stored(app) as store:
        assert store.search("Apples") == []
        assert len(store.list_conversations()) == 1
    next(session, None)


def test_search_opens_the_conversation_at_the_matching_message(app: RunningApp) -> None:
    app.sim.enqueue(Plan(content="Noted."))
    edit = app.window.composer.edit
    edit.setPlainText("Geography\nThe capital of France")
    app.qtbot.keyClick(edit, Qt.Key.Key_Return)
    app.wait_idle()
    for n in range(12):  # enough to push the first message out of view
        edit.setPlainText(f"filler question number {n}\n" + "line\n" * 8)
        app.qtbot.keyClick(edit, Qt.Key.Key_Return)
        app.wait_idle()
    app.window.new_chat_action.trigger()
    app.send("Something else entirely")
    app.wait_idle()

    app.window.search_action.trigger()
    dialog = app.window.search_dialog
    app.qtbot.waitUntil(dialog.isVisible)
    app.qtbot.keyClicks(dialog.field, "capit")
    app.qtbot.waitUntil(lambda: dialog.results.count() >= 1)
    assert "<b>capit</b>al" in dialog.results.item(0).text()  # substring match
    app.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)

    view = app.window.chat_view
    app.qtbot.waitUntil(lambda: bool(view.bubbles) and view.bubbles[0].text.startswith("Geog"))
    assert not dialog.isVisible()
    app.qtbot.waitUntil(lambda: len(view.bubbles) == 26)  # the rest is built after a paint
    target = view.bubbles[0]
    assert target.property("highlighted") is True
    bar = view.verticalScrollBar()
    app.qtbot.waitUntil(lambda: bar.maximum() > 0)  # the bubbles have grown to their text
    app.qtbot.waitUntil(lambda: not target.visibleRegion().isEmpty())
    assert view.bubbles[-1].visibleRegion().isEmpty()
    assert app.window.sidebar.list.currentIndex().data(ID_ROLE) == app.parts.chat.conversation.id


def test_search_finds_a_reply_on_an_older_branch_and_switches_to_it(app: RunningApp) -> None:
    app.sim.enqueue(Plan(content="Zebras have stripes."), Plan(content="Horses do not."))
    app.send("Tell me about animals")
    app.wait_idle()
    app.qtbot.mouseClick(app.replies()[0].regenerate_button, Qt.MouseButton.LeftButton)
    app.wait_idle()
    app.qtbot.waitUntil(lambda: texts(app)[-1] == "Horses do not.")

    app.window.search_action.trigger()
    dialog = app.window.search_dialog
    app.qtbot.keyClicks(dialog.field, "zebras")
    app.qtbot.waitUntil(lambda: dialog.results.count() == 1)
    app.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)

    app.qtbot.waitUntil(lambda: texts(app) == ["Tell me about animals", "Zebras have stripes."])
    assert app.window.chat_view.bubbles[1].branch.label.text() == "1 / 2"


def test_search_with_no_match_says_so(app: RunningApp) -> None:
    app.send("hello")
    app.wait_idle()
    app.window.search_action.trigger()
    dialog = app.window.search_dialog
    app.qtbot.keyClicks(dialog.field, "xylophone")
    app.qtbot.waitUntil(lambda: dialog.status.text() == "No matches.")
    assert dialog.results.count() == 0


def test_search_finds_a_two_character_chinese_word_and_opens_it(app: RunningApp) -> None:
    app.sim.enqueue(Plan(content="向量数据库用近似最近邻索引。"))
    app.send("什么是向量数据库")
    app.wait_idle()
    app.window.new_chat_action.trigger()
    app.send("天气怎么样")
    app.wait_idle()

    app.window.search_action.trigger()
    dialog = app.window.search_dialog
    dialog.field.insert("索引")  # as an input method commits it; QTest cannot type CJK
    app.qtbot.waitUntil(lambda: dialog.results.count() == 1)
    assert "<b>索引</b>" in dialog.results.item(0).text()
    app.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    expected = ["什么是向量数据库", "向量数据库用近似最近邻索引。"]
    app.qtbot.waitUntil(lambda: texts(app) == expected)
