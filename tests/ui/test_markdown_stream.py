"""Streamed Markdown rendering: the same picture as a one-shot render, at a cost set by the tail."""

from __future__ import annotations

import gc
import itertools
import random
import weakref
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QColor, QGuiApplication, QImage, QTextCursor, QTextDocument
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.ui.markdown_stream import MarkdownStream, finished_length
from app.ui.markdown_view import MarkdownView, polish_reply
from app.ui.message_widgets import AssistantBubble
from app.ui.style import is_code_block, polish_markdown

DOCUMENTS = {
    "mixed": (
        "# Plan\n\nSome **bold** text, *italic*, `inline code` and a "
        "[link](https://example.com/a).\n\n"
        "## Steps\n\n1. first\n2. second\n\n3. third, after a blank line\n\n"
        "- bullet\n  continued\n- another\n\n  indented paragraph in the item\n\n"
        "| a | b |\n|---|---|\n| 1 | **2** |\n| `x` | y |\n\n"
        "```python\ndef f(x):\n\n    return x * 2\n```\n\nThe end.\n"
    ),
    "numbered list broken by code": (
        "Do this:\n\n1. Install:\n\n```bash\npip install thing\n```\n\n"
        "2. Configure it\n3. Run it\n\n```\nrun --now\n```\n\n4. Done\n"
    ),
    "code inside list items": (
        "1. Step one\n\n   ```sh\n   make\n\n   make install\n   ```\n\n"
        "2. Step two\n   - nested a\n   - nested b\n\n     more of b\n\n"
        "Afterwards a paragraph.\n\n### Heading 3\n\ntext\n"
    ),
    "fences of all kinds": (
        "~~~\ntilde fence\n\n```not closed by backticks\n~~~\n\n"
        "````md\n```\ninner fence\n```\n````\n\n"
        "    indented code\n\n    still code\n\nparagraph\n\n"
        "```\n    ``` indented four: not a close\n```\n\nafter\n"
    ),
    "quotes rules and html": (
        "> quoted **text**\n> more\n\n> second quote\n\n---\n\n"
        "Title\n=====\n\nSub\n---\n\n<!-- a comment\n\nstill a comment -->\n\n"
        "* * *\n\nlast *words*\n"
    ),
    "tables back to back": (
        "| h |\n|---|\n| 1 |\n\n| k | v |\n|:--|--:|\n| a | b |\n| c | d |\n\ntrailing\n"
    ),
    "unclosed fence at the end": "Intro\n\n```python\nprint('never closed')\n\nx = 1\n",
    "crlf line endings": "# Title\r\n\r\n- a\r\n- b\r\n\r\ntext\r\n\r\n```\r\ncode\r\n```\r\n",
    "reference links": "See [the docs][docs] and [more].\n\n[docs]: https://example.com\n"
    "[more]: https://example.org\n",
}


def fragments(block: Any) -> list[tuple[Any, ...]]:
    out = []
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        fmt = fragment.charFormat()
        out.append(
            (
                fragment.text(),
                fmt.fontWeight(),
                fmt.fontItalic(),
                fmt.fontFixedPitch(),
                tuple(fmt.fontFamilies() or ()),
                fmt.isAnchor(),
                fmt.anchorHref(),
            )
        )
        iterator += 1
    return out


def describe(document: QTextDocument) -> list[tuple[Any, ...]]:
    """Every block with the formats a reader sees: the basis of all comparisons."""
    lists: dict[int, int] = {}
    alive = []  # an id is unique only while its object lives: keep the list wrappers
    rows = []
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        text_list = block.textList()
        list_key = None
        if text_list is not None:
            alive.append(text_list)
            list_number = lists.setdefault(id(text_list), len(lists))
            list_key = (
                list_number,
                text_list.itemText(block),
                text_list.format().style(),
                text_list.format().indent(),
            )
        table = QTextCursor(block).currentTable()
        rows.append(
            (
                block.text(),
                fmt.headingLevel(),
                list_key,
                table is not None and (table.rows(), table.columns()),
                is_code_block(fmt),
                fmt.nonBreakableLines(),
                fmt.background().color().name(),
                fmt.leftMargin(),
                fmt.indent(),
                fragments(block),
            )
        )
        block = block.next()
    return rows


def one_shot(markdown: str) -> QTextDocument:
    document = QTextDocument()
    document.setMarkdown(markdown)
    polish_markdown(document, QGuiApplication.palette())
    return document


def streamed(pieces: list[str]) -> tuple[QTextDocument, MarkdownStream]:
    document = QTextDocument()
    stream = MarkdownStream(document, lambda d, _: polish_markdown(d, QGuiApplication.palette()))
    for piece in pieces:
        stream.append(piece)
    stream.finish()
    return document, stream


def random_pieces(text: str, rng: random.Random, longest: int) -> list[str]:
    pieces, start = [], 0
    while start < len(text):
        size = rng.randint(1, longest)
        pieces.append(text[start : start + size])
        start += size
    return pieces


def assert_same_picture(markdown: str, pieces: list[str]) -> None:
    assert "".join(pieces) == markdown
    document, stream = streamed(pieces)
    expected = one_shot(markdown)
    assert stream.text == markdown
    assert document.toPlainText() == expected.toPlainText()
    assert describe(document) == describe(expected)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_random_chunking_renders_like_one_shot(qapp: QApplication, name: str) -> None:
    markdown = DOCUMENTS[name]
    for seed in range(12):
        rng = random.Random(seed)
        assert_same_picture(markdown, random_pieces(markdown, rng, longest=1 + seed * 3))


@pytest.mark.parametrize("name", ["mixed", "numbered list broken by code", "fences of all kinds"])
def test_every_two_piece_split_renders_like_one_shot(qapp: QApplication, name: str) -> None:
    markdown = DOCUMENTS[name]
    for cut in range(1, len(markdown)):
        assert_same_picture(markdown, [markdown[:cut], markdown[cut:]])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(DOCUMENTS)),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=30),
)
def test_any_chunking_renders_like_one_shot(qapp: QApplication, name: str, cuts: list[int]) -> None:
    markdown = DOCUMENTS[name]
    points = sorted({0, len(markdown), *(c for c in cuts if c < len(markdown))})
    assert_same_picture(markdown, [markdown[a:b] for a, b in itertools.pairwise(points)])


def test_streamed_document_keeps_headings_lists_tables_and_code_formats(
    qapp: QApplication,
) -> None:
    markdown = DOCUMENTS["mixed"]
    document, _ = streamed(list(markdown))  # one character at a time

    heading = QTextCursor(document.find("Steps")).block()
    assert heading.blockFormat().headingLevel() == 2
    third = document.find("third, after a blank line").block()
    assert third.textList() is not None and third.textList().itemText(third) == "3."
    assert third.textList() is document.find("first").block().textList()
    assert QTextCursor(document.find("**2**") or document.find("2")).currentTable() is not None
    code = document.find("return x * 2").block()
    assert is_code_block(code.blockFormat())
    assert "monospace" in (code.charFormat().fontFamilies() or []) or any(
        "monospace" in f[4] for f in fragments(code)
    )
    inline = document.find("inline code")
    assert inline.charFormat().fontFixedPitch()
    link = document.find("link")
    assert link.charFormat().anchorHref() == "https://example.com/a"


def test_finished_blocks_leave_the_tail_and_are_not_rendered_again(qapp: QApplication) -> None:
    document = QTextDocument()
    rendered: list[str] = []
    stream = MarkdownStream(document, lambda d, _: rendered.append(d.toPlainText()))
    paragraphs = [f"Paragraph {n} with **bold** words.\n\n" for n in range(300)]
    for paragraph in paragraphs:
        for piece in (paragraph[:10], paragraph[10:]):
            stream.append(piece)

    assert stream.tail == ""
    assert document.blockCount() == 300
    # every render holds at most the sentinel line and two paragraphs, never the reply
    assert max(len(text) for text in rendered) < 2 * len(paragraphs[-1]) + 4
    assert sum(len(text) for text in rendered) < 3 * len("".join(paragraphs))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("para\n\n", "para\n\n"),
        ("para\nmore", ""),
        ("para\n\nnext", "para\n\n"),
        ("```\ncode\n\nmore\n", ""),
        ("```\ncode\n\n```\n", "```\ncode\n\n```\n"),
        ("```\ncode\n  ```\nafter\n", "```\ncode\n  ```\n"),
        ("```\n    ```\n\n", ""),
        ("~~~\n```\n\n", ""),
        ("- a\n\n", ""),
        ("- a\n\n- b\n\n  more\n\n", ""),
        ("- a\n\nafter\n", "- a\n\n"),
        ("1. a\n\n```\nx\n```\n\n2. b\n", "1. a\n\n```\nx\n```\n\n"),
        ("    code\n\n    code\n\n", ""),
        ("    code\n\ntext\n", "    code\n\n"),
        ("<!-- c\n\nstill\n", ""),
        ("<!-- c\n\n-->\n\nx", "<!-- c\n\n-->\n\n"),
        ("| a |\n|---|\n| 1 |\n\n", "| a |\n|---|\n| 1 |\n\n"),
        ("# Title\n\n## Sub\n", "# Title\n\n"),
        ("\n\n\n", "\n\n\n"),
    ],
)
def test_finished_length_splits_where_blocks_are_complete(text: str, expected: str) -> None:
    assert text[: finished_length(text)] == expected


@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "one-shot"])
def test_local_image_in_a_reply_is_never_loaded(
    qtbot: QtBot, tmp_path: Any, streaming: bool
) -> None:
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    path = tmp_path / "red.png"
    assert image.save(str(path))
    view = MarkdownView()
    qtbot.addWidget(view)
    view.resize(300, 200)
    pieces = ["Look:\n\n", f"![leak]({path.as_uri()}) ![too]({path})", "\n\nand more\n"]
    if streaming:
        for piece in pieces:
            view.append_markdown(piece)
        view.finish_markdown()
    else:
        view.set_markdown("".join(pieces))
    view.show()
    qtbot.waitExposed(view)

    shot = view.grab().toImage()
    red = QColor("red").rgb()
    assert not any(
        shot.pixel(x, y) == red for x in range(shot.width()) for y in range(shot.height())
    )
    assert "and more" in view.toPlainText()


def test_links_stay_closed_until_clicked(qtbot: QtBot) -> None:
    view = MarkdownView()
    qtbot.addWidget(view)
    view.append_markdown("a [link](https://example.com) here\n")
    assert not view.openLinks() and not view.openExternalLinks()
    assert view.document().find("link").charFormat().anchorHref() == "https://example.com"


def test_bubble_streams_markdown_and_matches_one_shot_at_the_end(qtbot: QtBot) -> None:
    bubble = AssistantBubble("MiMo")
    qtbot.addWidget(bubble)
    markdown = DOCUMENTS["mixed"]
    for piece in random_pieces(markdown, random.Random(7), longest=25):
        bubble.append("", piece)
    bubble.finish("complete")

    assert bubble.text == markdown
    expected = QTextDocument()
    expected.setMarkdown(markdown)
    polish_reply(expected, markdown, QGuiApplication.palette())  # as the view polishes
    assert describe(bubble.body.document()) == describe(expected)


def test_set_markdown_after_a_stream_starts_over(qtbot: QtBot) -> None:
    view = MarkdownView()
    qtbot.addWidget(view)
    view.append_markdown("# streamed\n\npara")
    view.set_markdown("only this")
    view.append_markdown("\n\nand a new stream")

    assert view.toPlainText() == "and a new stream"


def test_a_finished_stream_is_let_go_and_the_text_stays(qtbot: QtBot) -> None:
    older = {id(o) for o in gc.get_objects() if isinstance(o, MarkdownStream)}
    bubble = AssistantBubble("MiMo")
    qtbot.addWidget(bubble)
    markdown = DOCUMENTS["mixed"]
    for piece in random_pieces(markdown, random.Random(3), longest=40):
        bubble.append("", piece)
    streams = [
        weakref.ref(o)
        for o in gc.get_objects()
        if isinstance(o, MarkdownStream) and id(o) not in older
    ]
    assert streams

    bubble.finish("complete")
    gc.collect()

    assert all(stream() is None for stream in streams)
    assert bubble.text == markdown
    one_shot = MarkdownView()
    qtbot.addWidget(one_shot)
    one_shot.set_markdown(markdown)
    assert describe(bubble.body.document()) == describe(one_shot.document())
