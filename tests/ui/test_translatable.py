"""Every text the window shows can be translated (see :mod:`tests.ui.i18n_check`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from app.api import translation
from app.ui.event_loop import AppEventLoop
from app.ui.i18n import LANGUAGE_NAMES
from tests.sim import Simulator
from tests.ui.conftest import RunningApp, start_app
from tests.ui.i18n_check import CatalogueTranslator, catalogue, untranslated_texts

# Data the window shows as it is: model names and ids, the app's name, and the names of
# the languages (each written in its own language, as language menus do).
DATA = frozenset(
    {"MiMo Desktop", "MiMo-V2-Pro", "MiMo-V2-Flash", "MiMo-V2-Omni", "MiMo-V2-TTS"}
    | set(LANGUAGE_NAMES.values())
)


@pytest.fixture
def marked_app(
    qtbot: QtBot, qloop: AppEventLoop, sim: Simulator, tmp_path: Path
) -> Iterator[RunningApp]:
    """The app built while a translator marks every text lupdate can extract."""
    marker = CatalogueTranslator(catalogue())
    QCoreApplication.installTranslator(marker)
    translation.install(QCoreApplication.translate)
    try:
        yield from start_app(qtbot, qloop, sim, tmp_path)
    finally:
        QCoreApplication.removeTranslator(marker)
        translation.install(None)


def test_main_window_shows_only_translatable_text(marked_app: RunningApp) -> None:
    window = marked_app.window
    window.show()
    window.tts_panel.show()
    found = untranslated_texts(window, allowed=DATA)
    assert found == [], "\n".join(found)


def test_a_conversation_shows_only_translatable_text(marked_app: RunningApp) -> None:
    window = marked_app.window
    window.show()
    marked_app.send("Hello there")
    marked_app.wait_idle()
    allowed = DATA | {"Hello there"} | {reply.text for reply in marked_app.replies()}
    assert untranslated_texts(window.chat_view, allowed=allowed) == []
