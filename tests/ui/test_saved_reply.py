"""A reply read back from the history: rendered at once, reasoning folded until asked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.ui.message_widgets import AssistantBubble


def saved(qtbot: QtBot, reasoning: str, text: str, status: str = "complete") -> AssistantBubble:
    bubble = AssistantBubble("MiMo-V2-Pro")
    qtbot.addWidget(bubble)
    bubble.show_saved(reasoning, text, status)
    bubble.show()
    return bubble


def test_saved_reasoning_is_folded_and_not_laid_out_until_unfolded(qtbot: QtBot) -> None:
    bubble = saved(qtbot, "First I think.", "**The** answer.")

    assert bubble.body.toPlainText() == "The answer."
    assert bubble.reasoning_toggle.isVisible() and not bubble.reasoning_toggle.isChecked()
    assert bubble._reasoning is None  # no view built for folded reasoning
    assert bubble.reasoning_text == "First I think."

    qtbot.mouseClick(bubble.reasoning_toggle, Qt.MouseButton.LeftButton)

    assert bubble.reasoning.isVisible()
    assert bubble.reasoning.toPlainText() == "First I think."


def test_a_reply_saved_only_as_reasoning_shows_it_as_the_answer(qtbot: QtBot) -> None:
    bubble = saved(qtbot, "Only here.", "")

    assert bubble.body.toPlainText() == "Only here."
    assert not bubble.reasoning_toggle.isVisible()
    assert bubble.copy_button.isVisible()


def test_a_saved_cancelled_reply_says_so(qtbot: QtBot) -> None:
    bubble = saved(qtbot, "", "Half an ans", "cancelled")

    assert bubble.status.isVisible() and "Stopped" in bubble.status.text()
    assert bubble.text == "Half an ans"
