"""The user's language: which one, and Qt translators that put it on screen.

Two languages ship: English (the source text, no translator) and Simplified Chinese
(``mimo_zh_CN.qm``, built from ``resources/i18n/mimo_zh_CN.ts`` by ``pyside6-lrelease``
at install or bundle time). ``"system"`` picks Chinese for any Chinese locale and
English otherwise. Qt's own texts (standard buttons, file dialogs) come from Qt's
``qtbase_<lang>.qm`` when it can be found.

Switching at run time removes the old translators and installs the new ones; Qt then
sends every widget a ``LanguageChange`` event, and the long-lived widgets set their
texts again in ``retranslate()``. Dialogs are made when opened, so they simply come up
in the new language.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app.api import translation
from app.core.resources import TRANSLATION_PREFIX

_log = logging.getLogger(__name__)

ENGLISH = "en"
CHINESE = "zh_CN"
LANGUAGE_NAMES = {ENGLISH: "English", CHINESE: "简体中文"}  # each in its own language


def system_language(locale: QLocale | None = None) -> str:
    """The shipped language closest to ``locale`` (default: the system's)."""
    locale = locale if locale is not None else QLocale.system()
    return CHINESE if locale.language() == QLocale.Language.Chinese else ENGLISH


def resolve_language(setting: str, locale: QLocale | None = None) -> str:
    """The language to show for the ``language`` setting (``"system"`` or a code)."""
    return setting if setting in LANGUAGE_NAMES else system_language(locale)


def qt_translations_dir() -> Path:
    return Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))


class Translations:
    """The translators installed on the application for the current language."""

    def __init__(self, app_dir: Path | None, qt_dir: Path | None = None) -> None:
        self._app_dir = app_dir
        self._qt_dir = qt_dir if qt_dir is not None else qt_translations_dir()
        self._installed: list[QTranslator] = []
        self.language = ENGLISH
        translation.install(QCoreApplication.translate)

    def apply(self, setting: str) -> str:
        """Show ``setting``'s language from now on; returns the language code used."""
        language = resolve_language(setting)
        for old in self._installed:
            QCoreApplication.removeTranslator(old)
        self._installed = []
        if language != ENGLISH:
            files = [(self._qt_dir, f"qtbase_{language}.qm")]
            if self._app_dir is not None:
                files.append((self._app_dir, f"{TRANSLATION_PREFIX}{language}.qm"))
            for folder, name in files:
                self._load(folder / name)
        QLocale.setDefault(QLocale(language))
        self.language = language
        return language

    def _load(self, path: Path) -> None:
        translator = QTranslator()
        if not (path.is_file() and translator.load(str(path))):
            _log.warning("no translations at %s", path)
            return
        QCoreApplication.installTranslator(translator)
        self._installed.append(translator)
