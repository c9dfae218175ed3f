"""Cleaning the title Flash writes, and the request that asks for it."""

from __future__ import annotations

import pytest

from app.api.openai_wire import build_chat_body
from app.core.recorder import TITLE_LENGTH
from app.core.titles import QUESTION_CHARS, TITLE_MODEL, clean_title, title_request


@pytest.mark.parametrize(
    ("answer", "title"),
    [
        ("Weekend in Lisbon", "Weekend in Lisbon"),
        ('"Weekend in Lisbon."', "Weekend in Lisbon"),
        ("Title: **Weekend  in Lisbon**\n\nHope this helps", "Weekend in Lisbon"),
        ("\n\n  «Rust lifetimes»  \n", "Rust lifetimes"),
        ("里斯本周末。", "里斯本周末"),
        ("", None),
        ('""', None),
        ("   \n  ", None),
    ],
)
def test_the_answer_becomes_a_clean_title(answer: str, title: str | None) -> None:
    assert clean_title(answer) == title


def test_a_long_answer_is_shortened() -> None:
    title = clean_title("word " * 50)
    assert title is not None and len(title) == TITLE_LENGTH and title.endswith("…")


def test_the_request_is_cheap_flash_without_thinking() -> None:
    body = build_chat_body(title_request("x" * 10_000), stream=False)
    assert body["model"] == TITLE_MODEL
    assert body["thinking"] == {"type": "disabled"}
    assert body["max_completion_tokens"] <= 64
    assert len(body["messages"][1]["content"]) == QUESTION_CHARS
