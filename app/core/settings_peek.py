"""The three settings the window needs before its first paint, read without the rest.

Loading the full settings (:func:`app.core.settings.load_settings`) imports the model
catalogue, the providers and the MCP parsing, which costs more than a bare window takes
to paint. The start-up frame (see :mod:`app.__main__`) only needs the theme (so a dark
window is never white, even once), the window's saved geometry and whether the history
sidebar shows. Anything unreadable or of the wrong type reads as the default here; the
full load that follows reports a corrupt file and keeps it aside.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

SETTINGS_FILE_NAME = "settings.json"  # in the config folder
THEMES = ("system", "light", "dark")  # the values of the theme and language settings
LANGUAGES = ("system", "en", "zh_CN")


class EarlySettings(NamedTuple):
    theme: str = "system"
    window_geometry: str | None = None
    sidebar_visible: bool = True


def peek_settings(path: Path) -> EarlySettings:
    """The theme, geometry and sidebar visibility saved in ``path``; never raises."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return EarlySettings()
    if not isinstance(data, dict):
        return EarlySettings()
    theme = data.get("theme")
    geometry = data.get("window_geometry")
    sidebar = data.get("sidebar_visible")
    return EarlySettings(
        theme=theme if theme in THEMES else "system",
        window_geometry=geometry if isinstance(geometry, str) else None,
        sidebar_visible=sidebar if isinstance(sidebar, bool) else True,
    )
