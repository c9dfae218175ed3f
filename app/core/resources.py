"""The app's data files (icons, translations, fonts, Linux desktop files) at run time.

They live in ``resources/`` at the top of the source tree. A wheel and the PyInstaller
bundle carry a copy as the package folder ``app/resources`` (``setup.py``'s build step
and ``packaging/mimo-desktop.spec`` put it there), found with ``importlib.resources``;
a source checkout (an editable install, the tests) has no ``app/resources`` and uses
``resources/`` beside ``app/``. Every caller goes through :func:`resource_path`, so the
three cases look the same. Qt-free: the UI turns these paths into icons and fonts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

APP_ID: Final = "io.github.mimo_desktop.MimoDesktop"
"""The reverse-DNS id: the .desktop file's name, the AppStream id and the icon name."""

TRANSLATION_PREFIX: Final = "mimo_"
"""Compiled translations are ``<translations_dir>/mimo_<locale>.qm`` (e.g. ``mimo_zh_CN``)."""


@cache
def resources_root() -> Path:
    """The folder that holds the resources for this install (it may be missing)."""
    from importlib.resources import files  # ~2.5 ms: not before the window's first paint

    return find_resources_root(files("app"))


def find_resources_root(package: Traversable) -> Path:
    """Where the resources of the package folder ``package`` are (see the module doc)."""
    packaged = package / "resources"
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged  # a wheel install or the PyInstaller bundle
    package_dir = Path(str(package))
    checkout = package_dir.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "resources").is_dir():
        return checkout / "resources"  # a source checkout or an editable install
    return package_dir / "resources"


def resource_path(*parts: str) -> Path:
    """``resources/<parts...>``; the file may not exist (callers decide what that means)."""
    return resources_root().joinpath(*parts)


def icon_path() -> Path:
    """The scalable app icon (SVG)."""
    return resource_path("icons", "mimo-desktop.svg")


def translations_dir() -> Path:
    """The folder of the app's compiled translations (``mimo_<locale>.qm``)."""
    return resource_path("i18n")


def fonts_dir() -> Path:
    """Fonts the app may register itself (the bundle puts a CJK font here)."""
    return resource_path("fonts")


def desktop_file_path() -> Path:
    """The freedesktop.org ``.desktop`` entry."""
    return resource_path("linux", f"{APP_ID}.desktop")


def metainfo_path() -> Path:
    """The AppStream metainfo file."""
    return resource_path("linux", f"{APP_ID}.metainfo.xml")
