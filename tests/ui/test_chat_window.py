"""End to end: the real window, the real client, the simulator on 127.0.0.1."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from app.core.conversation import Status
from tests.sim import Plan
from tests.ui.conftest import RunningApp

MARKDOWN_REPLY = (
    "# Plan\n\nSome **bold** text and `inline code`.\n\n"
    "- first item\n- second item\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "```python\nprint('hello')\n```\n"
)


def test_reply_streams_in_and_renders_markdown(app: RunningApp) -> None:
    app.sim.default_plan = Plan(content=MARKDOWN_REPLY)

    app.send("Write a plan")
    app.wait_idle()

    assert [b.body.text() for b in app.user_bubbles()] == ["Write a plan"]
    (reply,) = app.replies()
    assert reply.text == MARKDOWN_REPLY
    shown = reply.body.toPlainText()
    assert "Plan" in shown and "# Plan" not in shown
    assert "bold" in shown and "**" not in shown
    assert "first item" in shown and "```" not in shown
    document = reply.body.document()
    code = document.find("print('hello')")
    assert not code.isNull()
    assert code.charFormat().fontFixedPitch() or code.block().blockFormat().nonBreakableLines()
    cursor = QTextCursor(document.find("first item"))
    assert cursor.currentList() is not None
    assert cursor.block().textList() is not None
    (chat_request,) = app.chat_requests()
    assert chat_request["messages"][-1] == {"role": "user", "content": "Write a plan"}
    assert chat_request["stream"] is True
    assert app.parts.chat.conversation.messages[-1].status is Status.COMPLETE


def test_reply_text_appears_before_the_stream_ends(app: RunningApp) -> None:
    app.sim.default_plan = Plan(content="one two three four five six seven eight", pause_after=4)

    app.send("count")
    app.qtbot.waitUntil(lambda: bool(app.replies()) and "two" in app.replies()[0].text)

    assert app.parts.chat.busy
    assert app.window.composer.button.text() == "Stop"
    app.sim.release()
    app.wait_idle()
    assert app.replies()[0].text == "one two three four five six seven eight"
    assert app.window.composer.button.text() == "Send"


def test_escape_stops_the_reply_and_keeps_what_arrived(app: RunningApp) -> None:
    app.sim.default_plan = Plan(content="alpha beta gamma delta epsilon zeta", pause_after=4)
    app.send("greek letters")
    app.qtbot.waitUntil(lambda: bool(app.replies()) and "beta" in app.replies()[0].text)

    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Escape)
    app.wait_idle()

    (reply,) = app.replies()
    assert reply.text == "alpha beta gamma"
    assert "Stopped" in reply.status.text() and reply.status.isVisible()
    stored = app.parts.chat.conversation.messages[-1]
    assert (stored.status, stored.content) == (Status.CANCELLED, "alpha beta gamma")
    assert not app.error_cards()


def test_rate_limit_shows_the_retry_countdown_then_the_reply(app: RunningApp) -> None:
    app.sim.enqueue(Plan(status=429, retry_after="3"), Plan(content="Finally through."))

    app.send("hello")
    (reply,) = app.replies()
    app.qtbot.waitUntil(lambda: "retrying in 3 s" in reply.status.text())

    assert reply.status.isVisible() and "Rate limited" in reply.status.text()
    assert app.sleep.delays == [3.0]
    app.sleep.release()
    app.wait_idle()
    assert reply.text == "Finally through."
    assert not reply.status.isVisible()
    assert not app.error_cards()


def test_dropped_connection_shows_an_error_whose_retry_works(app: RunningApp) -> None:
    app.sim.enqueue(Plan(content="partial answer that will be cut off", drop_after=3))
    app.sim.default_plan = Plan(content="The whole answer.")

    app.send("tell me")
    app.qtbot.waitUntil(lambda: bool(app.error_cards()))
    app.wait_idle()

    first = app.replies()[0]
    assert first.text == "partial answer"
    assert app.parts.chat.conversation.messages[1].status is Status.FAILED
    (card,) = app.error_cards()
    assert "connection" in card.label.text().lower()
    assert "Traceback" not in card.label.text()
    app.qtbot.mouseClick(card.retry_button, Qt.MouseButton.LeftButton)
    app.wait_idle()

    # The retried reply replaces the cut-off one on screen; that one stays a version.
    app.qtbot.waitUntil(lambda: [r.text for r in app.replies()] == ["The whole answer."])
    assert not app.error_cards()
    (reply,) = app.replies()
    assert reply.branch.label.text() == "2 / 2"
    assert app.chat_requests()[-1]["messages"] == [{"role": "user", "content": "tell me"}]


def test_reasoning_is_shown_apart_and_folds(app: RunningApp) -> None:
    app.window.model_picker.select("mimo-v2-pro")
    app.sim.default_plan = Plan(reasoning="First I think hard.", content="The answer is 42.")

    app.send("question")
    app.wait_idle()

    (reply,) = app.replies()
    assert reply.reasoning_text == "First I think hard."
    assert reply.text == "The answer is 42."
    assert "think" not in reply.body.toPlainText()
    assert not reply.reasoning.isVisible()  # folded once the answer began
    app.qtbot.mouseClick(reply.reasoning_toggle, Qt.MouseButton.LeftButton)
    assert reply.reasoning.isVisible()
    body = app.chat_requests()[-1]
    assert body["model"] == "mimo-v2-pro" and body["thinking"] == {"type": "enabled"}


def test_answer_given_only_as_reasoning_is_shown_as_the_answer(app: RunningApp) -> None:
    app.window.model_picker.select("mimo-v2-pro")
    app.sim.default_plan = Plan(reasoning="Only here.", content="")

    app.send("question")
    app.wait_idle()

    (reply,) = app.replies()
    assert reply.body.toPlainText() == "Only here."


def test_usage_of_the_last_reply_is_in_the_status_bar(app: RunningApp) -> None:
    app.sim.default_plan = Plan(
        content="ok",
        usage={
            "prompt_tokens": 1200,
            "completion_tokens": 30,
            "total_tokens": 1230,
            "prompt_tokens_details": {"cached_tokens": 1000},
            "completion_tokens_details": {"reasoning_tokens": 10},
        },
    )
    app.send("hi")
    app.wait_idle()

    app.qtbot.waitUntil(lambda: bool(app.window.usage_label.text()))  # read from the store
    text = app.window.usage_label.text()
    assert "1,200 in (1,000 cached)" in text
    assert "30 out (10 reasoning)" in text
    assert "$" in text


def test_shift_enter_adds_a_line_and_enter_sends_both_lines(app: RunningApp) -> None:
    edit = app.window.composer.edit
    edit.setFocus()
    app.qtbot.keyClicks(edit, "line one")
    app.qtbot.keyClick(edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    app.qtbot.keyClicks(edit, "line two")
    assert app.chat_requests() == []
    app.qtbot.keyClick(edit, Qt.Key.Key_Return)
    app.wait_idle()

    assert app.chat_requests()[-1]["messages"][-1]["content"] == "line one\nline two"
    assert edit.toPlainText() == ""


def test_model_list_comes_from_the_server(app: RunningApp) -> None:
    combo = app.window.model_picker.combo
    app.qtbot.waitUntil(lambda: any(r.path.endswith("/models") for r in app.sim.requests))
    app.qtbot.waitUntil(lambda: combo.count() == 4)
    ids = [combo.itemData(i) for i in range(combo.count())]
    assert ids == ["mimo-v2-pro", "mimo-v2-flash", "mimo-v2-omni", "mimo-v2-tts"]
    app.window.model_picker.select("mimo-v2-omni")
    assert "Image" in app.window.model_picker.capabilities.text()
    assert "256K" in app.window.model_picker.capabilities.text()


def test_new_chat_clears_the_view_and_the_history(app: RunningApp) -> None:
    app.send("first")
    app.wait_idle()
    app.window.new_chat_action.trigger()
    app.send("second")
    app.wait_idle()

    assert [b.body.text() for b in app.user_bubbles() if not b.isHidden()][-1] == "second"
    assert app.chat_requests()[-1]["messages"] == [{"role": "user", "content": "second"}]


def test_a_reply_streamed_while_the_window_is_hidden_loses_its_waiting_note(
    app: RunningApp,
) -> None:
    app.window.hide()
    app.sim.default_plan = Plan(content="Done while hidden.")
    app.parts.chat.send("hi")
    app.wait_idle()
    app.window.show()
    reply = app.replies()[-1]
    assert reply.text == "Done while hidden."
    assert reply.status.isHidden()
