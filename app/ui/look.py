"""The look of the app as the user chose it: theme (light/dark) and language.

Made before the main window (so its first paint already has the right colours and
words) and handed to :func:`app.assembly.build`, which wires the menu choices to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QApplication

from app.core.resources import translations_dir
from app.core.settings import Settings
from app.ui.i18n import Translations
from app.ui.theme import ThemeManager


@dataclass
class Look:
    theme: ThemeManager
    translations: Translations

    @classmethod
    def for_app(cls, app: QApplication, settings: Settings) -> Look:
        """Apply ``settings``' theme and language to ``app``."""
        look = cls(ThemeManager(app), Translations(translations_dir()))
        look.theme.apply(settings.theme)
        look.translations.apply(settings.language)
        return look
