"""The request a conversation makes: which turns go out, and MiMo's tool-call rules."""

from __future__ import annotations

from app.core.conversation import Conversation, Message, Status

CALL = {
    "id": "call_" + "a" * 24,
    "type": "function",
    "function": {"name": "now", "arguments": "{}"},
}


def tool_conversation() -> Conversation:
    conv = Conversation(system_prompt="Be brief.")
    conv.add_user("What time is it?")
    conv.messages.append(
        Message(role="assistant", content="", reasoning="Use the clock tool.", tool_calls=[CALL])
    )
    conv.messages.append(Message(role="tool", content="12:00", tool_call_id=CALL["id"]))
    conv.messages.append(Message(role="assistant", content="Noon.", reasoning="It said 12."))
    conv.add_user("Thanks")
    return conv


def test_thinking_sends_back_the_reasoning_of_turns_with_tool_calls_only() -> None:
    items = tool_conversation().request_messages(thinking=True)
    assert [item["role"] for item in items] == [
        "system", "user", "assistant", "tool", "assistant", "user"
    ]  # fmt: skip
    call_turn, tool_turn, answer = items[2], items[3], items[4]
    assert call_turn == {
        "role": "assistant",
        "content": "",
        "tool_calls": [CALL],
        "reasoning_content": "Use the clock tool.",
    }
    assert tool_turn == {"role": "tool", "content": "12:00", "tool_call_id": CALL["id"]}
    assert answer == {"role": "assistant", "content": "Noon."}


def test_without_thinking_no_reasoning_goes_back_and_content_is_never_null() -> None:
    call_turn = tool_conversation().request_messages(thinking=False)[2]
    assert call_turn == {"role": "assistant", "content": "", "tool_calls": [CALL]}


def test_failed_and_empty_replies_are_left_out_but_cancelled_text_is_sent() -> None:
    conv = Conversation()
    conv.add_user("one")
    conv.messages.append(Message(role="assistant", content="partial", status=Status.CANCELLED))
    conv.add_user("two")
    conv.messages.append(Message(role="assistant", content="boom", status=Status.FAILED))
    conv.messages.append(Message(role="assistant", content=""))
    conv.add_user("three")
    conv.messages.append(Message(role="assistant", content="retried", status=Status.FAILED))
    assert [item["content"] for item in conv.request_messages()] == [
        "one", "partial", "two", "three"
    ]  # fmt: skip
