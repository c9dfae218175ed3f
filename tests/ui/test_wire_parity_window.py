"""The same conversation through both wire formats: the same stored messages, the same view.

Text, an image, thinking and a tool call, against the simulator's OpenAI-compatible and
Anthropic-compatible endpoints in turn.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

from app.core.tool_types import ToolCall
from app.ui.tool_card import ToolCallCard
from tests import media_samples as samples
from tests.sim import Plan
from tests.ui.conftest import RunningApp
from tests.ui.test_attachments import choose_model, drop, settled

QUESTION = "What is in the picture, and what is 6*7?"


def converse(app: RunningApp, wire: str, picture: Path) -> tuple[list[Any], list[Any]]:
    app.window.new_chat_action.trigger()
    connection = app.parts.connection
    connection.wire = wire
    connection.base_url = app.sim.anthropic_url if wire == "anthropic" else app.sim.base_url
    choose_model(app, "mimo-v2-omni")  # thinks by default, sees images
    chat = app.parts.chat
    chat.apply_settings(replace(chat.settings, tools=("calculate",)))
    app.parts.tools.always_allowed.add("calculate")
    drop(app, [picture])
    settled(app, 1)
    app.sim.enqueue(
        Plan(
            reasoning="The user wants a product.",
            tool_calls=[{"name": "calculate", "arguments": '{"expression": "6*7"}'}],
        ),
        Plan(reasoning="42 it is.", content=None),  # echoes what reached the server
    )
    app.send(QUESTION)
    app.wait_idle()
    stored = [
        (
            m.role,
            m.content,
            m.reasoning,
            [(c.name, c.arguments) for c in map(ToolCall.from_wire, m.tool_calls)],
            m.tool_outcome,
            [(a.name, a.mime, a.size) for a in m.attachments],
            m.status.value,
        )
        for m in chat.conversation.messages
    ]
    view = [
        (type(b).__name__, b.text, b.outcome if isinstance(b, ToolCallCard) else "")
        for b in app.window.chat_view.bubbles
    ]
    return stored, view


def sent_images(app: RunningApp) -> list[bytes]:
    """Every image that reached the simulator, decoded, in either format."""
    found: list[bytes] = []
    for request in app.sim.requests:
        if request.method != "POST" or not isinstance(request.body, dict):
            continue
        for message in request.body.get("messages", []):
            content = message.get("content")
            for part in content if isinstance(content, list) else []:
                if part.get("type") == "image_url":
                    found.append(base64.b64decode(part["image_url"]["url"].split(",", 1)[1]))
                elif part.get("type") == "image":
                    found.append(base64.b64decode(part["source"]["data"]))
    return found


def test_both_formats_store_and_show_the_same_conversation(app: RunningApp, tmp_path: Path) -> None:
    picture = samples.write(tmp_path, "photo.png", samples.png(64, 48))

    openai = converse(app, "openai", picture)
    anthropic = converse(app, "anthropic", picture)

    assert openai == anthropic
    stored, view = openai
    assert [row[0] for row in stored] == ["user", "assistant", "tool", "assistant"]
    assert stored[1][2] == "The user wants a product." and stored[2][1] == "42"
    assert stored[0][5] == [("photo.png", "image/png", picture.stat().st_size)]
    assert stored[3][1].startswith(f"Echo: {QUESTION}")
    assert "image/png 64x48" in stored[3][1]  # the server saw the picture, both times
    assert sent_images(app) == [picture.read_bytes()] * 4  # 2 requests in each format
    assert [row[0] for row in view] == [
        "UserBubble",
        "AssistantBubble",
        "ToolCallCard",
        "AssistantBubble",
    ]
