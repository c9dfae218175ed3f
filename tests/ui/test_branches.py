"""Editing a question or regenerating a reply makes a new version; arrows move between them."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.history import DATABASE_NAME
from app.core.store import Store
from tests.sim import Plan
from tests.ui.conftest import RunningApp


def texts(app: RunningApp) -> list[str]:
    """What the conversation shows, top to bottom: questions and replies."""
    return [bubble.text for bubble in app.window.chat_view.bubbles]


def click(app: RunningApp, button: object) -> None:
    app.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def saved_tree(app: RunningApp) -> list[tuple[str, str]]:
    """(role, content) of every saved message, oldest first, through a second connection."""
    with Store.open(app.data_dir / "data" / DATABASE_NAME) as store:
        (row,) = store.list_conversations()
        siblings = store.sibling_map(row.id)
        ids = [msg_id for children in siblings.values() for msg_id in children]
        messages = [store.get_message(msg_id) for msg_id in ids]
    return sorted(
        ((m.role, m.content) for m in messages if m is not None), key=lambda pair: pair[1]
    )


def test_regenerate_keeps_the_old_reply_as_a_version(app: RunningApp) -> None:
    app.sim.enqueue(Plan(content="First answer."), Plan(content="Second answer."))
    app.send("Question?")
    app.wait_idle()
    click(app, app.replies()[0].regenerate_button)
    app.wait_idle()

    app.qtbot.waitUntil(lambda: texts(app) == ["Question?", "Second answer."])
    reply = app.window.chat_view.bubbles[1]
    assert reply.branch.isVisible() and reply.branch.label.text() == "2 / 2"
    # The regenerated request sends the path up to the question, not the old reply.
    assert app.chat_requests()[-1]["messages"] == [{"role": "user", "content": "Question?"}]

    click(app, reply.branch.previous)
    app.qtbot.waitUntil(lambda: texts(app) == ["Question?", "First answer."])
    older = app.window.chat_view.bubbles[1]
    assert older.branch.label.text() == "1 / 2"
    assert not older.branch.previous.isEnabled()

    click(app, older.branch.next)
    app.qtbot.waitUntil(lambda: texts(app) == ["Question?", "Second answer."])
    assert ("assistant", "First answer.") in saved_tree(app)


def test_editing_a_question_branches_and_sends_only_the_new_path(app: RunningApp) -> None:
    app.send("one")
    app.wait_idle()
    app.send("two")
    app.wait_idle()
    assert texts(app) == ["one", "Echo: one", "two", "Echo: two"]

    first = app.user_bubbles()[0]
    click(app, first.edit_button)
    assert first.editing
    first.editor.selectAll()
    app.qtbot.keyClicks(first.editor, "uno")
    click(app, first.save_button)
    app.wait_idle()

    app.qtbot.waitUntil(lambda: texts(app) == ["uno", "Echo: uno"])
    assert app.chat_requests()[-1]["messages"] == [{"role": "user", "content": "uno"}]
    question = app.window.chat_view.bubbles[0]
    assert question.branch.label.text() == "2 / 2"

    # The first version, with everything that followed it, is one click away.
    click(app, question.branch.previous)
    app.qtbot.waitUntil(lambda: texts(app) == ["one", "Echo: one", "two", "Echo: two"])
    assert app.window.chat_view.bubbles[0].branch.label.text() == "1 / 2"
    # Continuing there goes on from "Echo: two", on the old branch.
    app.send("three")
    app.wait_idle()
    assert [m["content"] for m in app.chat_requests()[-1]["messages"]] == [
        "one",
        "Echo: one",
        "two",
        "Echo: two",
        "three",
    ]
    assert len(saved_tree(app)) == 8


def test_cancelling_an_edit_changes_nothing(app: RunningApp) -> None:
    app.send("keep me")
    app.wait_idle()
    bubble = app.user_bubbles()[0]
    click(app, bubble.edit_button)
    app.qtbot.keyClicks(bubble.editor, "discarded")
    click(app, bubble.cancel_button)

    assert not bubble.editing
    assert texts(app) == ["keep me", "Echo: keep me"]
    assert len(app.chat_requests()) == 1


def test_versions_cannot_change_while_a_reply_streams(app: RunningApp) -> None:
    app.sim.enqueue(Plan(content="A."), Plan(content="B."))
    app.send("q")
    app.wait_idle()
    click(app, app.replies()[0].regenerate_button)
    app.wait_idle()
    app.sim.default_plan = Plan(hang=True)
    app.send("next")
    app.qtbot.waitUntil(lambda: len(app.chat_requests()) == 3)

    reply = app.window.chat_view.bubbles[1]
    assert reply.branch.label.text() == "2 / 2"
    assert not reply.branch.isEnabled()
    assert not app.user_bubbles()[0].edit_button.isEnabled()
    assert app.parts.chat.switch_branch(1, -1) is False
    app.parts.chat.stop()
    app.wait_idle()
    assert reply.branch.isEnabled()
