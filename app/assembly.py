"""Assembly: makes every long-lived object, wires them in one place, starts and stops them.

Called by :func:`app.__main__.main` once the main window is on screen (so start-up
shows a window before the HTTP, audio and store stacks are imported), and by tests and
benchmarks that need the whole app in-process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import httpx
from PySide6.QtWidgets import QApplication

from app.api.retry import RetryPolicy
from app.audio.backend import DEFAULT_BACKEND, StreamFactory
from app.audio.cache import SpeechCache
from app.audio.player import AudioPlayer
from app.audio.qt_player import QtAudioPlayer
from app.core.builtin_tools import BuiltinTools
from app.core.catalogue import merge_remote
from app.core.connection import Connection, HttpClients
from app.core.history import load_latest, open_history
from app.core.mcp_config import servers_from_json
from app.core.mcp_host import McpHost
from app.core.paths import resolve_paths
from app.core.providers import normalise_base_url, wire_for
from app.core.recorder import Recorder
from app.core.secrets import SecretStore, open_secret_store
from app.core.settings import SETTINGS_FILE_NAME, load_settings
from app.core.store_async import AsyncStore
from app.core.tool_box import ToolBox
from app.ui.attachment_controller import AttachmentController, examine_file
from app.ui.chat_controller import ChatController
from app.ui.history_controller import HistoryController
from app.ui.key_controller import KeyController
from app.ui.look import Look
from app.ui.main_window import MainWindow, window_at
from app.ui.models_controller import ModelsController
from app.ui.preferences import Preferences
from app.ui.speech_controller import DeviceLister, SpeechController
from app.ui.title_controller import TitleController
from app.ui.tool_runner import ToolRunner
from app.ui.transfer_controller import TransferController
from app.ui.wiring import AppParts, KeyDialogOpener, connect_signals


def build(
    *,
    env: Mapping[str, str],
    http: httpx.AsyncClient | None = None,
    base_url: str | None = None,
    data_dir: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    store_factory: Callable[[Path], SecretStore] = open_secret_store,
    audio_output: StreamFactory | None = None,
    audio_devices: DeviceLister = DEFAULT_BACKEND.output_devices,
    window: MainWindow | None = None,
    look: Look | None = None,
) -> tuple[AppParts, KeyDialogOpener]:
    """Make every long-lived object and connect them. Nothing touches the network yet.

    ``audio_output`` opens the sound output (default: PortAudio through sounddevice,
    imported on first use, so the app starts without it) and ``audio_devices`` lists
    the output devices; tests pass a recording fake device. ``window`` is a main window
    already shown (see :func:`app.ui.main_window.window_at`); without one a new, hidden one is made.
    ``look`` is the theme and language already applied (see :class:`app.ui.look.Look`);
    without one they are applied from the settings here.
    ``http`` is the HTTP client (tests point one at the simulator); without one a client
    is made from the network settings (proxy, timeout, CA bundle; see
    :mod:`app.core.network`), and a change of those settings replaces it at run time.
    """
    paths = resolve_paths(env, data_dir)
    paths.ensure()
    settings = load_settings(paths.config_dir / SETTINGS_FILE_NAME)
    override = base_url or env.get("MIMO_BASE_URL")
    connection = Connection(
        HttpClients.from_settings(settings) if http is None else http,
        base_url=normalise_base_url(override) if override else settings.base_url,
        wire=wire_for(settings),
        retry=retry,
        sleep=sleep,
    )
    preferences = Preferences(settings, paths.config_dir / SETTINGS_FILE_NAME)
    if look is None:
        application = QApplication.instance()
        assert isinstance(application, QApplication)
        look = Look.for_app(application, settings)
    if window is None:
        window = window_at(settings)
    look.theme.setParent(window)
    tools = ToolRunner(
        ToolBox(
            builtins=BuiltinTools(settings.tool_folder),
            host=McpHost(paths.cache_dir / "mcp-logs"),
            servers=servers_from_json(settings.mcp_servers),
        ),
        always_allowed=settings.always_allowed_tools,
        rounds=settings.tool_rounds,
    )
    chat = ChatController(
        connection,
        model=settings.model,
        thinking=settings.thinking,
        recorder=Recorder(None),
        tools=tools,
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
    for owned in (chat, models, keys, preferences, history, transfer, titles, tools):
        owned.setParent(window)
    window.model_picker.set_models(merge_remote([]), settings.model)
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
        tools,
        look,
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
    parts: AppParts, http: httpx.AsyncClient | None = None, store: AsyncStore | None = None
) -> None:
    """Save what must be kept, stop every task (awaiting their cleanup), close connections."""
    parts.preferences.update(**parts.window.layout_state())
    await parts.preferences.flush()
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    if store is not None:
        await store.close()
    await asyncio.to_thread(parts.tools.box.shutdown, 3.0)  # MCP servers, if any started
    await parts.connection.http.aclose()  # every client the network settings made
    if http is not None:
        await http.aclose()
