"""Several API keys per provider in the key dialog, and in the running app."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTreeWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.api import translation
from app.core.api_keys import AddKey, ApiKey, ApiKeyStore, KeyList, index_name, new_key
from app.core.connection import Connection
from app.core.providers import PRESETS
from app.core.secrets import FileStore, KeyringStore, key_name
from app.core.settings import Settings
from app.ui.event_loop import AppEventLoop
from app.ui.key_controller import KeyController
from app.ui.key_dialog import ENV_ROW, KeyBook, KeyDialog
from app.ui.preferences import Preferences
from tests.core.test_secrets import LockedKeyring
from tests.sim import Plan, Simulator
from tests.ui.conftest import RunningApp, start_app
from tests.ui.i18n_check import MARK_OPEN, CatalogueTranslator, catalogue, untranslated_texts

FIRST = "sk-FIRST-0123456789abcdefghijklmnopqrstuvwxyzA1B2"
SECOND = "sk-SECOND-0123456789abcdefghijklmnopqrstuvwxyzC3D4"
REVOKED = "sk-REVOKED-0123456789abcdefghijklmnopqrstuvwxE5F6"
ENV_KEY = "sk-test"  # what start_app passes as MIMO_API_KEY; the simulator's key


# --- helpers -------------------------------------------------------------------------------


def make_book(lists: dict[str, KeyList] | None = None, env_key: str | None = None) -> KeyBook:
    book = KeyBook(env_mask=None if env_key is None else "sk-…" + env_key[-4:])
    for provider_id in PRESETS:
        book.lists[provider_id] = KeyList()
    book.lists.update(lists or {})
    return book


def open_dialog(
    qtbot: QtBot, book: KeyBook, provider_id: str = "xiaomi", **kwargs: str
) -> KeyDialog:
    dialog = KeyDialog(provider_id=provider_id, base_url="", keys=book, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def rows(dialog: KeyDialog) -> list[list[str]]:
    tree = dialog.key_list
    return [
        [tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]  # type: ignore[union-attr]
        for i in range(tree.topLevelItemCount())
    ]


def select(dialog: KeyDialog, label: str) -> None:
    tree = dialog.key_list
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        if item is not None and item.text(0) == label:
            tree.setCurrentItem(item)
            return
    raise AssertionError(f"no row labelled {label!r}")


def active_label(dialog: KeyDialog) -> str | None:
    found = [row[0] for row in rows(dialog) if row[3] == "Active"]
    assert len(found) <= 1
    return found[0] if found else None


def add_key(qtbot: QtBot, dialog: KeyDialog, secret: str, label: str = "") -> None:
    dialog.key.setFocus()
    qtbot.keyClicks(dialog.key, secret)
    if label:
        qtbot.keyClicks(dialog.key_label, label)
    assert dialog.add_button.isEnabled()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)


def answer_removal(qtbot: QtBot, dialog: KeyDialog, *, remove: bool) -> str:
    """Click Remove (or Cancel) in the confirmation; returns the question it asked."""
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible())
    box = dialog.confirm_box
    assert box is not None
    question = f"{box.text()} {box.informativeText()}"
    role = QMessageBox.ButtonRole.DestructiveRole if remove else QMessageBox.ButtonRole.RejectRole
    (button,) = [b for b in box.buttons() if box.buttonRole(b) == role]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.confirm_box is None)
    return question


def all_texts(root: QWidget) -> list[str]:
    """Every text, tooltip and accessible name or description under ``root``."""
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        texts += [
            widget.toolTip(),
            widget.accessibleName(),
            widget.accessibleDescription(),
            widget.whatsThis(),
            widget.windowTitle(),
            widget.statusTip(),
        ]
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit):
            texts += [widget.placeholderText(), widget.displayText()]
        if isinstance(widget, QMessageBox):
            texts += [widget.text(), widget.informativeText(), widget.detailedText()]
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            items = [widget.topLevelItem(i) for i in range(widget.topLevelItemCount())]
            for item in [header, *items]:
                assert item is not None
                for column in range(widget.columnCount()):
                    texts += [item.text(column), item.toolTip(column), item.statusTip(column)]
                    for role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.UserRole):
                        value = item.data(column, role)
                        texts.append(value if isinstance(value, str) else "")
    return texts


def assert_no_full_key(root: QWidget, *secrets: str) -> None:
    for text in all_texts(root):
        for secret in secrets:
            assert secret not in text, f"a full key is shown: {text!r}"


# --- the dialog on its own -----------------------------------------------------------------


def test_add_two_keys_make_the_second_active_rename_and_remove(qtbot: QtBot) -> None:
    book = make_book()
    dialog = open_dialog(qtbot, book)
    assert rows(dialog) == []
    assert "No key is stored" in dialog.key_status.text()

    add_key(qtbot, dialog, FIRST, "work")
    assert dialog.key.text() == "" and dialog.key_label.text() == ""
    assert not dialog.show_key.isChecked()
    add_key(qtbot, dialog, SECOND, "home")
    assert [(r[0], r[1], r[3]) for r in rows(dialog)] == [
        ("work", "sk-…A1B2", "Active"),  # the first key added is active
        ("home", "sk-…C3D4", ""),
    ]
    assert all(r[2] for r in rows(dialog))  # the day each was added
    assert "Make active" in dialog.key_status.text()
    assert_no_full_key(dialog, FIRST, SECOND)

    select(dialog, "home")
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert active_label(dialog) == "home"
    assert not dialog.activate_button.isEnabled()  # it is the active one already

    select(dialog, "work")
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.key_list.state() == QAbstractItemView.State.EditingState)
    editor = dialog.key_list.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "old work")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: rows(dialog)[0][0] == "old work")
    assert dialog.isVisible()  # Enter finished the rename, not the dialog
    assert "Renamed old work" in dialog.key_status.text()

    select(dialog, "old work")
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    question = answer_removal(qtbot, dialog, remove=True)
    assert "old work (sk-…A1B2)" in question
    assert [r[0] for r in rows(dialog)] == ["home"]
    assert_no_full_key(dialog, FIRST, SECOND)

    entry = dialog.entry()
    assert entry.provider_id == "xiaomi"
    assert entry.api_key == SECOND
    assert not entry.use_env
    assert SECOND not in repr(entry) and FIRST not in repr(entry)
    assert list(entry.changes) == ["xiaomi"]
    assert len(entry.changes["xiaomi"]) == 5  # add, add, activate, rename, remove


def test_removing_the_active_key_says_which_key_takes_over_or_that_none_is_left(
    qtbot: QtBot,
) -> None:
    first = new_key(FIRST, "work")
    second = new_key(SECOND, "", taken=[first.id])
    dialog = open_dialog(qtbot, make_book({"xiaomi": KeyList((first, second), first.id)}))
    assert active_label(dialog) == "work"

    select(dialog, "work")
    dialog.remove_button.click()
    assert answer_removal(qtbot, dialog, remove=False).startswith("Remove the key work")
    assert len(rows(dialog)) == 2  # Cancel keeps it

    select(dialog, "work")
    dialog.remove_button.click()
    question = answer_removal(qtbot, dialog, remove=True)
    assert "sk-…C3D4 becomes the active key" in question
    assert rows(dialog)[0][3] == "Active"
    assert "sk-…C3D4 is now the active key" in dialog.key_status.text()

    select(dialog, "")
    dialog.remove_button.click()
    assert "no other key" in answer_removal(qtbot, dialog, remove=True)
    assert rows(dialog) == []
    assert "No key is left for this provider" in dialog.key_status.text()
    save = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()  # the removal can be saved
    assert dialog.entry().api_key is None


def test_a_key_typed_when_saving_is_added_and_made_active(qtbot: QtBot) -> None:
    first = new_key(FIRST, "work")
    dialog = open_dialog(qtbot, make_book({"xiaomi": KeyList((first,), first.id)}))
    qtbot.keyClicks(dialog.key, SECOND)
    qtbot.keyClicks(dialog.key_label, "new")
    entry = dialog.entry()
    assert entry.api_key == SECOND
    (change,) = entry.changes["xiaomi"]
    assert isinstance(change, AddKey) and change.activate and change.key.label == "new"


def test_adding_a_key_already_in_the_list_selects_it(qtbot: QtBot) -> None:
    first = new_key(FIRST, "work")
    dialog = open_dialog(qtbot, make_book({"xiaomi": KeyList((first,), first.id)}))
    add_key(qtbot, dialog, FIRST)
    assert len(rows(dialog)) == 1
    assert "already stored as work" in dialog.key_status.text()
    assert dialog.key.text() == ""


def test_a_key_with_spaces_cannot_be_added(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, make_book())
    qtbot.keyClicks(dialog.key, "sk-abc def")
    assert not dialog.add_button.isEnabled()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled()
    assert "no spaces" in dialog.hint.text()


def test_the_show_toggle_works_only_while_a_key_is_typed(qtbot: QtBot) -> None:
    dialog = open_dialog(qtbot, make_book())
    assert not dialog.show_key.isEnabled()
    qtbot.keyClicks(dialog.key, FIRST)
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Password
    dialog.show_key.click()
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Password
    assert not dialog.show_key.isChecked() and not dialog.show_key.isEnabled()


def test_each_provider_shows_its_own_keys(qtbot: QtBot) -> None:
    first = new_key(FIRST, "payg")
    second = new_key(SECOND, "plan")
    book = make_book(
        {"xiaomi": KeyList((first,), first.id), "token-plan-cn": KeyList((second,), second.id)}
    )
    dialog = open_dialog(qtbot, book)
    assert [r[0] for r in rows(dialog)] == ["payg"]
    dialog.provider.setCurrentIndex(dialog.provider.findData("token-plan-cn"))
    assert [r[0] for r in rows(dialog)] == ["plan"]
    assert "Token Plan (China)" in dialog.keys_box.title()
    assert dialog.entry().api_key == SECOND


def test_keys_still_being_read_are_shown_when_they_arrive(qtbot: QtBot) -> None:
    book = KeyBook()
    requests: list[bool] = []
    book.loadRequested.connect(lambda: requests.append(True))
    dialog = open_dialog(qtbot, book)
    assert requests == [True]
    assert "Reading the stored keys" in dialog.key_status.text()
    add_key(qtbot, dialog, SECOND, "typed")  # allowed: changes apply to what is stored
    stored = new_key(FIRST, "stored")
    book.set_list("xiaomi", KeyList((stored,), stored.id))
    assert [r[0] for r in rows(dialog)] == ["stored", "typed"]
    assert active_label(dialog) == "typed"  # added as active while none was known
    book.set_unreadable("mimo-v2", "the keyring is locked")
    dialog.provider.setCurrentIndex(dialog.provider.findData("mimo-v2"))
    assert "could not be read: the keyring is locked" in dialog.key_status.text()


def test_the_environment_key_is_a_row_of_its_own(qtbot: QtBot) -> None:
    first = new_key(FIRST, "work")
    book = make_book({"mimo-v2": KeyList((first,), first.id)}, env_key=ENV_KEY + "-0123456789")
    book.env_in_use = True
    dialog = open_dialog(qtbot, book, provider_id="mimo-v2")
    assert [(r[0], r[3]) for r in rows(dialog)] == [
        ("MIMO_API_KEY, this run only", "Active"),
        ("work", ""),
    ]
    select(dialog, "MIMO_API_KEY, this run only")
    assert not dialog.rename_button.isEnabled() and not dialog.remove_button.isEnabled()
    entry = dialog.entry()
    assert entry.use_env and entry.api_key is None and entry.changes == {}

    select(dialog, "work")
    dialog.activate_button.click()
    assert active_label(dialog) == "work"
    entry = dialog.entry()
    assert not entry.use_env and entry.api_key == FIRST
    assert entry.changes == {}  # "work" was the stored active key already

    dialog.key_list.setCurrentItem(dialog.key_list.topLevelItem(0))
    assert dialog.key_list.currentItem().data(0, Qt.ItemDataRole.UserRole) == ENV_ROW  # type: ignore[union-attr]
    dialog.activate_button.click()
    assert dialog.entry().use_env


def test_a_refused_key_suggests_another_one_when_there_are_several(qtbot: QtBot) -> None:
    first = new_key(FIRST, "work")
    dialog = open_dialog(
        qtbot,
        make_book({"xiaomi": KeyList((first,), first.id)}),
        reason="The API key was rejected (401).",
    )
    assert not dialog.rotate_hint.isVisible()  # one key: nothing else to choose
    add_key(qtbot, dialog, SECOND)
    assert dialog.rotate_hint.isVisible()
    assert "Make active" in dialog.rotate_hint.text()


def test_the_key_list_works_from_the_keyboard(qtbot: QtBot) -> None:
    first = new_key(FIRST, "work")
    second = new_key(SECOND, "home", taken=[first.id])
    dialog = open_dialog(qtbot, make_book({"xiaomi": KeyList((first, second), first.id)}))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    tree = dialog.key_list
    assert dialog.focusWidget() is tree  # keys are listed: the list has the focus
    qtbot.keyClick(tree, Qt.Key.Key_Down)
    assert tree.currentItem() is not None and tree.currentItem().text(0) == "home"  # type: ignore[union-attr]
    qtbot.keyClick(tree, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Make &active
    qtbot.waitUntil(lambda: active_label(dialog) == "home")  # a mnemonic animates the click

    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: tree.state() == QAbstractItemView.State.EditingState)
    editor = tree.viewport().findChild(QLineEdit)
    assert editor is not None
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tree.state() != QAbstractItemView.State.EditingState)
    assert dialog.isVisible()  # Escape left the rename, not the dialog
    assert rows(dialog)[1][0] == "home"

    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: dialog.confirm_box is not None and dialog.confirm_box.isVisible())
    box = dialog.confirm_box
    assert box is not None
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # the safe answer
    qtbot.waitUntil(lambda: dialog.confirm_box is None)
    assert dialog.isVisible() and len(rows(dialog)) == 2


def test_every_control_has_an_accessible_name_and_a_sensible_tab_order(qtbot: QtBot) -> None:
    first = new_key(FIRST, "work")
    dialog = open_dialog(qtbot, make_book({"xiaomi": KeyList((first,), first.id)}))
    controls = [
        w
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus
        and w.isVisibleTo(dialog)
        and not w.objectName().startswith("qt_")
        and w.parent() is not dialog.key_list  # the list's own viewport and scroll bars
        and not isinstance(w, QDialogButtonBox)
    ]
    buttons = set(dialog.buttons.buttons())
    nameless = [
        f"{type(w).__name__}#{w.objectName()}"
        for w in controls
        if not w.accessibleName() and w not in buttons and not isinstance(w, QAbstractButton)
    ]
    assert nameless == []
    focusable = [
        b for b in dialog.findChildren(QAbstractButton) if b.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]  # not the line edit's own clear button
    assert all(b.text() or b.accessibleName() for b in focusable)
    expected = [
        dialog.provider,
        dialog.key_list,
        dialog.activate_button,
        dialog.rename_button,
        dialog.remove_button,
        dialog.key,
    ]  # the base URL is read-only and the format combo hidden for a preset
    chain = [dialog.provider]
    while len(chain) < len(expected):
        widget = chain[-1].nextInFocusChain()
        while (
            not (widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(dialog))
            or (widget is dialog.base_url)
            or widget.parent() is dialog.key_list
        ):
            widget = widget.nextInFocusChain()
        chain.append(widget)
    assert chain == expected


def test_the_dialog_shows_only_translatable_text(qtbot: QtBot, tmp_path: Path) -> None:
    marker = CatalogueTranslator(catalogue())
    QCoreApplication.installTranslator(marker)
    translation.install(QCoreApplication.translate)
    try:
        first = new_key(FIRST, "work")
        book = make_book({"xiaomi": KeyList((first,), first.id)}, env_key="sk-env-0123456789")
        book.env_in_use = True
        book.storage_warning = FileStore(tmp_path / "secrets.json").warning
        dialog = open_dialog(qtbot, book)
        add_key(qtbot, dialog, SECOND, "home")
        data = {p.name for p in PRESETS.values()} | {"work", "home", "sk-..."}
        data |= {"https://api.xiaomimimo.com/v1", "Save", "Cancel"}  # Qt's: qtbase_<lang>.qm
        assert untranslated_texts(dialog, allowed=data) == []
        header = dialog.key_list.headerItem()
        assert all(MARK_OPEN in header.text(c) for c in range(4))
        assert MARK_OPEN in rows(dialog)[0][0] and MARK_OPEN in rows(dialog)[0][3]
    finally:
        QCoreApplication.removeTranslator(marker)
        translation.install(None)


# --- the running app -----------------------------------------------------------------------


def store_keys(tmp_path: Path, provider_id: str, *keys: tuple[str, str]) -> list[ApiKey]:
    """Keys stored before the app starts, as start_app's file store will find them."""
    store = ApiKeyStore(FileStore(tmp_path / "mimo" / "config" / "secrets.json"))
    made: list[ApiKey] = []
    for secret, label in keys:
        made.append(new_key(secret, label, taken=[k.id for k in made]))
    store.update(provider_id, [AddKey(key) for key in made])
    return made


def secrets_file(app: RunningApp) -> FileStore:
    return FileStore(app.data_dir / "config" / "secrets.json")


def authorization(app: RunningApp) -> str:
    return app.sim.requests[-1].headers.get("authorization", "")


def dialog_of(app: RunningApp) -> KeyDialog:
    app.qtbot.waitUntil(lambda: app.key_dialog.dialog is not None)
    dialog = app.key_dialog.dialog
    assert dialog is not None
    app.qtbot.waitUntil(dialog.isVisible)
    return dialog


def save(app: RunningApp, dialog: KeyDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert button.isEnabled()
    app.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    app.qtbot.waitUntil(lambda: app.key_dialog.dialog is None)


def models_asked_with(app: RunningApp, secret: str) -> bool:
    return any(r.path.endswith("/models") and r.api_key == secret for r in app.sim.requests)


Launch = Callable[..., RunningApp]


@pytest.fixture
def launch(qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path) -> Iterator[Launch]:
    """Starts the app once the test has stored its keys; stops it after the test."""
    running: list[Iterator[RunningApp]] = []

    def go(api_key: str | None = None) -> RunningApp:
        app = start_app(qtbot, qloop, sim, tmp_path, api_key=api_key)
        running.append(app)
        return next(app)

    yield go
    for app in running:
        next(app, None)


@pytest.fixture
def stored_app(launch: Launch, sim: Simulator, tmp_path: Path) -> RunningApp:
    """The app without MIMO_API_KEY, with two stored keys for the default provider."""
    sim.api_keys = (FIRST, SECOND)
    store_keys(tmp_path, "mimo-v2", (FIRST, "work"), (SECOND, "home"))
    return launch()


def test_after_switching_the_active_key_the_next_request_carries_it(
    stored_app: RunningApp, caplog: pytest.LogCaptureFixture
) -> None:
    app = stored_app
    caplog.set_level(logging.DEBUG)
    app.qtbot.waitUntil(lambda: models_asked_with(app, FIRST))
    app.send("one")
    app.wait_idle()
    assert app.replies()[-1].text == "Echo: one"
    assert authorization(app) == f"Bearer {FIRST}"

    app.window.key_action.trigger()
    dialog = dialog_of(app)
    assert [(r[0], r[3]) for r in rows(dialog)] == [("work", "Active"), ("home", "")]
    select(dialog, "home")
    dialog.activate_button.click()
    save(app, dialog)

    app.send("two")
    app.wait_idle()
    assert app.replies()[-1].text == "Echo: two"
    assert authorization(app) == f"Bearer {SECOND}"
    app.qtbot.waitUntil(lambda: secrets_file(app).get(key_name("mimo-v2")) == SECOND)
    assert all(FIRST not in r.getMessage() and SECOND not in r.getMessage() for r in caplog.records)
    assert_no_full_key(app.window, FIRST, SECOND)


def test_a_refused_key_opens_the_dialog_and_another_stored_key_gets_the_reply(
    launch: Launch, sim: Simulator, tmp_path: Path
) -> None:
    sim.api_keys = (SECOND,)
    store_keys(tmp_path, "mimo-v2", (REVOKED, "old"), (SECOND, "new"))
    app = launch()
    dialog = dialog_of(app)  # the model refresh got a 401
    assert "rejected" in dialog.reason.text()
    assert dialog.rotate_hint.isVisible()
    assert active_label(dialog) == "old"
    select(dialog, "new")
    dialog.activate_button.click()
    save(app, dialog)
    app.qtbot.waitUntil(lambda: models_asked_with(app, SECOND))
    app.sim.default_plan = Plan(content="Welcome back.")
    app.send("hello")
    app.wait_idle()
    assert app.replies()[-1].text == "Welcome back."
    assert authorization(app) == f"Bearer {SECOND}"


def test_mimo_api_key_is_used_for_this_run_only_beside_the_stored_keys(
    launch: Launch, sim: Simulator, tmp_path: Path
) -> None:
    sim.api_keys = (ENV_KEY, SECOND)
    store_keys(tmp_path, "mimo-v2", (SECOND, "home"))
    app = launch(ENV_KEY)
    app.window.key_action.trigger()
    dialog = dialog_of(app)
    app.qtbot.waitUntil(lambda: len(rows(dialog)) == 2)  # read on demand
    assert [(r[0], r[3]) for r in rows(dialog)] == [
        ("MIMO_API_KEY, this run only", "Active"),
        ("home", ""),
    ]
    select(dialog, "home")
    dialog.activate_button.click()
    save(app, dialog)
    app.send("stored")
    app.wait_idle()
    assert authorization(app) == f"Bearer {SECOND}"

    app.window.key_action.trigger()
    dialog = dialog_of(app)
    assert active_label(dialog) == "home"
    select(dialog, "MIMO_API_KEY, this run only")
    dialog.activate_button.click()
    save(app, dialog)
    app.send("environment")
    app.wait_idle()
    assert authorization(app) == f"Bearer {ENV_KEY}"
    text = (app.data_dir / "config" / "secrets.json").read_text()
    assert ENV_KEY + '"' not in text  # never stored


def test_a_corrupt_key_list_does_not_stop_start_up(
    launch: Launch, sim: Simulator, tmp_path: Path
) -> None:
    sim.api_keys = (FIRST,)
    store_keys(tmp_path, "mimo-v2", (FIRST, "work"), (SECOND, "home"))
    secrets = FileStore(tmp_path / "mimo" / "config" / "secrets.json")
    secrets.set(index_name("mimo-v2"), "{ this is not json")
    app = launch()
    app.qtbot.waitUntil(lambda: models_asked_with(app, FIRST))
    status = app.window.statusBar()
    app.qtbot.waitUntil(lambda: "could not be read" in status.currentMessage())
    assert app.key_dialog.dialog is None  # the active key works: nothing to ask
    app.window.key_action.trigger()
    dialog = dialog_of(app)
    assert [(r[0], r[3]) for r in rows(dialog)] == [("", "Active")]
    assert "add any other keys again" in dialog.key_status.text()


def test_a_keyring_that_cannot_be_read_asks_for_a_key_and_says_it_was_not_stored(
    qtbot: QtBot, qloop: AppEventLoop, tmp_path: Path
) -> None:
    http = httpx.AsyncClient()
    connection = Connection(http, base_url="http://127.0.0.1:9/v1")
    preferences = Preferences(Settings(), tmp_path / "settings.json")
    keys = KeyController(
        connection,
        preferences,
        tmp_path,
        store_factory=lambda _folder: KeyringStore(LockedKeyring()),
    )
    try:
        with qtbot.waitSignal(keys.keyMissing):
            keys.load()
        assert connection.api_key is None
        qtbot.waitUntil(lambda: len(keys.book.unreadable) == len(PRESETS))
        assert "KeyringLocked" in keys.book.unreadable["mimo-v2"]
        dialog = open_dialog(qtbot, keys.book, provider_id="mimo-v2")
        assert "could not be read" in dialog.key_status.text()
        qtbot.keyClicks(dialog.key, FIRST)
        with qtbot.waitSignal(keys.saveFailed) as failed:
            keys.save(dialog.entry())
        assert connection.api_key == FIRST  # used for this session all the same
        assert "could not be stored" in failed.args[0]
        assert FIRST not in failed.args[0]
    finally:
        closing = qloop.create_task(http.aclose())
        qtbot.waitUntil(closing.done)
        flushing = qloop.create_task(preferences.flush())
        qtbot.waitUntil(flushing.done)
