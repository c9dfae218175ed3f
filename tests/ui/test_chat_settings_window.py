"""Per-conversation settings, presets and prices, used from the main window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.ui.chat_settings_dialog import ChatSettingsDialog
from app.ui.event_loop import AppEventLoop
from app.ui.prices_dialog import OUTPUT_COLUMN, PricesDialog
from tests.sim import Plan, Simulator
from tests.ui.conftest import RunningApp, start_app
from tests.ui.test_history_sidebar import open_in_sidebar, shown, texts
from tests.ui.test_prices_dialog import edit

USAGE = {
    "prompt_tokens": 1_000_000,
    "completion_tokens": 1_000_000,
    "total_tokens": 2_000_000,
    "prompt_tokens_details": {"cached_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0},
}


def open_dialog(app: RunningApp, kind: type[QDialog]) -> QDialog:
    app.qtbot.waitUntil(lambda: any(d.isVisible() for d in app.window.findChildren(kind)))
    return next(d for d in app.window.findChildren(kind) if d.isVisible())


def settings_dialog(app: RunningApp) -> ChatSettingsDialog:
    app.qtbot.mouseClick(app.window.settings_button, Qt.MouseButton.LeftButton)
    dialog = open_dialog(app, ChatSettingsDialog)
    assert isinstance(dialog, ChatSettingsDialog)
    return dialog


def set_system_prompt_and_temperature(app: RunningApp, prompt: str, temperature: str) -> None:
    dialog = settings_dialog(app)
    dialog.system_prompt.setFocus()
    app.qtbot.keyClicks(dialog.system_prompt, prompt)
    app.qtbot.mouseClick(dialog.temperature.default_box, Qt.MouseButton.LeftButton)
    spin = dialog.temperature.spin
    spin.setFocus()
    app.qtbot.keyClick(spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    app.qtbot.keyClicks(spin, temperature)
    app.qtbot.keyClick(spin, Qt.Key.Key_Tab)
    app.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def saved_settings(app: RunningApp) -> dict[str, object]:
    with Store.open(app.data_dir / "data" / DATABASE_NAME) as store:
        (row,) = store.list_conversations()
        return {"model": row.model, **row.settings}


def test_a_chats_system_prompt_and_temperature_are_sent_and_kept(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> None:
    session = start_app(qtbot, qloop, sim, tmp_path)
    app = next(session)
    set_system_prompt_and_temperature(app, "Answer like a pirate.", "1.2")
    app.send("hello")
    app.wait_idle()

    body = app.chat_requests()[-1]
    assert body["messages"][0] == {"role": "system", "content": "Answer like a pirate."}
    assert body["temperature"] == pytest.approx(1.2)
    assert saved_settings(app)["system_prompt"] == "Answer like a pirate."
    next(session, None)

    # After a restart the conversation comes back with its settings.
    session = start_app(qtbot, qloop, sim, tmp_path)
    app = next(session)
    app.qtbot.waitUntil(lambda: texts(app) == ["hello", "Echo: hello"])
    app.send("again")
    app.wait_idle()
    body = app.chat_requests()[-1]
    assert body["messages"][0]["content"] == "Answer like a pirate."
    assert body["temperature"] == pytest.approx(1.2)
    assert [m["content"] for m in body["messages"][1:]] == ["hello", "Echo: hello", "again"]
    # A new chat starts from the defaults again (same model).
    app.window.new_chat_action.trigger()
    app.send("fresh")
    app.wait_idle()
    body = app.chat_requests()[-1]
    assert body["messages"] == [{"role": "user", "content": "fresh"}]
    assert "temperature" not in body
    next(session, None)


def test_each_conversation_keeps_its_own_model(app: RunningApp) -> None:
    app.window.model_picker.select("mimo-v2-pro")
    app.send("deep question")
    app.wait_idle()
    app.window.new_chat_action.trigger()
    app.window.model_picker.select("mimo-v2-flash")
    app.send("quick question")
    app.wait_idle()
    app.qtbot.waitUntil(lambda: len(shown(app)) == 3)

    open_in_sidebar(app, "deep question")

    app.qtbot.waitUntil(lambda: app.window.model_picker.current_id == "mimo-v2-pro")
    assert app.window.thinking.isChecked()  # Pro thinks by default
    app.send("follow-up")
    app.wait_idle()
    assert app.chat_requests()[-1]["model"] == "mimo-v2-pro"
    assert app.chat_requests()[-1]["thinking"] == {"type": "enabled"}


def test_changing_settings_of_a_saved_chat_is_saved_at_once(app: RunningApp) -> None:
    app.send("first")
    app.wait_idle()

    set_system_prompt_and_temperature(app, "Be terse.", "0.2")

    app.qtbot.waitUntil(lambda: saved_settings(app).get("system_prompt") == "Be terse.")
    assert saved_settings(app)["temperature"] == pytest.approx(0.2)
    assert "key" not in json.dumps(saved_settings(app)).lower()


def test_conversation_cost_counts_every_version_at_the_users_prices(app: RunningApp) -> None:
    app.sim.default_plan = Plan(content="costly", usage=USAGE)
    app.send("price me")
    app.wait_idle()
    app.qtbot.waitUntil(lambda: "$0.4000" in app.window.usage_label.text())  # Flash: 0.1 + 0.3
    app.parts.chat.regenerate(1)
    app.wait_idle()
    app.qtbot.waitUntil(lambda: "$0.8000" in app.window.usage_label.text())  # both versions
    assert "2,000,000 in" in app.window.usage_label.text()

    app.window.prices_action.trigger()
    dialog = open_dialog(app, PricesDialog)
    assert isinstance(dialog, PricesDialog)
    edit(app.qtbot, dialog, "mimo-v2-flash", OUTPUT_COLUMN, "1.7")
    app.qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    app.qtbot.waitUntil(lambda: "$3.6000" in app.window.usage_label.text())  # 2 x (0.1 + 1.7)
    reply = app.window.chat_view.bubbles[1]
    app.qtbot.waitUntil(lambda: "$1.8000" in reply.usage.text())
    assert app.parts.preferences.settings.prices["mimo-v2-flash"]["output"] == 1.7


def test_flash_names_the_chat_when_asked_to(app: RunningApp) -> None:
    assert not app.window.auto_titles_action.isChecked()  # off by default
    app.window.auto_titles_action.trigger()
    app.sim.enqueue(Plan(content="Sure, here is a plan."), Plan(content='"Weekend in Lisbon."'))

    app.send("could you help me plan two days in lisbon with kids?")
    app.wait_idle()

    app.qtbot.waitUntil(lambda: "Weekend in Lisbon" in shown(app))
    title_body = app.chat_requests()[-1]
    assert title_body["model"] == "mimo-v2-flash" and title_body.get("stream") is not True
    assert app.parts.chat.conversation.title == "Weekend in Lisbon"
    with Store.open(app.data_dir / "data" / DATABASE_NAME) as store:
        assert store.list_conversations()[0].title == "Weekend in Lisbon"
    assert app.parts.preferences.settings.auto_titles is True
    app.send("and a third day?")  # only the first reply is followed by a title request
    app.wait_idle()
    assert len(app.chat_requests()) == 3


def test_no_title_request_unless_asked(app: RunningApp) -> None:
    app.send("plain title please")
    app.wait_idle()
    app.send("second")  # a title request would have gone out before this one
    app.wait_idle()
    assert [body.get("stream") for body in app.chat_requests()] == [True, True]
    assert "plain title please" in shown(app)
