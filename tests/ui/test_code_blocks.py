"""Code blocks in replies: syntax colours, a Copy link, and a readable look in both palettes."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QGuiApplication,
    QImage,
    QPalette,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from app.ui import code_highlight
from app.ui.code_blocks import CODE_PROPERTY, COPY_SCHEME, header_code, source_code_blocks
from app.ui.markdown_view import MarkdownView
from app.ui.style import QUOTE_INDENT, code_background, contrast, is_code_block
from app.ui.theme import dark_palette

REPO = Path(__file__).resolve().parents[2]

REPLY = (
    "Read it **line by line** with `open()`:\n\n"
    "```python\n"
    "import sys\n\n"
    "def count(path: str) -> int:\n"
    '    """Count lines."""\n'
    '    with open(path, encoding="utf-8") as f:  # closes the file\n'
    "        return sum(1 for _ in f) + 0x1F\n"
    "```\n\n"
    "| approach | memory |\n|---|---:|\n| `for line in f` | one line |\n| readlines | all |\n\n"
    "- Pass `encoding=`.\n- Then:\n\n  ```sh\n  make\n  ```\n\n"
    "> A quote with `code`.\n\n"
    "```js\nlet a = 1;\n```\n```js\nlet b = 2;\n```\n\n"
    "~~~\nno language\n~~~\n\n"
    "    indented code\n\n"
    "Done.\n"
)
EXACT = "all:\n\tgo build ./...\n\n\techo 'done'  \n"
EXACT_MARKDOWN = f"Build:\n\n```make\n\n{EXACT}```\n\nThat is all.\n"
EXACT_CODE = "\n" + EXACT[:-1]  # between the fences: the leading empty line, no last break


ViewFactory = Callable[..., MarkdownView]


@pytest.fixture
def make_view(qtbot: QtBot) -> Iterator[ViewFactory]:
    """Makes shown views, each inside a parent that gives it a palette (else the app's)."""
    parents: list[QWidget] = []  # pytest-qt keeps only weak references

    def make(palette: QPalette | None = None, cls: type[MarkdownView] = MarkdownView) -> Any:
        parent = QWidget()
        qtbot.addWidget(parent)
        parents.append(parent)
        if palette is not None:
            parent.setPalette(palette)
        view = cls(parent)
        view.resize(600, 100)
        parent.resize(620, 100)
        parent.show()
        qtbot.waitExposed(parent)
        return view

    yield make
    parents.clear()


def stream(view: MarkdownView, pieces: list[str]) -> None:
    for piece in pieces:
        view.append_markdown(piece)
    view.finish_markdown()


def fragments(block: QTextBlock) -> list[tuple[Any, ...]]:
    out = []
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        fmt = fragment.charFormat()
        foreground = fmt.foreground()
        out.append(
            (
                fragment.text(),
                fmt.fontWeight(),
                fmt.fontItalic(),
                fmt.fontFixedPitch() or "monospace" in (fmt.fontFamilies() or []),
                foreground.color().name() if foreground.style() != Qt.BrushStyle.NoBrush else None,
                fmt.background().color().name(),
                fmt.anchorHref(),
            )
        )
        iterator += 1
    return out


def picture(document: QTextDocument) -> list[tuple[Any, ...]]:
    """Each block's text, look and highlighting: what two renderings must share."""
    rows = []
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        table = QTextCursor(block).currentTable()
        rows.append(
            (
                block.text(),
                is_code_block(fmt),
                fmt.stringProperty(QTextFormat.Property.BlockCodeLanguage),
                fmt.intProperty(QTextFormat.Property.BlockQuoteLevel),
                fmt.stringProperty(CODE_PROPERTY),
                fmt.background().color().name(),
                (fmt.leftMargin(), fmt.rightMargin(), fmt.bottomMargin(), fmt.indent()),
                int(fmt.alignment()),
                block.textList() is not None,
                table is not None and (table.rows(), table.columns()),
                fragments(block),
            )
        )
        block = block.next()
    return rows


def look_of(document: QTextDocument, word: str) -> tuple[Any, ...]:
    """The fragment tuple (see :func:`fragments`) of the first ``word`` in the document."""
    found = document.find(word)
    assert not found.isNull(), word
    iterator = found.block().begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        if fragment.contains(found.selectionStart()):
            return fragments(found.block())[_index(found.block(), fragment.position())]
        iterator += 1
    raise AssertionError(word)


def _index(block: QTextBlock, position: int) -> int:
    index, iterator = 0, block.begin()
    while iterator.fragment().position() != position:
        index += 1
        iterator += 1
    return index


def copy_links(view: MarkdownView) -> list[QTextCursor]:
    """A cursor on each code block's Copy link, in document order."""
    links = []
    block = view.document().begin()
    while block.isValid():
        if block.blockFormat().hasProperty(CODE_PROPERTY):
            iterator = block.begin()
            while not iterator.atEnd():
                fragment = iterator.fragment()
                if fragment.charFormat().anchorHref().startswith(f"{COPY_SCHEME}:"):
                    cursor = QTextCursor(view.document())
                    cursor.setPosition(fragment.position())
                    end = fragment.position() + fragment.length()
                    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
                    links.append(cursor)
                iterator += 1
        block = block.next()
    return links


def click_text(qtbot: QtBot, view: MarkdownView, cursor: QTextCursor) -> None:
    """Click the middle of the first character after ``cursor.selectionStart()``."""
    inside = QTextCursor(cursor)
    inside.setPosition(cursor.selectionStart() + 1)
    rect = view.cursorRect(inside)
    point = QPoint(rect.left() - 2, rect.center().y())
    assert view.anchorAt(point) == cursor.charFormat().anchorHref()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


class UrlRecorder(QObject):
    """Stands in for the desktop's URL opener: QDesktopServices hands URLs to it."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


@pytest.fixture
def opened_urls() -> Iterator[UrlRecorder]:
    recorder = UrlRecorder()
    schemes = (COPY_SCHEME, "http", "https")
    for scheme in schemes:
        QDesktopServices.setUrlHandler(scheme, recorder, "open")
    yield recorder
    for scheme in schemes:
        QDesktopServices.unsetUrlHandler(scheme)


# -- highlighting ----------------------------------------------------------------------


def test_python_keyword_is_coloured_unlike_an_identifier(
    qtbot: QtBot, make_view: ViewFactory
) -> None:
    view = make_view()
    view.set_markdown("```python\ndef add(value):\n    return value\n```\n")
    document = view.document()
    text_color = view.surface_palette().color(QPalette.ColorRole.Text).name()

    keyword = look_of(document, "def")
    identifier = look_of(document, "value")
    assert keyword[4] is not None
    assert keyword[4] != (identifier[4] or text_color)
    assert keyword[3] and identifier[3]  # both still monospace


@pytest.mark.parametrize("fence", ["```", "```nosuchlanguage"])
def test_code_without_a_known_language_stays_plain_monospace(
    qtbot: QtBot, fence: str, make_view: ViewFactory
) -> None:
    view = make_view()
    view.set_markdown(f"{fence}\ndef add(value):\n    return value\n```\n")
    code = [b for b in _blocks(view.document()) if is_code_block(b.blockFormat())]
    assert [b.text() for b in code] == ["def add(value):", "    return value"]
    for block in code:
        for fragment in fragments(block):
            assert fragment[3] and fragment[4] is None


def _blocks(document: QTextDocument) -> list[QTextBlock]:
    blocks, block = [], document.begin()
    while block.isValid():
        blocks.append(block)
        block = block.next()
    return blocks


def _split_points(rng: random.Random, length: int, count: int) -> list[int]:
    return sorted(rng.sample(range(1, length), count))


def _pieces(text: str, cuts: list[int]) -> list[str]:
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if a < b]


@pytest.fixture
def one_shot(make_view: ViewFactory) -> Callable[[str], list[tuple[Any, ...]]]:
    def render(markdown: str) -> list[tuple[Any, ...]]:
        view = make_view()
        view.set_markdown(markdown)
        return picture(view.document())

    return render


def test_streamed_reply_is_highlighted_like_one_shot(
    qtbot: QtBot, one_shot: Callable[[str], list[tuple[Any, ...]]], make_view: ViewFactory
) -> None:
    expected = one_shot(REPLY)
    fence_line = REPLY.index("```python")
    chunkings = [list(REPLY)]  # one character at a time
    chunkings += [  # every cut in and around the fence line, in two pieces
        [REPLY[:cut], REPLY[cut:]] for cut in range(fence_line - 2, fence_line + 14)
    ]
    rng = random.Random(5)
    chunkings += [_pieces(REPLY, _split_points(rng, len(REPLY), 40)) for _ in range(10)]
    for pieces in chunkings:
        view = make_view()
        stream(view, pieces)
        assert view.toPlainText() == view.document().toPlainText()
        assert picture(view.document()) == expected, pieces[:3]


def test_every_split_of_a_fenced_block_streams_like_one_shot(
    qtbot: QtBot, one_shot: Callable[[str], list[tuple[Any, ...]]], make_view: ViewFactory
) -> None:
    markdown = "Intro\n\n```python\nx = 1  # one\nprint(x)\n```\n\nAfter.\n"
    expected = one_shot(markdown)
    view = make_view()
    for cut in range(1, len(markdown)):
        view.set_markdown("")  # the next append starts a new stream
        stream(view, [markdown[:cut], markdown[cut:]])
        assert picture(view.document()) == expected, cut


def test_finished_code_block_is_not_highlighted_again_on_later_flushes(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, make_view: ViewFactory
) -> None:
    calls: list[str] = []
    original = code_highlight.highlight_code

    def counting(document: QTextDocument, position: int, text: str, *args: Any) -> bool:
        calls.append(text)
        return original(document, position, text, *args)

    monkeypatch.setattr(code_highlight, "highlight_code", counting)
    view = make_view()
    first = "def first():\n    return 1"
    second = "def second():\n    return 2"
    view.append_markdown("Intro\n\n```python\n")
    for line in first.split("\n"):
        view.append_markdown(line + "\n")  # the open block: coloured again on each flush
    assert calls and all(first.startswith(text) for text in calls)
    assert calls[-1] == first and calls.count(first) == 1
    view.append_markdown("```\n\n")  # closed: coloured once more, as a finished block
    assert calls[-1] == first and calls.count(first) == 2
    closed = len(calls)
    for n in range(30):
        view.append_markdown(f"Paragraph {n} with `code`.\n\n")
    assert len(calls) == closed  # prose after it: the finished block is left alone
    view.append_markdown("```python\n" + second + "\n```\n\nEnd.\n")
    view.finish_markdown()
    assert calls[closed:] == [second]
    assert calls.count(first) == 2


# -- copying ---------------------------------------------------------------------------


@pytest.mark.parametrize("streaming", [True, False], ids=["streamed", "from-history"])
def test_copy_link_puts_exactly_the_code_on_the_clipboard(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, streaming: bool, make_view: ViewFactory
) -> None:
    monkeypatch.setattr(MarkdownView, "COPIED_FEEDBACK_MS", 50)
    view = make_view()
    if streaming:
        stream(view, [EXACT_MARKDOWN[i : i + 3] for i in range(0, len(EXACT_MARKDOWN), 3)])
    else:
        view.set_markdown(EXACT_MARKDOWN)
    QGuiApplication.clipboard().setText("before")
    [link] = copy_links(view)
    assert link.selectedText() == "Copy"

    click_text(qtbot, view, link)

    assert QGuiApplication.clipboard().text() == EXACT_CODE
    assert copy_links(view)[0].selectedText() == "Copied"
    qtbot.waitUntil(lambda: copy_links(view)[0].selectedText() == "Copy", timeout=2000)


def test_copy_link_of_each_block_copies_its_own_code(qtbot: QtBot, make_view: ViewFactory) -> None:
    view = make_view()
    view.set_markdown(REPLY)
    copied = []
    for link in copy_links(view):
        click_text(qtbot, view, link)
        copied.append(QGuiApplication.clipboard().text())
    assert copied == [
        REPLY.split("```python\n")[1].split("\n```")[0],
        "make",
        "let a = 1;",
        "let b = 2;",
        "no language",
        "indented code",
    ]


def test_copy_link_never_reaches_desktop_services(
    qtbot: QtBot, opened_urls: UrlRecorder, make_view: ViewFactory
) -> None:
    view = make_view()
    view.set_markdown("See [the docs](https://example.com/docs).\n\n```python\nx = 1\n```\n")
    click_text(qtbot, view, copy_links(view)[0])
    assert QGuiApplication.clipboard().text() == "x = 1"
    assert opened_urls.urls == []

    docs = view.document().find("the docs")
    click_text(qtbot, view, docs)
    assert opened_urls.urls == ["https://example.com/docs"]


def test_copied_feedback_during_a_stream_leaves_the_stream_intact(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    one_shot: Callable[[str], Any],
    make_view: ViewFactory,
) -> None:
    """ "Copied" is longer than "Copy": the stream must still find its open tail after
    the label changed in a finished block or in the tail itself."""
    monkeypatch.setattr(MarkdownView, "COPIED_FEEDBACK_MS", 60_000)
    view = make_view()
    pieces = _pieces(REPLY, list(range(7, len(REPLY), 7)))
    seen = 0
    for number, piece in enumerate(pieces):
        view.append_markdown(piece)
        links = copy_links(view)
        if len(links) > seen:  # a new header, most often in the open tail
            seen = len(links)
            click_text(qtbot, view, links[-1])
            assert copy_links(view)[-1].selectedText() == "Copied"
        elif links and number % 5 == 0:  # the first block, long finished
            click_text(qtbot, view, links[0])
            assert copy_links(view)[0].selectedText() == "Copied"
    view.finish_markdown()
    assert seen == 6
    view._end_copied_feedback()  # what the timer does
    assert picture(view.document()) == one_shot(REPLY)


def test_selecting_all_and_copying_leaves_out_the_copy_headers(
    qtbot: QtBot, make_view: ViewFactory
) -> None:
    view = make_view()
    view.set_markdown("Intro\n\n```python\nx = 1\n```\n\nEnd\n")
    assert "Copy" in view.toPlainText()
    view.selectAll()
    view.copy()
    assert QGuiApplication.clipboard().text() == "Intro\nx = 1\nEnd"
    assert "Copy" not in QGuiApplication.clipboard().mimeData().html()


def test_header_code_of_a_streamed_open_block_is_what_arrived(
    qtbot: QtBot, make_view: ViewFactory
) -> None:
    view = make_view()
    view.append_markdown("```python\nx = 1\ny = ")
    [link] = copy_links(view)
    header = view.document().findBlock(link.position())
    assert header_code(header) == "x = 1\ny = "


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("```py\na\n\tb\n```\n", [("py", "a\n\tb")]),
        ("~~~ js title=x\nlet a\n~~~\n", [("js", "let a")]),
        ("1. Step\n\n   ```sh\n   make\n\tx\n   ```\n", [("sh", "make\n x")]),
        ("```\nopen\n\n", [("", "open\n")]),
        ("````md\n```\ninner\n```\n````\n", [("md", "```\ninner\n```")]),
        ("    ```\n    not a fence\n", []),
        ("```\r\nwin\r\n```\r\n", [("", "win")]),
    ],
)
def test_source_code_blocks_finds_the_exact_code(
    markdown: str, expected: list[tuple[str, str]]
) -> None:
    assert [(s.language, s.code) for s in source_code_blocks(markdown)] == expected


# -- the look --------------------------------------------------------------------------


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_code_colours_are_readable_on_the_code_background(
    qtbot: QtBot, dark: bool, make_view: ViewFactory
) -> None:
    palette = dark_palette() if dark else QGuiApplication.palette()
    view = make_view(palette)
    view.set_markdown(
        '```python\n@cached\ndef f(x: int = 0x1F) -> str:\n    """Doc."""\n'
        "    # a comment\n    return str(x) + 'text' if x else None\n```\n"
    )
    background = code_background(palette)
    colored = []
    for block in _blocks(view.document()):
        if is_code_block(block.blockFormat()) or block.blockFormat().hasProperty(CODE_PROPERTY):
            for fragment in fragments(block):
                if fragment[4] is not None:
                    colored.append(fragment)
                    assert contrast(QColor(fragment[4]), background) >= 4.5, fragment
    assert len({fragment[4] for fragment in colored}) >= 5
    keyword = look_of(view.document(), "def")[4]
    light_view = make_view(QGuiApplication.palette())
    light_view.set_markdown("```python\ndef f(): pass\n```\n")
    assert (keyword == look_of(light_view.document(), "def")[4]) is not dark


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_inline_code_quotes_and_code_blocks_are_shaded(
    qtbot: QtBot, dark: bool, make_view: ViewFactory
) -> None:
    palette = dark_palette() if dark else QGuiApplication.palette()
    view = make_view(palette)
    view.set_markdown("Use `len()` here.\n\n> quoted\n\n```\nx = 1\n```\n")
    shade = code_background(palette)
    assert look_of(view.document(), "len()")[5] == shade.name()
    quote = view.document().find("quoted").block().blockFormat()
    assert quote.leftMargin() == QUOTE_INDENT
    assert quote.background().style() != Qt.BrushStyle.NoBrush
    assert quote.background().color() != palette.color(QPalette.ColorRole.Base)

    # The backdrop is painted wider than the text: just left of "x = 1" is code shade.
    line = view.cursorRect(QTextCursor(view.document().find("x = 1").block()))
    shot = view.grab().toImage()
    assert QColor(shot.pixel(line.left() - 4, line.center().y())).name() == shade.name()
    assert QColor(shot.pixel(line.left() - 4, line.top() - 30)).name() != shade.name()


def test_image_in_a_reply_shows_as_a_link_and_is_never_fetched(
    qtbot: QtBot, opened_urls: UrlRecorder, make_view: ViewFactory
) -> None:
    answers: list[bool] = []

    class RecordingView(MarkdownView):
        def loadResource(self, type: int, name: Any) -> Any:
            answer = super().loadResource(type, name)
            answers.append(isinstance(answer, QImage) and answer.isNull())
            return answer

    view = make_view(cls=RecordingView)
    view.set_markdown("A cat: ![a cat](https://example.com/cat.png) here.\n")
    view.grab()
    view.set_markdown("")
    stream(view, ["A cat: ![a c", "at](https://example.com/c", "at.png) here.\n"])
    view.grab()

    image = view.document().find("[image: a cat]")
    assert not image.isNull()
    assert image.charFormat().anchorHref() == "https://example.com/cat.png"
    assert not image.charFormat().isImageFormat()
    assert "\ufffc" not in view.toPlainText()
    assert all(answers)  # whoever asks, the view hands out nothing but an empty image
    assert opened_urls.urls == []  # shown, not opened
    click_text(qtbot, view, image)
    assert opened_urls.urls == ["https://example.com/cat.png"]


def test_pygments_is_imported_only_when_a_code_block_needs_it() -> None:
    script = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from app.ui.markdown_view import MarkdownView\n"
        "view = MarkdownView()\n"
        "view.set_markdown('# Title\\n\\nText with `code`.\\n\\n```\\nplain\\n```\\n')\n"
        "print('pygments' in sys.modules)\n"
        "view.set_markdown('```python\\nx = 1\\n```\\n')\n"
        "print('pygments' in sys.modules)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["False", "True"]


def test_copying_a_selection_then_quitting_exits_cleanly() -> None:
    """The clipboard outlives the interpreter: what it holds must not call back into
    Python when Qt deletes it at exit (a QMimeData made in Python did: a crash)."""
    script = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from app.ui.markdown_view import MarkdownView\n"
        "view = MarkdownView()\n"
        "view.set_markdown('Intro\\n\\n```python\\nx = 1\\n```\\n')\n"
        "view.selectAll()\n"
        "view.copy()\n"
        "print(repr(app.clipboard().text()))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (0, repr("Intro\nx = 1"))
