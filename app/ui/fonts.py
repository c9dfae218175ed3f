"""A Chinese font for machines that have none, so Chinese text shows as characters.

Qt draws a character that no font covers as an empty box, and a bare Linux install
(Debian without ``fonts-noto-cjk``, a minimal container) often has no Chinese font at
all. The PyInstaller bundle therefore carries one in the fonts resource folder
(:func:`app.core.resources.fonts_dir`); :func:`ensure_cjk_font` registers it, only when
the system has no font for Simplified Chinese. Qt's font fallback then uses it for any
Chinese text, in every widget, with no font set anywhere else.

Call it once the window has painted: asking the font database about writing systems
costs a few milliseconds, registering a 20 MB font collection about 20 ms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtGui import QFontDatabase

from app.core.resources import fonts_dir

_log = logging.getLogger(__name__)

SIMPLIFIED_CHINESE = QFontDatabase.WritingSystem.SimplifiedChinese
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# A collection such as Noto Sans CJK holds one family per region; these name the
# mainland-Chinese one, whose glyph shapes match Simplified Chinese text.
_SIMPLIFIED_MARKERS = (" SC", " CN", " GB", "Hei", "Song")


def system_has_cjk_font() -> bool:
    """Whether some installed font covers Simplified Chinese."""
    return bool(QFontDatabase.families(SIMPLIFIED_CHINESE))


def font_files(folder: Path) -> list[Path]:
    """The font files directly in ``folder``, by name (none when it does not exist)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)


def pick_simplified_chinese(families: Iterable[str]) -> str | None:
    """The family best suited to Simplified Chinese among ``families``, if any covers it."""
    covering = [f for f in families if SIMPLIFIED_CHINESE in QFontDatabase.writingSystems(f)]
    for family in covering:
        if any(marker in family for marker in _SIMPLIFIED_MARKERS) and "Mono" not in family:
            return family
    return covering[0] if covering else None


def register_fonts(files: Iterable[Path]) -> list[str]:
    """Register font files with Qt for this process; the families they added."""
    families: list[str] = []
    for path in files:
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            _log.warning("Qt could not load the font file %s", path)
            continue
        families.extend(QFontDatabase.applicationFontFamilies(font_id))
    return families


def ensure_cjk_font(
    folder: Path | None = None,
    *,
    system_has_font: Callable[[], bool] = system_has_cjk_font,
) -> str | None:
    """Make Chinese text readable where no installed font covers it.

    Args:
        folder: Where to look for font files; the app's fonts resource folder by default.
        system_has_font: Whether the system already covers Simplified Chinese (a
            parameter so tests can play a machine without a Chinese font).

    Returns:
        The family registered for Simplified Chinese, or None when the system already
        has one or the folder holds no font that covers it.
    """
    if system_has_font():
        return None
    files = font_files(fonts_dir() if folder is None else folder)
    if not files:
        return None
    family = pick_simplified_chinese(register_fonts(files))
    if family is None:
        _log.warning("No font for Simplified Chinese among %s", ", ".join(map(str, files)))
    return family
