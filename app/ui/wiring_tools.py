"""Wiring of function calling: the tool runner -> the cards; the Tools menu and settings.

Part of the one place that wires signals (see :func:`app.ui.wiring.connect_signals`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from app.core.mcp_config import servers_from_json, servers_to_json
from app.core.tool_types import ToolCall, ToolResult
from app.ui.tasks import TaskSet
from app.ui.tool_card import ToolCallCard
from app.ui.tools_settings_dialog import ToolsSettingsDialog

if TYPE_CHECKING:
    from app.ui.wiring import AppParts


def connect_tools(parts: AppParts) -> None:
    window, chat, prefs, runner = parts.window, parts.chat, parts.preferences, parts.tools
    view, button = window.chat_view, window.composer.tools_button
    box = runner.box
    tasks = TaskSet()

    def show_tools() -> None:
        button.set_tools(box.specs(), chat.settings.tools, box.server_errors())

    def add_card(call: ToolCall, title: str, source: str) -> None:
        card = ToolCallCard(call, title=title, source=source, parent=view.content)
        card.decided.connect(lambda answer: runner.decide(call.id, answer))
        view.add_tool_call(card)

    def ask(call_id: str) -> None:
        if (card := view.tool_card(call_id)) is not None:
            card.ask_consent()

    def running(call_id: str) -> None:
        if (card := view.tool_card(call_id)) is not None:
            card.set_running()

    def finished(call_id: str, result: ToolResult) -> None:
        if (card := view.tool_card(call_id)) is not None:
            card.set_result(result)

    def enabled_changed(names: list[str]) -> None:
        chat.apply_settings(replace(chat.settings, tools=tuple(names)))

    async def refresh() -> None:
        await box.refresh()
        show_tools()

    def apply(dialog: ToolsSettingsDialog) -> None:
        servers = dialog.servers()
        prefs.update(
            tool_folder=dialog.folder(),
            tool_rounds=dialog.rounds(),
            mcp_servers=servers_to_json(servers),
            always_allowed_tools=dialog.always_allowed(),
        )
        runner.rounds = dialog.rounds()
        runner.always_allowed = set(dialog.always_allowed())
        box.set_folder(dialog.folder())
        box.set_servers(servers)
        show_tools()
        tasks.start(refresh(), name="tools-refresh")

    def open_settings() -> None:
        settings = prefs.settings
        dialog = ToolsSettingsDialog(
            folder=settings.tool_folder,
            rounds=runner.rounds,
            servers=servers_from_json(settings.mcp_servers),
            always_allowed=sorted(runner.always_allowed),
            probe=box.host.list_tools,
            parent=window,
        )
        dialog.accepted.connect(lambda: apply(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    runner.callAdded.connect(add_card)
    runner.consentRequested.connect(ask)
    runner.callRunning.connect(running)
    runner.callFinished.connect(finished)
    runner.alwaysAllowedChanged.connect(lambda names: prefs.update(always_allowed_tools=names))
    chat.settingsChanged.connect(lambda _settings: show_tools())
    button.enabledChanged.connect(enabled_changed)
    button.settingsRequested.connect(open_settings)
    window.tools_action.triggered.connect(open_settings)
    show_tools()
    if any(server.enabled for server in servers_from_json(prefs.settings.mcp_servers)):
        tasks.start(refresh(), name="tools-refresh")
