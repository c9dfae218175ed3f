"""The attachments, recording, speech, history, search and transfer texts can be translated.

As :mod:`tests.ui.test_translatable`, with a translator that marks every text lupdate
extracts (see :mod:`tests.ui.i18n_check`): what shows unmarked could never be
translated. Texts made of several translated pieces (a file's problem naming its
format and what is wrong with it) must show a mark for each piece. The last test
switches the language of a running window: the long-lived widgets say their texts
again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu
from pytestqt.qtbot import QtBot

import tests.ui.conftest as ui_conftest
from app.api import translation
from app.assembly import build
from app.audio.backend import NO_INPUT_DEVICE, NO_OUTPUT_DEVICE, AudioError, message
from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.ui.event_loop import AppEventLoop
from app.ui.history_model import HEADER_ROLE
from app.ui.history_sidebar import HistorySidebar
from tests import media_samples as samples
from tests.audio.fake_input import FakeMicrophone
from tests.audio.fakes import RecordingSink
from tests.sim import Simulator
from tests.ui.conftest import RunningApp, start_app
from tests.ui.i18n_check import MARK_OPEN, CatalogueTranslator, catalogue, untranslated_texts
from tests.ui.test_attachments import chips, drop, settled
from tests.ui.test_transfer_window import choose_file, status
from tests.ui.test_tts_panel import FakeDevices, open_panel, speak

DATA = frozenset({"MiMo Desktop", "MiMo-V2-Pro", "MiMo-V2-Flash", "MiMo-V2-Omni", "MiMo-V2-TTS"})
_TAGS = re.compile(r"<[^>]+>")
# An open popup asks the platform to raise it and grab the keyboard; offscreen cannot.
POPUP = pytest.mark.qt_log_ignore(
    r"This plugin does not support raise\(\)",
    "This plugin does not support grabbing the keyboard",
    extend=True,
)


@contextmanager
def marking() -> Iterator[None]:
    """While inside, every text lupdate extracts shows as ``⟦text⟧``."""
    marker = CatalogueTranslator(catalogue())
    QCoreApplication.installTranslator(marker)
    translation.install(QCoreApplication.translate)
    try:
        yield
    finally:
        QCoreApplication.removeTranslator(marker)
        translation.install(None)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink(blocksize=480, realtime=True, speed=4.0)


@pytest.fixture
def devices() -> FakeDevices:
    return FakeDevices()


@pytest.fixture
def fake_audio(monkeypatch: pytest.MonkeyPatch, sink: RecordingSink, devices: FakeDevices) -> None:
    """The app is built with the fake sound device and device list."""
    monkeypatch.setattr(
        ui_conftest, "build", functools.partial(build, audio_output=sink, audio_devices=devices)
    )


@pytest.fixture
def marked_app(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path, fake_audio: None
) -> Iterator[RunningApp]:
    """The app built while a translator marks every text lupdate can extract."""
    with marking():
        yield from start_app(qtbot, qloop, sim, tmp_path)


@pytest.fixture
def app(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path, fake_audio: None
) -> Iterator[RunningApp]:
    """The app in English (no translator), with the fake sound device."""
    yield from start_app(qtbot, qloop, sim, tmp_path)


def marks(text: str) -> int:
    """How many translated pieces ``text`` is made of."""
    return text.count(MARK_OPEN)


def action_problems(actions: list[QAction]) -> list[str]:
    """The texts of these actions (separators aside) that show no mark."""
    return [a.text() for a in actions if not a.isSeparator() and MARK_OPEN not in a.text()]


def test_the_composer_and_its_chips_show_only_translatable_text(
    marked_app: RunningApp, tmp_path: Path
) -> None:
    app = marked_app
    files = [
        samples.write(tmp_path, "photo.png", samples.png(64, 48)),
        samples.write(tmp_path, "voice.wav", samples.audio("WAV", seconds=2.0)),
        samples.write(tmp_path, "walk.mov", samples.iso_media(b"qt  ", 12.0)),
    ]
    broken = {b.name: b for b in samples.BROKEN}
    rejected = [
        samples.write(tmp_path, name, broken[name].make())
        for name in ("notes.jpg", "cut.png", "noise.bin")
    ]
    drop(app, [*files, *rejected])
    settled(app, 6)
    image, sound, video, text_file, cut, noise = chips(app)
    # A chip's name and its "PNG · 64x48 · 1.2 KB" are data: shown as they are.
    data = DATA | {chip.state.name for chip in chips(app)}
    data |= {chip.detail.text() for chip in (image, sound, video)}
    assert untranslated_texts(app.window.composer, allowed=data) == []
    assert untranslated_texts(app.window.attachment_pane, allowed=data) == []
    assert marks(text_file.detail.text()) == 2  # "{name} is {what}, not an image."
    assert marks(cut.detail.text()) == 3  # "{name} looks like {format}, ...: {detail}."
    assert marks(noise.detail.text()) == 2  # "... Omni can read. {supported}"
    menu = video.options_button.menu()
    assert isinstance(menu, QMenu)
    assert action_problems(menu.actions()) == []

    app.window.composer.edit.setPlainText("Look at these")
    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Return)
    assert marks(app.window.statusBar().currentMessage()) == 1  # remove the red files


def test_the_offer_to_switch_to_omni_shows_only_translatable_text(
    marked_app: RunningApp, tmp_path: Path
) -> None:
    app = marked_app
    app.window.model_picker.select("mimo-v2-flash")
    drop(app, [samples.write(tmp_path, "photo.png", samples.png())])
    settled(app, 1)
    bar = app.window.offer_bar
    app.qtbot.waitUntil(bar.isVisible)
    assert untranslated_texts(bar, allowed=DATA) == []


def test_the_recording_bar_and_a_missing_microphone_show_only_translatable_text(
    marked_app: RunningApp,
) -> None:
    app = marked_app
    mic = FakeMicrophone()
    app.parts.attachments.recorder.recorder.stream_factory = mic
    composer = app.window.composer
    bar = composer.recording_bar
    app.qtbot.mouseClick(composer.record_button, Qt.MouseButton.LeftButton)
    assert bar.isVisible()
    mic.push([4096] * 16000)
    app.qtbot.waitUntil(lambda: "0:01" in bar.time.text())
    assert untranslated_texts(composer, allowed=DATA) == []
    app.qtbot.mouseClick(bar.cancel_button, Qt.MouseButton.LeftButton)

    # The backend raises its English message translated, as the real one does.
    app.parts.attachments.recorder.recorder.stream_factory = FakeMicrophone(
        fail=message(NO_INPUT_DEVICE)
    )
    app.qtbot.mouseClick(composer.record_button, Qt.MouseButton.LeftButton)
    assert marks(app.window.statusBar().currentMessage()) == 1


def test_the_speech_panel_shows_only_translatable_text(
    marked_app: RunningApp, sink: RecordingSink, devices: FakeDevices
) -> None:
    app = marked_app
    panel = open_panel(app)
    app.qtbot.waitUntil(lambda: panel.device.count() == 1 + len(devices.devices))
    panel.set_devices(devices.devices, "USB headset")  # the chosen one is not connected
    panel.set_models(["mimo-v2-tts", "mimo-v2-tts-pro"])  # a choice: the model row shows
    data = DATA | {d.name for d in devices.devices} | {"mimo-v2-tts", "mimo-v2-tts-pro"}
    assert panel.voice.count() >= 3
    assert untranslated_texts(panel, allowed=data) == []

    speak(app, "")
    assert marks(panel.message.text()) == 1  # "Type something to speak first."
    assert untranslated_texts(panel, allowed=data) == []

    sink.fail_open = AudioError(message(NO_OUTPUT_DEVICE))
    speak(app, "Is anyone there?")
    app.qtbot.waitUntil(lambda: "No sound output device" in panel.message.text())
    assert untranslated_texts(panel, allowed=data | {"Is anyone there?"}) == []


def make_history(app: RunningApp) -> dict[str, str]:
    """Conversations last active today, yesterday ... years ago, one pinned, one untitled.

    Returns:
        Their titles by id.
    """
    now = datetime.now()
    ages = {
        "Pinned plans": 0,
        "Apples today": 0,
        "": 0,
        "Pears yesterday": 1,
        "Plums this week": 4,
        "Cherries this month": 20,
        "Figs a while ago": 75,
        "Grapes long ago": 3 * 366,
    }
    titles: dict[str, str] = {}
    for title, days in ages.items():
        moment = (now - timedelta(days=days)).timestamp()
        with Store.open(app.data_dir / "data" / DATABASE_NAME, clock=lambda m=moment: m) as store:
            row = store.create_conversation(title=title)
            if title == "Pinned plans":
                store.set_pinned(row.id, True)
        titles[row.id] = title
    app.parts.history.refresh()
    sidebar = app.window.sidebar
    app.qtbot.waitUntil(lambda: sidebar.model.conversation_count() == len(ages))
    return titles


def headings(sidebar: HistorySidebar) -> list[str]:
    model = sidebar.model
    return [
        str(model.index(row, 0).data())
        for row in range(model.rowCount())
        if model.index(row, 0).data(HEADER_ROLE)
    ]


@POPUP
def test_the_history_sidebar_shows_only_translatable_text(marked_app: RunningApp) -> None:
    app = marked_app
    sidebar = app.window.sidebar
    assert sidebar.empty_label.isVisible()
    assert untranslated_texts(sidebar, allowed=DATA) == []

    titles = make_history(app)
    found = headings(sidebar)
    assert len(found) == 7  # pinned, today, yesterday, 7 days, 30 days, a month, a year
    year = str(date.today().year - 3)
    assert [h for h in found if MARK_OPEN not in h] == [year]  # a year is a number
    model = sidebar.model
    rows = [model.index(row, 0) for row in range(model.rowCount())]
    shown_titles = [str(i.data()) for i in rows if not i.data(HEADER_ROLE)]
    assert sorted(t for t in shown_titles if MARK_OPEN not in t) == sorted(
        filter(None, titles.values())
    )
    assert untranslated_texts(sidebar, allowed=DATA | set(titles.values())) == []

    target = next(i for i in rows if i.data() == "Apples today")
    point = sidebar.list.visualRect(target).center()
    sidebar.list.customContextMenuRequested.emit(point)
    (menu,) = [m for m in sidebar.findChildren(QMenu) if m.isVisible()]
    assert len(menu.actions()) == 7
    assert action_problems(menu.actions()) == []
    menu.close()

    sidebar.show_deleted("Apples today")
    assert untranslated_texts(sidebar, allowed=DATA | set(titles.values())) == []


def test_search_results_show_only_translatable_text(marked_app: RunningApp) -> None:
    app = marked_app
    app.send("Apples are red")
    app.wait_idle()
    app.window.new_chat_action.trigger()
    app.send("Apples are green")
    app.wait_idle()
    app.window.search_action.trigger()
    dialog = app.window.search_dialog
    app.qtbot.waitUntil(dialog.isVisible)
    app.qtbot.keyClicks(dialog.field, "apples")
    app.qtbot.waitUntil(lambda: dialog.results.count() >= 2)
    hits = {
        _TAGS.sub(" ", dialog.results.item(i).text()).strip() for i in range(dialog.results.count())
    }
    assert untranslated_texts(dialog, allowed=DATA | hits) == []
    assert marks(dialog.status.text()) == 1
    dialog.close()


def test_an_import_error_shows_only_translatable_text(
    marked_app: RunningApp, tmp_path: Path
) -> None:
    app = marked_app
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"', encoding="utf-8")
    app.window.import_action.trigger()
    app.qtbot.waitUntil(lambda: bool(app.window.findChildren(QFileDialog)))
    (dialog,) = [d for d in app.window.findChildren(QFileDialog) if d.isVisible()]
    assert marks(dialog.windowTitle()) == 1
    assert all(marks(name) == 1 for name in dialog.nameFilters())
    choose_file(app, broken)
    app.qtbot.waitUntil(lambda: "broken.json" in status(app))
    assert marks(status(app)) == 2  # "Could not import {name}: {reason}", the reason


def test_switching_the_language_says_the_long_lived_texts_again(app: RunningApp) -> None:
    window = app.window
    titles = set(make_history(app).values())
    open_panel(app)
    window.composer.set_recording(True)
    window.offer_bar.offer("MiMo-V2-Flash cannot read image.", "Switch to MiMo-V2-Omni")
    assert MARK_OPEN not in window.tts_panel.speak_button.text()
    model = window.sidebar.model
    data = DATA | titles | {"MiMo-V2-Flash cannot read image.", "Switch to MiMo-V2-Omni"}
    data |= {d.name for d in FakeDevices().devices} | {"mimo-v2-tts"}

    with app.qtbot.waitSignal(model.dataChanged), marking():
        # Qt posts LanguageChange to every window; the widgets take it from the queue.
        app.qtbot.waitUntil(lambda: MARK_OPEN in window.tts_panel.windowTitle())
        for widget in (window.composer, window.offer_bar, window.tts_panel, window.sidebar):
            assert untranslated_texts(widget, allowed=data) == []
        assert MARK_OPEN in window.attachment_pane.accessibleName()
        assert all(MARK_OPEN in h for h in headings(window.sidebar)[:-1])  # the year aside
        window.composer.set_recording(False)
    app.qtbot.waitUntil(lambda: MARK_OPEN not in window.tts_panel.speak_button.text())
