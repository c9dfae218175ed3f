"""The conversation follows a streaming reply only while the user is at the bottom."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSlider

from tests.sim import Plan
from tests.sim.reply import tokenize
from tests.ui.conftest import RunningApp

PARAGRAPHS = "\n\n".join(f"Paragraph {n} of a long streamed reply." for n in range(600))
TOKENS = tokenize(PARAGRAPHS)
BEFORE_PAUSE = 240  # content tokens sent before the simulator pauses (~34 paragraphs)


def test_scrolled_up_view_stays_put_and_following_resumes_at_the_bottom(
    app: RunningApp,
) -> None:
    app.window.resize(700, 500)
    # event 1 is the role delta, then one event per token; paced so the stream is still
    # running while the test scrolls, and stopped by the test long before it ends
    app.sim.default_plan = Plan(
        content=PARAGRAPHS, pause_after=1 + BEFORE_PAUSE, tokens_per_second=400
    )
    view = app.window.chat_view
    bar = view.verticalScrollBar()

    app.send("a long answer, please")
    app.qtbot.waitUntil(lambda: bool(app.replies()))
    (reply,) = app.replies()
    paused_text = "".join(TOKENS[:BEFORE_PAUSE])
    app.qtbot.waitUntil(lambda: reply.text == paused_text, timeout=10000)
    app.qtbot.waitUntil(lambda: bar.maximum() > bar.pageStep())
    app.qtbot.waitUntil(lambda: bar.value() == bar.maximum())  # followed while at the bottom

    bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)  # the user scrolls up
    reading_at = bar.value()
    assert reading_at < bar.maximum() - bar.pageStep() // 2
    app.sim.release()
    grown_from = bar.maximum()
    app.qtbot.waitUntil(lambda: bar.maximum() > grown_from + 200, timeout=10000)

    assert len(reply.text) > len(paused_text)
    assert bar.value() == reading_at  # more text did not move what the user reads

    bar.triggerAction(QAbstractSlider.SliderAction.SliderToMaximum)  # back to the bottom
    grown_from = bar.maximum()
    app.qtbot.waitUntil(lambda: bar.maximum() > grown_from + 200, timeout=10000)
    app.qtbot.waitUntil(lambda: bar.value() == bar.maximum())

    assert app.parts.chat.busy  # still streaming: the view followed new text
    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Escape)
    app.wait_idle()
    assert bar.value() == bar.maximum()
