"""Composition root: builds every object, wires them in one place, runs the Qt + asyncio loop.

Run as ``mimo-desktop`` or ``python -m app``. ``--base-url`` / ``MIMO_BASE_URL`` point
the app at another endpoint (the simulator in tests), ``MIMO_API_KEY`` gives a key for
this run only, and ``--data-dir`` keeps every file below one folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from app.core.paths import resolve_paths
from app.core.resources import APP_ID
from app.core.settings_peek import SETTINGS_FILE_NAME, peek_settings
from app.ui.first_paint import PaintWatch, WindowSkeleton
from app.ui.main_window import APP_TITLE, MainWindow
from app.ui.theme import ThemeManager, early_theme

if TYPE_CHECKING:
    from app.ui.look import Look

STARTUP_PROBE_ENV = "MIMO_DESKTOP_STARTUP_PROBE"
_IMPORTED_AT = time.perf_counter()


def version() -> str:
    from importlib import metadata  # ~20 ms: only for --version

    try:
        return metadata.version("mimo-desktop")
    except metadata.PackageNotFoundError:
        return "0.0.0+source"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mimo-desktop", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="API base URL (default: the saved provider's)")
    parser.add_argument("--data-dir", help="keep settings, data and cache below this folder")
    parser.add_argument("--ask", metavar="TEXT", help="start a new chat with this question")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser.parse_args(list(argv))


def report(stage: str) -> None:
    """Print ``<stage> <ms since start>`` for start-up benchmarks and the smoke test."""
    if os.environ.get(STARTUP_PROBE_ENV):
        elapsed = (time.perf_counter() - _IMPORTED_AT) * 1000
        print(f"{stage} {elapsed:.1f}", flush=True)


def has_display(env: Mapping[str, str]) -> bool:
    if sys.platform != "linux":
        return True
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(f"mimo-desktop {version()}")
        return 0
    env = os.environ
    if not has_display(env):
        print(
            "mimo-desktop: no display found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
            "Start it in a desktop session, or set QT_QPA_PLATFORM=offscreen for a "
            "headless run.",
            file=sys.stderr,
        )
        return 2
    try:
        base_url = checked_base_url(args.base_url)
    except ValueError as error:
        print(f"mimo-desktop: --base-url: {error}", file=sys.stderr)
        return 2
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setOrganizationName("MiMo Desktop")
    app.setDesktopFileName(APP_ID)  # matches the .desktop file and the icon name
    app.setQuitOnLastWindowClosed(False)
    # The window goes on screen first, as an outline in the theme's colours; its widgets,
    # then the HTTP, audio and store stacks (and asyncio) are imported after it painted.
    config_dir = resolve_paths(env, args.data_dir).config_dir
    window, theme = show_frame(app, config_dir)
    report("first-paint")
    look = complete_window(app, window, theme or ThemeManager(app), config_dir)
    if not window.isVisible():
        return 0  # closed before it was finished
    return run(app, window, args, base_url, look)


def checked_base_url(value: str | None) -> str | None:
    """The ``--base-url`` normalised; raises ValueError for one that is not a URL."""
    if not value:
        return None
    from app.core.providers import normalise_base_url

    return normalise_base_url(value)


def show_frame(app: QApplication, config_dir: Path) -> tuple[MainWindow, ThemeManager | None]:
    """Show the main window as an outline (:mod:`app.ui.first_paint`) and wait for its paint.

    Returns the window and the theme applied, or None while the desktop's palette is
    kept (the theme ``"system"``; see :func:`app.ui.theme.early_theme`).
    """
    early = peek_settings(config_dir / SETTINGS_FILE_NAME)
    theme = early_theme(app, early.theme)
    window = MainWindow(build=False)
    window.setCentralWidget(WindowSkeleton(sidebar=early.sidebar_visible))
    window.restore_geometry(early.window_geometry)
    painted = PaintWatch(window)
    window.show()
    painted.wait()
    return window, theme


def complete_window(
    app: QApplication, window: MainWindow, theme: ThemeManager, config_dir: Path
) -> Look:
    """Load the settings and the language, and build the shown window's widgets."""
    from PySide6.QtGui import QIcon

    from app.core.malloc_tuning import limit_malloc_arenas
    from app.core.resources import icon_path
    from app.core.settings import load_settings
    from app.ui.fonts import ensure_cjk_font
    from app.ui.i18n import ENGLISH
    from app.ui.look import Look

    limit_malloc_arenas()  # before the app's worker threads start
    settings = load_settings(config_dir / SETTINGS_FILE_NAME)
    theme.apply(settings.theme)
    look = Look.around(theme, settings.language)  # the language, before the first text
    if look.translations.language != ENGLISH:
        ensure_cjk_font()  # ~9 ms; a Chinese window must not show boxes even once
    painted = PaintWatch(window)
    window.build()
    window.restore_layout(settings.window_state, settings.splitter_state, settings.sidebar_visible)
    painted.wait()
    report("window-paint")
    app.setWindowIcon(QIcon(str(icon_path())))  # after the first paint: the SVG loads then
    if look.translations.language == ENGLISH:
        ensure_cjk_font()  # Chinese replies need a font too; the bundle brings one
    return look


def run(
    app: QApplication,
    window: MainWindow,
    args: argparse.Namespace,
    base_url: str | None,
    look: Look,
) -> int:
    """Build everything around the shown ``window`` and run until it is closed."""
    import asyncio

    from app.assembly import build, shutdown, start
    from app.core.malloc_tuning import freeze_start_up_objects
    from app.ui.event_loop import AppEventLoop
    from app.ui.unix_signals import SignalWatcher

    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    # No http client given: build() makes one from the network settings (app.core.network).
    parts, _ = build(
        env=os.environ,
        base_url=base_url,
        data_dir=args.data_dir,
        window=window,
        look=look,
    )
    quit_requested = asyncio.Event()
    parts.window.closing.connect(quit_requested.set)
    watcher = SignalWatcher(parts.window.close)

    async def lifetime() -> None:
        store = await start(parts, ask=args.ask)
        freeze_start_up_objects()
        report("ready")  # wired, history listed, last chat open
        await quit_requested.wait()
        await shutdown(parts, store=store)

    try:
        loop.run_until_complete(lifetime())
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        watcher.close()
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
