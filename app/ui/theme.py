"""Light and dark: the palette the whole app is drawn with.

The style sheet (:mod:`app.ui.style`) and the markdown colours are all built on the
palette, so a theme is just a palette. ``"system"`` follows the desktop's colour scheme
(Qt's ``QStyleHints.colorScheme``, live when the desktop switches); ``"light"`` and
``"dark"`` override it. Where the desktop's own palette already matches the wanted
scheme it is kept (its accent colours stay); otherwise the app's own palette is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from PySide6.QtCore import Qt

SYSTEM, LIGHT, DARK = "system", "light", "dark"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_LIGHT_COLOURS = {  # role name -> colour; the enums are looked up only when used
    "Window": "#f4f5f7",
    "WindowText": "#1f2328",
    "Base": "#ffffff",
    "AlternateBase": "#eef1f5",
    "ToolTipBase": "#ffffff",
    "ToolTipText": "#1f2328",
    "PlaceholderText": "#8b929c",
    "Text": "#1f2328",
    "Button": "#f6f7f9",
    "ButtonText": "#1f2328",
    "BrightText": "#d1242f",
    "Light": "#ffffff",
    "Midlight": "#dde1e6",
    "Mid": "#6e7781",
    "Dark": "#a0a7b0",
    "Shadow": "#8c959f",
    "Highlight": "#ff6900",
    "HighlightedText": "#ffffff",
    "Link": "#0969da",
    "LinkVisited": "#8250df",
    "Accent": "#ff6900",
}

_DARK_COLOURS = {
    "Window": "#1e1f22",
    "WindowText": "#e6e7ea",
    "Base": "#26272b",
    "AlternateBase": "#303136",
    "ToolTipBase": "#303136",
    "ToolTipText": "#e6e7ea",
    "PlaceholderText": "#868a93",
    "Text": "#e6e7ea",
    "Button": "#2d2e33",
    "ButtonText": "#e6e7ea",
    "BrightText": "#ff7b72",
    "Light": "#3a3b41",
    "Midlight": "#3d3f45",
    "Mid": "#9ba1aa",
    "Dark": "#17181a",
    "Shadow": "#000000",
    "Highlight": "#ff7a1a",
    "HighlightedText": "#ffffff",
    "Link": "#58a6ff",
    "LinkVisited": "#bc8cff",
    "Accent": "#ff7a1a",
}


def _palette(colours: dict[str, str]) -> QPalette:
    palette = QPalette()
    for role, name in colours.items():
        colour_role: QPalette.ColorRole = getattr(Role, role)
        palette.setColor(colour_role, QColor(name))
    disabled_text = QColor(colours["Mid"])
    disabled_text.setAlpha(150)
    for text_role in (Role.WindowText, Role.Text, Role.ButtonText):
        palette.setColor(Group.Disabled, text_role, disabled_text)
    return palette


def light_palette() -> QPalette:
    return _palette(_LIGHT_COLOURS)


def dark_palette() -> QPalette:
    return _palette(_DARK_COLOURS)


def is_dark(palette: QPalette) -> bool:
    """Whether the palette draws light text on a dark base."""
    base = palette.color(Role.Base)
    text = palette.color(Role.Text)
    return text.lightness() > base.lightness()


def system_is_dark() -> bool:
    from PySide6.QtCore import Qt  # see early_theme

    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def restyle(app: QApplication) -> None:
    """Make style sheets take the new palette (Qt resolves ``palette(...)`` at polish)."""
    for widget in app.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet("")
            widget.setStyleSheet(sheet)


class ThemeManager(QObject):
    """Applies the chosen theme and follows the desktop while it is ``"system"``.

    Signals:
        themeChanged(bool): the palette changed; True when it is now dark.
    """

    themeChanged = Signal(bool)

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._desktop = QPalette(app.palette())  # what the platform gave us
        self.choice = SYSTEM
        self.dark = is_dark(self._desktop)
        app.styleHints().colorSchemeChanged.connect(self._desktop_changed)

    def apply(self, choice: str) -> bool:
        """Use ``choice`` (``system``/``light``/``dark``); returns whether it is dark."""
        self.choice = choice if choice in (SYSTEM, LIGHT, DARK) else SYSTEM
        want_dark = system_is_dark() if self.choice == SYSTEM else self.choice == DARK
        if is_dark(self._desktop) == want_dark:
            palette = self._desktop
        else:
            palette = dark_palette() if want_dark else light_palette()
        changed = want_dark != self.dark or palette != self._app.palette()
        self._app.setPalette(palette)
        if changed:
            restyle(self._app)
        self.dark = want_dark
        if changed:
            self.themeChanged.emit(want_dark)
        return want_dark

    def _desktop_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == SYSTEM:
            self._app.setPalette(QPalette())  # back to the platform's, to read it anew
            self._desktop = QPalette(self._app.palette())
            self.apply(SYSTEM)


def early_theme(app: QApplication, choice: str) -> ThemeManager | None:
    """The theme to apply before the window's first paint; None while it is ``"system"``.

    Reading a palette or asking Qt for the desktop's colour scheme sets up the ~90 enums
    of the ``Qt`` namespace (~10 ms, a tenth of a bare window's start), so following
    the desktop waits until the window is on screen: until then the window has the
    desktop's own palette, which a desktop with a dark scheme nearly always makes dark.
    A light or dark choice is applied at once, so the window never shows the wrong one.
    """
    if choice not in (LIGHT, DARK):
        return None
    theme = ThemeManager(app)
    theme.apply(choice)
    return theme
