"""Composition root: builds every object, wires them in one place, runs the Qt + asyncio loop.

Run as ``mimo-desktop`` or ``python -m app``. ``--base-url`` / ``MIMO_BASE_URL`` point
the app at another endpoint (the simulator in tests), ``MIMO_API_KEY`` gives a key for
this run only, and ``--data-dir`` keeps every file below one folder.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import httpx
from PySide6.QtCore import QByteArray, QEvent, QObject
from PySide6.QtWidgets import QApplication

from app.api.retry import RetryPolicy
from app.audio.backend import DEFAULT_BACKEND, StreamFactory
from app.audio.cache import SpeechCache
from app.audio.player import AudioPlayer
from app.audio.qt_player import QtAudioPlayer
from app.core.catalogue import merge_remote
from app.core.connection import DEFAULT_TIMEOUT, Connection
from app.core.history import load_latest, open_history
from app.core.paths import resolve_paths
from app.core.providers import normalise_base_url
from app.core.recorder import Recorder
from app.core.secrets import SecretStore, open_secret_store
from app.core.settings import SETTINGS_FILE_NAME, load_settings
from app.core.store_async import AsyncStore
from app.ui.attachment_controller import AttachmentController, examine_file
from app.ui.chat_controller import ChatController
from app.ui.event_loop import AppEventLoop
from app.ui.history_controller import HistoryController
from app.ui.key_controller import KeyController
from app.ui.main_window import APP_TITLE, MainWindow
from app.ui.models_controller import ModelsController
from app.ui.preferences import Preferences
from app.ui.speech_controller import DeviceLister, SpeechController
from app.ui.title_controller import TitleController
from app.ui.transfer_controller import TransferController
from app.ui.unix_signals import SignalWatcher
from app.ui.wiring import AppParts, KeyDialogOpener, connect_signals

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


def build(
    *,
    env: Mapping[str, str],
    http: httpx.AsyncClient,
    base_url: str | None = None,
    data_dir: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    store_factory: Callable[[Path], SecretStore] = open_secret_store,
    audio_output: StreamFactory | None = None,
    audio_devices: DeviceLister = DEFAULT_BACKEND.output_devices,
) -> tuple[AppParts, KeyDialogOpener]:
    """Make every long-lived object and connect them. Nothing touches the network yet.

    ``audio_output`` opens the sound output (default: PortAudio through sounddevice,
    imported on first use, so the app starts without it) and ``audio_devices`` lists
    the output devices; tests pass a recording fake device.
    """
    paths = resolve_paths(env, data_dir)
    paths.ensure()
    settings = load_settings(paths.config_dir / SETTINGS_FILE_NAME)
    override = base_url or env.get("MIMO_BASE_URL")
    connection = Connection(
        http,
        base_url=normalise_base_url(override) if override else settings.base_url,
        retry=retry,
        sleep=sleep,
    )
    preferences = Preferences(settings, paths.config_dir / SETTINGS_FILE_NAME)
    window = MainWindow()
    chat = ChatController(
        connection, model=settings.model, thinking=settings.thinking, recorder=Recorder(None)
    )
    models = ModelsController(connection)
    history = HistoryController()
    transfer = TransferController()
    titles = TitleController(connection)
    keys = KeyController(
        connection,
        preferences,
        paths.config_dir,
        env_key=env.get("MIMO_API_KEY") or None,
        store_factory=store_factory,
    )
    for owned in (chat, models, keys, preferences, history, transfer, titles):
        owned.setParent(window)
    window.model_picker.set_models(merge_remote([]), settings.model)
    if settings.window_geometry:
        window.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
    attachments = AttachmentController(
        window.attachment_pane, examine_file, paths.cache_dir / "pasted", window
    )
    player = QtAudioPlayer(AudioPlayer(audio_output, device=settings.audio_device))
    speech = SpeechController(
        connection,
        player,
        SpeechCache(paths.cache_dir / "speech"),
        devices=audio_devices,
        parent=window,
    )
    player.setParent(speech)
    parts = AppParts(
        window,
        chat,
        models,
        keys,
        preferences,
        connection,
        paths,
        history,
        transfer,
        titles,
        attachments,
        speech,
    )
    return parts, connect_signals(parts)


async def start(parts: AppParts, *, ask: str | None = None) -> AsyncStore | None:
    """Open the history, show the window, find the key, reopen the last conversation."""
    store, warning = await open_history(parts.paths.data_dir)
    parts.chat.attach_store(store)
    parts.history.attach_store(store)
    parts.transfer.attach_store(store)
    if store is not None:
        parts.history.refresh()
    parts.window.show()
    if warning:
        parts.window.statusBar().showMessage(warning)
    key_known = parts.keys.load()
    if ask:
        await key_known
        parts.chat.send(ask)
    elif store is not None:
        conversation = await load_latest(store)
        if conversation is not None and not parts.chat.busy:
            parts.chat.load(conversation)
    return store


async def shutdown(
    parts: AppParts, http: httpx.AsyncClient, store: AsyncStore | None = None
) -> None:
    """Save what must be kept, stop every task (awaiting their cleanup), close connections."""
    geometry = bytes(parts.window.saveGeometry().data())
    parts.preferences.update(window_geometry=base64.b64encode(geometry).decode("ascii"))
    await parts.preferences.flush()
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    if store is not None:
        await store.close()
    await http.aclose()


class FirstPaintProbe(QObject):
    """Prints ``first-paint <ms>`` once the window has painted (for start-up benchmarks)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            elapsed = (time.perf_counter() - _IMPORTED_AT) * 1000
            print(f"first-paint {elapsed:.1f}", flush=True)
            watched.removeEventFilter(self)
        return False


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
        base_url = normalise_base_url(args.base_url) if args.base_url else None
    except ValueError as error:
        print(f"mimo-desktop: --base-url: {error}", file=sys.stderr)
        return 2
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setOrganizationName("MiMo Desktop")
    app.setDesktopFileName("mimo-desktop")
    app.setQuitOnLastWindowClosed(False)
    loop = AppEventLoop(app)
    asyncio.set_event_loop(loop)
    http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)
    parts, _ = build(env=env, http=http, base_url=base_url, data_dir=args.data_dir)
    quit_requested = asyncio.Event()
    parts.window.closing.connect(quit_requested.set)
    watcher = SignalWatcher(parts.window.close)
    probe = FirstPaintProbe()
    if env.get(STARTUP_PROBE_ENV):
        parts.window.installEventFilter(probe)

    async def lifetime() -> None:
        store = await start(parts, ask=args.ask)
        await quit_requested.wait()
        await shutdown(parts, http, store)

    try:
        loop.run_until_complete(lifetime())
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        watcher.close()
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
