"""Function calling in the window: cards, consent, the loop, both wire formats, history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.core.history import DATABASE_NAME
from app.core.store import Store
from app.core.tool_types import DENIED_RESULT
from app.ui.tool_card import ToolCallCard
from tests.sim import Plan
from tests.ui.conftest import RunningApp


@pytest.fixture(params=["openai", "anthropic"])
def tool_app(request: pytest.FixtureRequest, app: RunningApp) -> Iterator[RunningApp]:
    """The app with the calculator and clock switched on, in either wire format."""
    if request.param == "anthropic":
        app.parts.connection.wire = "anthropic"
        app.parts.connection.base_url = app.sim.anthropic_url
    chat = app.parts.chat
    chat.apply_settings(replace(chat.settings, tools=("calculate", "current_time")))
    yield app


def requests(app: RunningApp) -> list[Any]:
    """The bodies of the chat requests, in either format."""
    return [
        r.body
        for r in app.sim.requests
        if r.path.endswith(("/chat/completions", "/v1/messages")) and r.method == "POST"
    ]


def cards(app: RunningApp) -> list[ToolCallCard]:
    return [b for b in app.window.chat_view.bubbles if isinstance(b, ToolCallCard)]


def answer(app: RunningApp, index: int, button: str) -> None:
    app.qtbot.waitUntil(lambda: len(cards(app)) > index and cards(app)[index].waiting)
    app.qtbot.mouseClick(getattr(cards(app)[index], button), Qt.MouseButton.LeftButton)


def tool_results_sent(body: dict[str, Any]) -> list[str]:
    """The tool results in a request body, as text, in either format."""
    found: list[str] = []
    for message in body["messages"]:
        if message.get("role") == "tool":
            found.append(message["content"])
        elif isinstance(message.get("content"), list):
            for block in message["content"]:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    content = block["content"]
                    found.append(content if isinstance(content, str) else content[0]["text"])
    return found


def stored_roles(app: RunningApp) -> list[tuple[str, str]]:
    with Store.open(app.data_dir / "data" / DATABASE_NAME) as store:
        (row,) = store.list_conversations()
        return [(m.role, m.content) for m in store.current_path(row.id)]


def test_a_call_is_approved_run_and_answered(tool_app: RunningApp) -> None:
    app = tool_app
    app.sim.enqueue(
        Plan(tool_calls=[{"name": "calculate", "arguments": '{"expression": "6*7"}'}]),
        Plan(content="It is 42."),
    )
    app.send("What is 6*7?")

    answer(app, 0, "allow_button")
    app.wait_idle()

    (card,) = cards(app)
    assert card.outcome == "ok" and card.result_text == "42"
    assert app.replies()[-1].text == "It is 42."
    first, second = requests(app)[-2:]
    assert {t["name"] if "name" in t else t["function"]["name"] for t in first["tools"]} == {
        "calculate",
        "current_time",
    }
    assert tool_results_sent(second) == ["42"]
    assert [role for role, _ in stored_roles(app)] == ["user", "assistant", "tool", "assistant"]
    assert stored_roles(app)[2] == ("tool", "42")


def test_a_denied_call_tells_the_model_so(tool_app: RunningApp) -> None:
    app = tool_app
    app.sim.enqueue(
        Plan(tool_calls=[{"name": "current_time", "arguments": "{}"}]),
        Plan(content="Understood."),
    )
    app.send("What time is it?")

    answer(app, 0, "deny_button")
    app.wait_idle()

    assert cards(app)[0].outcome == "denied"
    assert tool_results_sent(requests(app)[-1]) == [DENIED_RESULT]


def test_parallel_calls_in_pieces_always_allow_and_an_unknown_tool(tool_app: RunningApp) -> None:
    app = tool_app
    app.sim.enqueue(
        Plan(
            tool_calls=[
                {"name": "calculate", "arguments": '{"expression": "2**10"}'},
                {"name": "calculate", "arguments": '{"expression": "1/4"}'},
                {"name": "rm_rf", "arguments": '{"path": "/"}'},
            ]
        ),
        Plan(content="Done."),
    )
    app.send("Compute things")

    answer(app, 0, "always_button")  # the second call of the same tool does not ask
    app.wait_idle()

    assert [card.outcome for card in cards(app)] == ["ok", "ok", "error"]
    results = tool_results_sent(requests(app)[-1])
    assert results[:2] == ["1024", "0.25"]
    assert "rm_rf" in results[2]
    assert "calculate" in app.parts.preferences.settings.always_allowed_tools
    assert app.replies()[-1].text == "Done."


def test_stop_while_waiting_for_consent_keeps_a_valid_conversation(tool_app: RunningApp) -> None:
    app = tool_app
    app.sim.enqueue(
        Plan(tool_calls=[{"name": "calculate", "arguments": '{"expression": "1+1"}'}]),
        Plan(content="Fine."),
    )
    app.send("Add")
    app.qtbot.waitUntil(lambda: bool(cards(app)) and cards(app)[0].waiting)

    app.qtbot.keyClick(app.window.composer.edit, Qt.Key.Key_Escape)
    app.wait_idle()

    assert cards(app)[0].outcome == "error" and not cards(app)[0].waiting
    app.send("Never mind")
    app.wait_idle()
    results = tool_results_sent(requests(app)[-1])
    assert len(results) == 1 and "stopped" in results[0]


def test_the_loop_stops_after_the_rounds_allowed(tool_app: RunningApp) -> None:
    app = tool_app
    app.parts.tools.rounds = 2
    app.parts.tools.always_allowed.add("calculate")
    call = Plan(tool_calls=[{"name": "calculate", "arguments": '{"expression": "1"}'}])
    app.sim.enqueue(call, call, call, Plan(content="never asked"))
    app.send("Loop forever")
    app.wait_idle()

    assert len(cards(app)) == 2
    assert "2 rounds" in app.window.statusBar().currentMessage()


def test_tool_cards_come_back_with_the_conversation(tool_app: RunningApp) -> None:
    app = tool_app
    app.parts.tools.always_allowed.add("calculate")
    app.sim.enqueue(
        Plan(tool_calls=[{"name": "calculate", "arguments": '{"expression": "3*3"}'}]),
        Plan(content="Nine."),
    )
    app.send("3*3?")
    app.wait_idle()
    conv_id = app.parts.chat.conversation.id
    assert conv_id is not None

    app.window.new_chat_action.trigger()
    app.parts.history.open(conv_id)
    app.qtbot.waitUntil(lambda: len(cards(app)) == 1)

    (card,) = cards(app)
    assert card.result_text == "9" and card.outcome == "ok"
    assert json.loads(card.call.arguments) == {"expression": "3*3"}
    assert [b.text for b in app.window.chat_view.bubbles][-1] == "Nine."
