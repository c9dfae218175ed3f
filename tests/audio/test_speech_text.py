"""Read-aloud text: Markdown to speakable text, and sentence-bounded pieces."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audio.speech_text import markdown_to_speech, split_for_speech


@pytest.mark.parametrize(
    ("markdown", "spoken"),
    [
        ("# Results", "Results."),
        ("## Done!", "Done!"),
        (
            "Some **bold**, *italic*, _em_ and ~~gone~~ words",
            "Some bold, italic, em and gone words",
        ),
        (
            "keep snake_case_names and 2*3*4 as they are",
            "keep snake_case_names and 2*3*4 as they are",
        ),
        ("See [the guide](https://example.com/guide) now", "See the guide now"),
        ("See [the guide][1].\n\n[1]: https://example.com/guide", "See the guide."),
        ("Visit https://www.python.org/downloads/?x=1 today", "Visit python.org today"),
        ("Mail <https://docs.example.org/a>", "Mail docs.example.org"),
        ("![a cat](https://x.test/cat.png)", "a cat"),
        ("Call `print()` here", "Call print() here"),
        ("> quoted text", "quoted text"),
        ("- one\n- two\n1. three", "one\ntwo\nthree"),
        ("- [x] done task", "done task"),
        ("a\n\n---\n\nb", "a\nb"),
        ("<b>bold</b> tag", "bold tag"),
        ("| Name | Age |\n|:-----|----:|\n| Ann | 30 |", "Name, Age.\nAnn, 30."),
    ],
)
def test_markdown_becomes_speakable_text(markdown: str, spoken: str) -> None:
    assert markdown_to_speech(markdown) == spoken


CODE = "Before.\n\n```python\nprint('x')\n```\n\nAfter."


def test_code_blocks_are_dropped_by_default() -> None:
    assert markdown_to_speech(CODE) == "Before.\nAfter."


def test_code_blocks_can_be_announced() -> None:
    assert markdown_to_speech(CODE, code_block="Code block") == "Before.\nCode block.\nAfter."


def test_an_unclosed_code_block_runs_to_the_end() -> None:
    assert markdown_to_speech("Text.\n~~~\nstill code") == "Text."


def test_chinese_text_passes_through() -> None:
    assert markdown_to_speech("## 你好\n**今天**天气很好。") == "你好.\n今天天气很好。"


def test_short_text_is_one_piece() -> None:
    assert split_for_speech("Hello there. How are you?", 100) == ["Hello there. How are you?"]


def test_pieces_end_at_sentence_ends() -> None:
    text = "First sentence here. Second one is here! Third? Fourth one."
    assert split_for_speech(text, 25) == [
        "First sentence here.",
        "Second one is here!",
        "Third? Fourth one.",
    ]


def test_chinese_sentence_ends_split_without_spaces() -> None:
    text = "今天天气很好。我们去公园吧！你想去吗？好的。"
    pieces = ["今天天气很好。", "我们去公园吧！", "你想去吗？好的。"]
    assert split_for_speech(text, 10) == pieces


def test_a_decimal_point_is_not_a_sentence_end() -> None:
    assert split_for_speech("Pi is 3.14159 roughly. Yes.", 22) == ["Pi is 3.14159 roughly.", "Yes."]


def test_a_long_sentence_is_cut_at_commas_then_spaces_then_anywhere() -> None:
    assert split_for_speech("alpha beta, gamma delta epsilon", 12) == [
        "alpha beta,",
        "gamma delta",
        "epsilon",
    ]
    assert split_for_speech("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_for_speech("text", 0)


@settings(database=None, max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab 。！？.?!,，\n3"), max_size=200),
    st.integers(1, 40),
)
def test_pieces_respect_the_limit_and_keep_every_character(text: str, limit: int) -> None:
    pieces = split_for_speech(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())
