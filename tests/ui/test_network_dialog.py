"""Settings > Network, driven as a user would: proxy modes, checks, Test, OK and apply."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QLineEdit,
    QRadioButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.api import translation
from app.core.connection import Connection, HttpClients
from app.core.network import NetworkSettings
from app.core.settings import Settings, load_settings
from app.ui.event_loop import AppEventLoop
from app.ui.network_dialog import (
    NetworkDialog,
    NetworkProbe,
    edit_network_settings,
    open_network_settings,
)
from app.ui.preferences import Preferences
from app.ui.tasks import TaskSet
from tests.proxy_server import PROXY_VARIABLES, HttpProxy, closed_port
from tests.sim import Simulator
from tests.ui.gated_probe import GatedProbe
from tests.ui.i18n_check import CatalogueTranslator, catalogue, untranslated_texts

FakeProbe = GatedProbe[NetworkSettings, list[str]]

SECRET = "s3cret-pa55"
MakeDialog = Callable[..., NetworkDialog]


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_dialog(qtbot: QtBot) -> MakeDialog:
    def make(
        values: NetworkSettings | None = None, *, probe: NetworkProbe | None = None
    ) -> NetworkDialog:
        dialog = NetworkDialog(
            values or NetworkSettings(), probe=probe, endpoint="http://127.0.0.1/v1"
        )
        qtbot.addWidget(dialog)
        dialog.open()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def click(qtbot: QtBot, widget: QWidget) -> None:
    if isinstance(widget, QRadioButton):  # only its circle and label take clicks
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(6, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def ok_button(dialog: NetworkDialog) -> QWidget:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_dialog_shows_what_it_was_given(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(NetworkSettings("custom", "http://proxy.example:3128", 45.0, "/ca.pem"))
    assert dialog.custom_radio.isChecked()
    assert dialog.proxy_edit.text() == "http://proxy.example:3128"
    assert dialog.proxy_edit.isEnabled()
    assert dialog.timeout_spin.value() == 45
    assert dialog.ca_edit.text() == "/ca.pem"
    assert dialog.values() == NetworkSettings(
        "custom", "http://proxy.example:3128", 45.0, "/ca.pem"
    )


def test_only_custom_mode_enables_the_address(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    assert dialog.system_radio.isChecked() and not dialog.proxy_edit.isEnabled()
    click(qtbot, dialog.custom_radio)
    assert dialog.proxy_edit.isEnabled()
    click(qtbot, dialog.none_radio)
    assert not dialog.proxy_edit.isEnabled()
    assert dialog.mode() == "none"


def test_a_bad_address_is_explained_and_blocks_ok(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    click(qtbot, dialog.custom_radio)
    assert dialog.proxy_problem.isVisible()  # empty: asks for an address
    assert "Enter the proxy address" in dialog.proxy_problem.text()
    assert not ok_button(dialog).isEnabled() and not dialog.test_button.isEnabled()
    type_into(qtbot, dialog.proxy_edit, "proxy.example:8080")
    assert dialog.proxy_problem.text() == (
        "\u26a0 Start the proxy address with http://, https://, socks5:// or socks5h://."
    )
    assert dialog.proxy_edit.accessibleDescription() == dialog.problem()
    type_into(qtbot, dialog.proxy_edit, f"http://me:{SECRET}@proxy.example")
    assert "Add the proxy's port number" in dialog.proxy_problem.text()
    assert SECRET not in dialog.proxy_problem.text()
    qtbot.keyClicks(dialog.proxy_edit, ":8080")
    assert not dialog.proxy_problem.isVisible()
    assert ok_button(dialog).isEnabled()
    type_into(qtbot, dialog.proxy_edit, "socks9://h:1")
    click(qtbot, dialog.system_radio)  # another mode: the address does not matter
    assert not dialog.proxy_problem.isVisible() and ok_button(dialog).isEnabled()


def test_ok_returns_the_new_values(qtbot: QtBot) -> None:
    got: list[NetworkSettings] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = edit_network_settings(parent, Settings(), got.append)
    qtbot.waitExposed(dialog)
    click(qtbot, dialog.custom_radio)
    type_into(qtbot, dialog.proxy_edit, f"  socks5h://me:{SECRET}@10.0.0.2:1080 ")
    dialog.timeout_spin.setFocus()
    dialog.timeout_spin.selectAll()
    qtbot.keyClicks(dialog.timeout_spin, "300")
    type_into(qtbot, dialog.ca_edit, "/etc/corp/ca.pem")
    with qtbot.waitSignal(dialog.accepted):
        click(qtbot, ok_button(dialog))
    assert got == [
        NetworkSettings("custom", f"socks5h://me:{SECRET}@10.0.0.2:1080", 300.0, "/etc/corp/ca.pem")
    ]


def test_cancel_returns_nothing(qtbot: QtBot) -> None:
    got: list[NetworkSettings] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = edit_network_settings(parent, Settings(), got.append)
    qtbot.waitExposed(dialog)
    click(qtbot, dialog.none_radio)
    with qtbot.waitSignal(dialog.rejected):
        click(qtbot, dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    assert got == []


def test_the_timeout_is_kept_within_5_to_600_seconds(qtbot: QtBot, make_dialog: MakeDialog) -> None:
    dialog = make_dialog()
    assert dialog.timeout_spin.value() == 120
    dialog.timeout_spin.setValue(1)
    assert dialog.values().request_timeout == 5.0
    dialog.timeout_spin.setValue(10_000)
    assert dialog.values().request_timeout == 600.0


def test_the_ca_bundle_is_chosen_in_a_file_dialog_or_cleared(
    qtbot: QtBot, make_dialog: MakeDialog, tmp_path: Path
) -> None:
    bundle = tmp_path / "corp.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    dialog = make_dialog()
    assert dialog.values().ca_bundle is None
    click(qtbot, dialog.browse_button)
    picker = dialog.file_dialog
    assert picker is not None
    qtbot.waitExposed(picker)
    picker.setDirectory(str(tmp_path))
    picker.selectFile(str(bundle))
    with qtbot.waitSignal(picker.fileSelected):
        picker.accept()
    assert dialog.values().ca_bundle == str(bundle)
    click(qtbot, dialog.clear_button)
    assert dialog.values().ca_bundle is None


def test_the_note_names_the_environment_proxy_without_its_password(
    qtbot: QtBot, make_dialog: MakeDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = make_dialog()
    assert "No proxy is set in the environment" in plain.system_note.text()
    monkeypatch.setenv("HTTPS_PROXY", f"http://eve:{SECRET}@corp:3128")
    dialog = make_dialog()
    assert dialog.system_note.text() == "From the environment: http://eve:***@corp:3128"


def test_tab_walks_the_dialog_in_reading_order(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    dialog = make_dialog(
        NetworkSettings("custom", "http://proxy:1"),
        probe=FakeProbe(["mimo-v2-pro"]),
    )
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    dialog.custom_radio.setFocus()
    seen = []
    for _ in range(8):
        focused = QApplication.focusWidget()
        assert focused is not None
        seen.append(focused.objectName())
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    # The radio buttons are one stop (arrows move between them), as everywhere in Qt.
    assert seen[:7] == [
        "proxyCustom",
        "proxyUrl",
        "requestTimeout",
        "caBundle",
        "caBrowse",
        "caClear",
        "testConnection",
    ]
    focusable = [
        w for w in dialog.findChildren(QWidget) if w.focusPolicy() & Qt.FocusPolicy.TabFocus
    ]
    ours = [w for w in focusable if w.objectName() and not w.objectName().startswith("qt_")]
    assert [w.objectName() for w in ours if not w.accessibleName()] == []


def test_test_runs_without_blocking_and_shows_the_result(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    probe = FakeProbe(["mimo-v2-pro", "mimo-v2-flash"])
    dialog = make_dialog(NetworkSettings("none"), probe=probe)
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: len(probe.calls) == 1)
    assert probe.calls == [NetworkSettings("none")]
    assert dialog.test_result.text() == "\u2713 Connecting to http://127.0.0.1/v1…"
    assert not dialog.test_button.isEnabled()
    fired: list[bool] = []
    QTimer.singleShot(1, lambda: fired.append(True))
    qtbot.waitUntil(lambda: fired == [True])  # the event loop turns while the test waits
    probe.gate.set()
    qtbot.waitUntil(dialog.test_button.isEnabled)
    assert (
        dialog.test_result.text()
        == "\u2713 The connection works: the server sent its model list (2)."
    )
    assert dialog.test_result.property("error") is False


def test_closing_the_dialog_stops_a_running_test(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    probe = FakeProbe([])
    dialog = make_dialog(probe=probe)
    click(qtbot, dialog.test_button)
    qtbot.waitUntil(lambda: len(probe.calls) == 1)
    dialog.reject()
    qtbot.waitUntil(lambda: probe.cancelled)


def test_test_is_disabled_without_a_running_loop(make_dialog: MakeDialog) -> None:
    dialog = make_dialog(probe=FakeProbe([]))
    assert not dialog.test_button.isEnabled()


def test_test_goes_through_the_proxy_in_the_dialog(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog, sim: Simulator
) -> None:
    clients = HttpClients.from_settings(NetworkSettings("none"))
    connection = Connection(clients, base_url=sim.base_url, api_key="sk-test")
    with HttpProxy() as proxy:
        dialog = make_dialog(NetworkSettings("custom", proxy.url), probe=connection.probe_network)
        click(qtbot, dialog.test_button)
        qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
        assert dialog.test_result.text() == (
            "\u2713 The connection works: the server sent its model list (4)."
        )
        assert [r.target for r in proxy.requests] == [f"http://127.0.0.1:{sim.port}/v1/models"]
    with closed_port() as port:
        type_into(qtbot, dialog.proxy_edit, f"http://bob:{SECRET}@127.0.0.1:{port}")
        click(qtbot, dialog.test_button)
        qtbot.waitUntil(dialog.test_button.isEnabled, timeout=10_000)
    assert dialog.test_result.text() == (
        f"\u26a0 Could not connect to the proxy server (http://bob:***@127.0.0.1:{port}). "
        "Check that it is running and that the proxy settings are right."
    )
    assert dialog.test_result.property("error") is True
    closing = qloop.create_task(clients.aclose())
    qtbot.waitUntil(closing.done)


def test_ok_saves_the_settings_and_the_next_request_uses_them(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> None:
    clients = HttpClients.from_settings(NetworkSettings("none"))
    connection = Connection(clients, base_url=sim.base_url, api_key="sk-test")
    preferences = Preferences(Settings(), tmp_path / "settings.json")
    reports: list[str] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    tasks = TaskSet()
    with HttpProxy() as proxy:
        dialog = open_network_settings(parent, preferences, connection, tasks, reports.append)
        qtbot.waitExposed(dialog)
        before = clients.current
        click(qtbot, dialog.custom_radio)
        type_into(qtbot, dialog.proxy_edit, proxy.url)
        with qtbot.waitSignal(dialog.accepted):
            click(qtbot, ok_button(dialog))
        qtbot.waitUntil(lambda: clients.current is not before)
        assert before is not None and before.is_closed
        listing = qloop.create_task(connection.client().list_models())
        qtbot.waitUntil(listing.done, timeout=10_000)
        assert "mimo-v2-pro" in listing.result()
        assert [r.target for r in proxy.requests] == [f"http://127.0.0.1:{sim.port}/v1/models"]
    saving = qloop.create_task(preferences.flush())
    qtbot.waitUntil(saving.done)
    saved = load_settings(tmp_path / "settings.json")
    assert (saved.proxy_mode, saved.proxy_url) == ("custom", proxy.url)
    assert reports == []
    closing = qloop.create_task(clients.aclose())
    qtbot.waitUntil(closing.done)


def test_settings_that_cannot_be_used_are_reported(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> None:
    clients = HttpClients.from_settings(NetworkSettings("none"))
    connection = Connection(clients, base_url=sim.base_url, api_key="sk-test")
    preferences = Preferences(Settings(), tmp_path / "settings.json")
    reports: list[str] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = open_network_settings(parent, preferences, connection, TaskSet(), reports.append)
    qtbot.waitExposed(dialog)
    type_into(qtbot, dialog.ca_edit, str(tmp_path / "gone.pem"))
    with qtbot.waitSignal(dialog.accepted):
        click(qtbot, ok_button(dialog))
    qtbot.waitUntil(lambda: reports != [])
    assert reports == [f"The CA bundle {tmp_path / 'gone.pem'} does not exist."]
    assert clients.current is None
    saving = qloop.create_task(preferences.flush())
    qtbot.waitUntil(saving.done)
    assert load_settings(tmp_path / "settings.json").ca_bundle == str(tmp_path / "gone.pem")
    closing = qloop.create_task(clients.aclose())
    qtbot.waitUntil(closing.done)


def test_every_text_of_the_dialog_can_be_translated(
    qtbot: QtBot, qloop: AppEventLoop, make_dialog: MakeDialog
) -> None:
    marker = CatalogueTranslator(catalogue())
    QCoreApplication.installTranslator(marker)
    translation.install(QCoreApplication.translate)
    try:
        probe = FakeProbe(["mimo-v2-pro"])
        dialog = make_dialog(NetworkSettings("custom", "socks5://h"), probe=probe)
        problem = dialog.proxy_problem.text()
        assert problem.startswith("\u26a0 \u27e6Add the proxy's port number")
        type_into(qtbot, dialog.proxy_edit, "socks5://h:1080")
        click(qtbot, dialog.test_button)
        qtbot.waitUntil(lambda: len(probe.calls) == 1)
        probe.gate.set()
        qtbot.waitUntil(dialog.test_button.isEnabled)
        found = untranslated_texts(dialog, allowed={"socks5://h:1080", "OK", "Cancel"})
        assert found == [], "\n".join(found)
    finally:
        QCoreApplication.removeTranslator(marker)
        translation.install(None)
