"""Screenshots of the function-calling widgets, offscreen (not a test: run it by hand).

    QT_QPA_PLATFORM=offscreen python -m tests.ui.shots_tools [out_dir] [--dark]

Writes tool_cards.png, tools_menu.png and tools_settings.png (default /tmp/shots), with
the app's style sheet plus :data:`TOOL_CARD_QSS`, in Fusion's light palette (or a dark
one with ``--dark``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint
from PySide6.QtGui import QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from app.core.mcp_config import McpServerConfig
from app.core.tool_types import ToolCall, ToolResult, ToolSpec
from app.ui.style import STYLE_SHEET
from app.ui.theme import dark_palette
from app.ui.tool_card import TOOL_CARD_QSS, ToolCallCard
from app.ui.tools_menu import ToolsButton
from app.ui.tools_settings_dialog import ToolsSettingsDialog

WIDTH = 640


def cards() -> QWidget:
    page = QWidget()
    page.setObjectName("chatContent")
    layout = QVBoxLayout(page)
    args = json.dumps({"path": "notes/today.md", "max_bytes": 20000})
    waiting = ToolCallCard(ToolCall("c1", "read_text_file", args), title="Read a text file")
    waiting.ask_consent()
    running = ToolCallCard(ToolCall("c2", "list_files", '{"path": "."}'))
    running.set_running()
    done = ToolCallCard(
        ToolCall("c3", "weather__forecast", '{"city": "Paris", "days": 2}'), source="weather"
    )
    result = {"city": "Paris", "days": [{"max": 21, "sky": "sun"}, {"max": 18, "sky": "rain"}]}
    done.set_result(ToolResult(json.dumps(result), "ok", 0.42))
    done.set_expanded(True)
    failed = ToolCallCard(ToolCall("c4", "read_text_file", '{"path": "../etc/passwd"'))
    failed.set_result(ToolResult("The path is outside the allowed folder.", "error", 0.01))
    failed.set_expanded(True)
    denied = ToolCallCard(ToolCall("c5", "list_files", "{}"))
    denied.set_result(ToolResult("The user denied this tool call.", "denied"))
    timeout = ToolCallCard(ToolCall("c6", "slow__crawl", "{}"), source="slow")
    timeout.set_result(ToolResult("No answer within 30 s.", "timeout", 30.0))
    for card in (waiting, running, done, failed, denied, timeout):
        layout.addWidget(card)
    layout.addStretch(1)
    return page


def menu_shot(out: Path) -> None:
    host = QWidget()
    host.setFixedSize(160, 40)
    button = ToolsButton(host)
    button.move(8, 8)
    specs = [
        ToolSpec("read_text_file", "Read a text file in the chosen folder", {}, title="Read file"),
        ToolSpec("list_files", "List the files of a folder", {}),
        ToolSpec("weather__forecast", "The forecast for a city", {}, source="weather"),
        ToolSpec("weather__alerts", "Weather alerts", {}, source="weather"),
    ]
    button.set_tools(
        specs,
        ["read_text_file", "weather__forecast"],
        {"demo": "[Errno 2] No such file or directory: 'demo-server'"},
    )
    host.show()
    menu = button.tools_menu
    menu.popup(QPoint(0, 0))
    QApplication.processEvents()
    menu.setActiveAction(button.tool_actions()["list_files"])
    QApplication.processEvents()
    shot = menu.grab()
    top = host.grab()
    canvas = QPixmap(max(shot.width(), top.width()), shot.height() + top.height())
    canvas.fill(QApplication.palette().color(QPalette.ColorRole.Window))
    painter = QPainter(canvas)
    painter.drawPixmap(0, 0, top)
    painter.drawPixmap(0, top.height(), shot)
    painter.end()
    canvas.save(str(out / "tools_menu.png"))
    menu.close()


def settings_shot(out: Path) -> None:
    servers = [
        McpServerConfig("files", command="npx", args=("-y", "server-filesystem", "/home/me")),
        McpServerConfig("weather", transport="http", url="http://127.0.0.1:8000/mcp"),
        McpServerConfig("demo", command="demo-server", enabled=False),
    ]
    dialog = ToolsSettingsDialog(
        folder=str(Path.home()),
        rounds=8,
        servers=servers,
        always_allowed=["list_files", "weather__forecast"],
    )
    dialog.server_list.setCurrentItem(dialog.server_list.topLevelItem(1))
    dialog._show_test("weather works and offers 2 tools: forecast, alerts", error=False)
    dialog.resize(dialog.sizeHint().expandedTo(dialog.minimumSize()))
    dialog.show()
    QApplication.processEvents()
    dialog.grab().save(str(out / "tools_settings.png"))
    dialog.add_server()
    form = dialog.server_dialog
    assert form is not None
    form.name.setText("files")
    form.command.setText("npx")
    form.arguments.setText('-y server-filesystem "/home/me/My notes')
    form.env.add_row("API_TOKEN", "secret")
    QApplication.processEvents()
    form.grab().save(str(out / "tools_server_form.png"))
    form.reject()
    dialog.reject()


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    out = Path(args[0] if args else "/tmp/shots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    if "--dark" in sys.argv:
        app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET + TOOL_CARD_QSS)
    page = cards()
    page.resize(WIDTH, page.sizeHint().height())
    page.show()
    QApplication.processEvents()
    page.resize(WIDTH, page.sizeHint().height())
    QApplication.processEvents()
    page.grab().save(str(out / "tool_cards.png"))
    menu_shot(out)
    settings_shot(out)
    print("wrote", *sorted(str(p) for p in out.glob("tool*.png")))


if __name__ == "__main__":
    main()
