"""The look of the app as the user chose it: theme (light/dark) and language.

Made before the main window's widgets (so their first paint already has the right
colours and words) and handed to :func:`app.assembly.build`, which wires the menu
choices to it. At start-up the theme comes first, before the window's first paint
(:mod:`app.__main__`), and the language with the full settings just after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from app.core.resources import translations_dir
from app.ui.i18n import Translations
from app.ui.theme import ThemeManager

if TYPE_CHECKING:
    from app.core.settings import Settings


@dataclass
class Look:
    theme: ThemeManager
    translations: Translations

    @classmethod
    def for_app(cls, app: QApplication, settings: Settings) -> Look:
        """Apply ``settings``' theme and language to ``app``."""
        theme = ThemeManager(app)
        theme.apply(settings.theme)
        return cls.around(theme, settings.language)

    @classmethod
    def around(cls, theme: ThemeManager, language: str) -> Look:
        """The look of a ``theme`` already applied, with ``language`` applied now."""
        look = cls(theme, Translations(translations_dir()))
        look.translations.apply(language)
        return look
