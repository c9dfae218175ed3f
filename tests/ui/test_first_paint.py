"""Start-up in two steps: the window's outline paints first, its widgets are built after."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSplitter, QWidget
from pytestqt.qtbot import QtBot

from app.__main__ import complete_window, show_frame
from app.core.settings_peek import SETTINGS_FILE_NAME
from app.ui.first_paint import BOTTOM_BAR, SIDEBAR_WIDTH, TOP_BAR, PaintWatch, WindowSkeleton
from app.ui.main_window import MainWindow
from app.ui.theme import ThemeManager, is_dark

REPO = Path(__file__).resolve().parents[2]

# What the first paint must not wait for: the window's widget modules, the full
# settings (model catalogue, providers), asyncio, HTTP, the store and the audio stack.
NOT_BEFORE_FIRST_PAINT = (
    "app.ui.chat_view",
    "app.ui.composer",
    "app.ui.history_sidebar",
    "app.ui.tts_panel",
    "app.ui.style",
    "app.core.settings",
    "app.core.catalogue",
    "asyncio",
    "httpx",
    "sqlite3",
    "numpy",
)


@pytest.fixture
def qapp_theme(qapp: QApplication) -> Iterator[QApplication]:
    """Puts the desktop's palette back after a test that changed the theme."""
    yield qapp
    ThemeManager(qapp).apply("system")


def write_settings(folder: Path, **values: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE_NAME).write_text(json.dumps(values), encoding="utf-8")
    return folder


def pixel_is_dark(widget: QWidget, x: int, y: int) -> bool:
    return widget.grab().toImage().pixelColor(x, y).lightness() < 110


def test_the_window_module_and_the_outline_load_without_the_heavy_modules() -> None:
    probe = (
        "import sys, app.__main__; "
        "print(','.join(name for name in sys.modules if name in sys.argv[1].split(',')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, ",".join(NOT_BEFORE_FIRST_PAINT)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "", result.stdout


def test_the_outline_shows_the_layout_in_the_saved_dark_theme_then_the_widgets_replace_it(
    qtbot: QtBot, qapp_theme: QApplication, tmp_path: Path
) -> None:
    config = write_settings(tmp_path, theme="dark", language="en", sidebar_visible=True)
    window, theme = show_frame(qapp_theme, config)
    qtbot.addWidget(window)
    assert theme is not None and theme.dark
    skeleton = window.centralWidget()
    assert isinstance(skeleton, WindowSkeleton)
    assert window.isVisible()
    height = skeleton.height()
    assert skeleton.chat.geometry().left() == SIDEBAR_WIDTH
    assert skeleton.chat.geometry().top() == TOP_BAR
    assert skeleton.chat.geometry().bottom() == height - BOTTOM_BAR - 1
    assert pixel_is_dark(skeleton, SIDEBAR_WIDTH + 50, TOP_BAR + 50)
    assert not hasattr(window, "chat_view")  # nothing built yet

    look = complete_window(qapp_theme, window, theme, config)
    assert look.theme is theme
    assert isinstance(window.centralWidget(), QSplitter)
    qtbot.waitUntil(lambda: window.findChild(WindowSkeleton) is None, timeout=3000)
    assert window.chat_view.isVisible()
    assert window.menuBar().actions()[0].text() == "&File"
    assert is_dark(QGuiApplication.palette())
    assert pixel_is_dark(window.chat_view, 20, 20)


def test_without_saved_settings_the_outline_keeps_the_desktop_palette(
    qtbot: QtBot, qapp_theme: QApplication, tmp_path: Path
) -> None:
    palette = QGuiApplication.palette()
    window, theme = show_frame(qapp_theme, tmp_path / "missing")
    qtbot.addWidget(window)
    assert theme is None  # "system": the colour scheme is asked for after the paint
    assert QGuiApplication.palette() == palette
    skeleton = window.centralWidget()
    assert isinstance(skeleton, WindowSkeleton)
    assert skeleton.chat.geometry().left() == SIDEBAR_WIDTH


def test_a_hidden_sidebar_is_left_out_of_the_outline_and_of_the_built_window(
    qtbot: QtBot, qapp_theme: QApplication, tmp_path: Path
) -> None:
    config = write_settings(tmp_path, sidebar_visible=False, language="en")
    window, theme = show_frame(qapp_theme, config)
    qtbot.addWidget(window)
    skeleton = window.centralWidget()
    assert isinstance(skeleton, WindowSkeleton)
    assert skeleton.chat.geometry().left() == 0
    complete_window(qapp_theme, window, theme or ThemeManager(qapp_theme), config)
    assert not window.sidebar.isVisible()
    assert not window.toggle_sidebar_action.isChecked()


def test_the_saved_geometry_is_used_for_the_outline(
    qtbot: QtBot, qapp_theme: QApplication, tmp_path: Path
) -> None:
    sized = MainWindow(build=False)
    qtbot.addWidget(sized)
    sized.resize(700, 500)
    geometry = bytes(sized.saveGeometry().toBase64().data()).decode("ascii")
    config = write_settings(tmp_path, window_geometry=geometry)
    window, _theme = show_frame(qapp_theme, config)
    qtbot.addWidget(window)
    assert (window.width(), window.height()) == (700, 500)


def test_paint_watch_reports_a_paint_and_gives_up_on_a_window_never_shown(
    qtbot: QtBot,
) -> None:
    shown = QWidget()
    qtbot.addWidget(shown)
    watch = PaintWatch(shown)
    shown.show()
    assert watch.wait(timeout_ms=3000)
    assert watch.wait(timeout_ms=0)  # already painted: no second wait
    hidden = QWidget()
    qtbot.addWidget(hidden)
    assert not PaintWatch(hidden).wait(timeout_ms=30)
