"""A real MCP server (tests/mcp_demo_server.py over stdio) used from the window."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt

from app.core.mcp_config import McpServerConfig, qualified_name
from app.ui.tool_card import ToolCallCard
from tests.sim import Plan
from tests.ui.conftest import RunningApp

DEMO = str(Path(__file__).resolve().parents[1] / "mcp_demo_server.py")


def use_demo_server(app: RunningApp, timeout: float = 10.0) -> None:
    server = McpServerConfig(
        name="demo",
        command=sys.executable,
        args=(DEMO,),
        env={"DEMO_TOKEN": "t0k"},
        timeout=timeout,
    )
    box = app.parts.tools.box
    box.set_servers([server])
    refreshed = app.parts.chat._tasks.start(box.refresh(), name="test-refresh")
    app.qtbot.waitUntil(refreshed.done, timeout=15000)
    chat = app.parts.chat
    names = [spec.name for spec in box.specs() if spec.source == "demo"]
    chat.apply_settings(replace(chat.settings, tools=tuple(names)))


def cards(app: RunningApp) -> list[ToolCallCard]:
    return [b for b in app.window.chat_view.bubbles if isinstance(b, ToolCallCard)]


def tool_messages(app: RunningApp) -> list[str]:
    body = [r.body for r in app.sim.requests if r.path.endswith("/chat/completions")][-1]
    return [m["content"] for m in body["messages"] if m["role"] == "tool"]


def test_an_mcp_tool_is_listed_approved_called_and_its_result_reaches_the_model(
    app: RunningApp,
) -> None:
    use_demo_server(app)
    echo = qualified_name("demo", "echo")
    assert echo in app.parts.chat.settings.tools
    assert echo in app.window.composer.tools_button.enabled()
    app.sim.enqueue(
        Plan(tool_calls=[{"name": echo, "arguments": '{"text": "hello from MiMo"}'}]),
        Plan(content="The server said hello."),
    )
    app.send("Call the echo tool")
    app.qtbot.waitUntil(lambda: bool(cards(app)) and cards(app)[0].waiting, timeout=10000)
    app.qtbot.mouseClick(cards(app)[0].allow_button, Qt.MouseButton.LeftButton)
    app.wait_idle(timeout=15000)

    (card,) = cards(app)
    assert card.outcome == "ok"
    assert "hello from MiMo" in tool_messages(app)[0]
    assert app.replies()[-1].text == "The server said hello."


def test_a_hung_mcp_tool_times_out_with_a_clear_card(app: RunningApp) -> None:
    use_demo_server(app, timeout=1.0)
    app.parts.tools.always_allowed.add(qualified_name("demo", "sleep"))
    app.sim.enqueue(
        Plan(
            tool_calls=[{"name": qualified_name("demo", "sleep"), "arguments": '{"seconds": 30}'}]
        ),
        Plan(content="It took too long."),
    )
    app.send("Sleep")
    app.wait_idle(timeout=15000)

    (card,) = cards(app)
    assert card.outcome == "timeout"
    assert "within" in tool_messages(app)[0]
    assert app.replies()[-1].text == "It took too long."
