"""First run and a revoked key: the key dialog, the key store, and the way back to chatting."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox
from pytestqt.qtbot import QtBot

from app.core.api_keys import ApiKeyStore, index_name
from app.core.secrets import FileStore, key_name
from app.core.settings import SETTINGS_FILE_NAME, load_settings
from app.ui.event_loop import AppEventLoop
from app.ui.key_dialog import KeyDialog
from tests.sim import Plan, Simulator
from tests.ui.conftest import RunningApp, start_app


@pytest.fixture
def first_run(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> Iterator[RunningApp]:
    yield from start_app(qtbot, qloop, sim, tmp_path, api_key=None)


@pytest.fixture
def revoked(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> Iterator[RunningApp]:
    yield from start_app(qtbot, qloop, sim, tmp_path, api_key="sk-revoked-0123456789")


def open_dialog(app: RunningApp) -> KeyDialog:
    app.qtbot.waitUntil(lambda: app.key_dialog.dialog is not None)
    dialog = app.key_dialog.dialog
    assert dialog is not None
    app.qtbot.waitUntil(dialog.isVisible)
    return dialog


def save_key(app: RunningApp, dialog: KeyDialog, key: str) -> None:
    dialog.key.clear()
    app.qtbot.keyClicks(dialog.key, key)
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    app.qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    app.qtbot.waitUntil(lambda: app.key_dialog.dialog is None)


def test_first_run_asks_for_a_key_and_stores_it_privately(first_run: RunningApp) -> None:
    app = first_run
    dialog = open_dialog(app)
    assert dialog.base_url.text() == app.sim.base_url
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert not save.isEnabled()  # no key yet
    assert dialog.storage_warning.isVisible()  # no keyring: the file fallback says so

    save_key(app, dialog, "sk-test")

    secrets = app.data_dir / "config" / "secrets.json"
    app.qtbot.waitUntil(lambda: FileStore(secrets).get(index_name("mimo-v2")) is not None)
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    assert FileStore(secrets).get(key_name("mimo-v2")) == "sk-test"  # the active key
    stored = ApiKeyStore(FileStore(secrets)).load("mimo-v2").keys
    assert stored.active is not None and stored.active.secret == "sk-test"
    assert app.window.storage_warning.isVisible()
    app.qtbot.waitUntil(lambda: any(r.path.endswith("/models") for r in app.sim.requests))
    app.send("hello")
    app.wait_idle()
    assert app.replies()[-1].text == "Echo: hello"
    assert app.sim.requests[-1].api_key == "sk-test"


def test_sending_without_a_key_opens_the_dialog_and_keeps_the_message(
    first_run: RunningApp,
) -> None:
    app = first_run
    dialog = open_dialog(app)
    dialog.reject()
    app.qtbot.waitUntil(lambda: app.key_dialog.dialog is None)

    app.send("are you there?")
    app.wait_idle()

    assert [b.body.text() for b in app.user_bubbles()] == ["are you there?"]
    open_dialog(app)
    assert app.error_cards()
    assert app.chat_requests() == []


def test_revoked_key_says_so_and_a_new_key_makes_retry_work(revoked: RunningApp) -> None:
    app = revoked
    dialog = open_dialog(app)  # the model refresh got a 401 already
    dialog.reject()
    app.qtbot.waitUntil(lambda: app.key_dialog.dialog is None)
    app.sim.default_plan = Plan(content="Welcome back.")

    app.send("hello")
    app.qtbot.waitUntil(lambda: bool(app.error_cards()))
    dialog = open_dialog(app)
    (card,) = app.error_cards()
    assert "401" in card.label.text() and "rejected" in card.label.text()
    assert "sk-revoked" not in card.label.text()
    assert "rejected" in dialog.reason.text()

    save_key(app, dialog, "sk-test")
    app.qtbot.mouseClick(card.retry_button, Qt.MouseButton.LeftButton)
    app.wait_idle()

    assert app.replies()[-1].text == "Welcome back."
    assert app.sim.requests[-1].api_key == "sk-test"


def choose(combo: QComboBox, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)


def test_a_custom_anthropic_endpoint_is_saved_and_replies_through_messages(
    first_run: RunningApp, qloop: AppEventLoop
) -> None:
    app = first_run
    dialog = open_dialog(app)
    assert not dialog.wire.isVisible()  # the default preset fixes its own format
    choose(dialog.provider, "custom")
    assert dialog.wire.isVisible() and not dialog.preset_wire.isVisible()
    assert dialog.wire.accessibleName() == "API format"
    assert dialog.wire.currentData() == "openai"
    assert dialog.base_url.placeholderText() == "https://example.com/v1"
    choose(dialog.wire, "anthropic")
    assert dialog.base_url.placeholderText() == "https://example.com/anthropic"
    dialog.base_url.clear()
    app.qtbot.keyClicks(dialog.base_url, app.sim.anthropic_url)

    save_key(app, dialog, "sk-test")

    assert app.parts.connection.wire == "anthropic"
    assert app.parts.connection.base_url == app.sim.anthropic_url
    settings = app.parts.preferences.settings
    assert (settings.provider_id, settings.wire) == ("custom", "anthropic")
    flushed = qloop.create_task(app.parts.preferences.flush())
    app.qtbot.waitUntil(flushed.done)
    on_disk = load_settings(app.data_dir / "config" / SETTINGS_FILE_NAME)
    assert (on_disk.provider_id, on_disk.wire) == ("custom", "anthropic")
    assert on_disk.base_url == app.sim.anthropic_url

    app.qtbot.waitUntil(lambda: any(r.path == "/anthropic/v1/models" for r in app.sim.requests))
    app.sim.default_plan = Plan(content="Hello from the messages endpoint.")
    app.send("hello")
    app.wait_idle()
    assert app.replies()[-1].text == "Hello from the messages endpoint."
    assert app.sim.requests[-1].path == "/anthropic/v1/messages"
    assert app.sim.requests[-1].api_key == "sk-test"
    assert app.chat_requests() == []  # nothing went to /chat/completions


def test_a_preset_hides_the_format_choice_and_shows_its_own(first_run: RunningApp) -> None:
    app = first_run
    dialog = open_dialog(app)
    choose(dialog.provider, "custom")
    choose(dialog.wire, "openai")
    choose(dialog.provider, "xiaomi-anthropic")
    assert not dialog.wire.isVisible()
    assert dialog.preset_wire.isVisible()
    assert dialog.preset_wire.text() == "Format: Anthropic-compatible"
    assert dialog.base_url.isReadOnly()
    assert dialog.chosen_wire() == "anthropic"  # the preset's, not the hidden combo's
    choose(dialog.provider, "xiaomi")
    assert dialog.preset_wire.text() == "Format: OpenAI-compatible"

    choose(dialog.provider, "xiaomi-anthropic")
    save_key(app, dialog, "sk-test")
    assert app.parts.connection.wire == "anthropic"
    assert app.parts.connection.base_url == "https://api.xiaomimimo.com/anthropic"
    assert app.parts.preferences.settings.provider_id == "xiaomi-anthropic"


def test_the_dialog_opens_on_the_custom_endpoints_stored_format(qtbot: QtBot) -> None:
    dialog = KeyDialog(provider_id="custom", base_url="http://h.test/anthropic", wire="anthropic")
    qtbot.addWidget(dialog)
    assert dialog.wire.currentData() == "anthropic"
    qtbot.keyClicks(dialog.key, "sk-1")
    entry = dialog.entry()
    assert (entry.provider_id, entry.base_url, entry.wire) == (
        "custom",
        "http://h.test/anthropic",
        "anthropic",
    )
