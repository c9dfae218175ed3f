"""Code blocks in rendered Markdown: a header with a Copy link, and syntax colours.

Qt's Markdown reader makes one block per line of a code block, marked with the fence
and the language (see :func:`app.ui.style.is_code_block`). :func:`decorate_code_blocks`
colours each code block (:mod:`app.ui.code_highlight`) and puts a header block before
it: the language and a "Copy" link whose scheme is :data:`COPY_SCHEME`; the header's
block format holds the code to copy.

The code to copy comes from the Markdown source when a fenced block there matches the
document's lines: Qt's reader turns leading tabs into spaces and drops leading empty
lines, and a copied Makefile or Go file must keep its tabs. Otherwise (indented code,
code in a quote) the document's text is used.

The header is not part of the text: :func:`strip_code_headers` removes the headers from
a copy of a selection before it goes to the clipboard.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QPalette,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFragment,
)

from app.api.translation import translate
from app.ui import code_highlight
from app.ui.markdown_stream import LIST_ITEM_RE, Fence, indent_width, opens_fence
from app.ui.style import (
    BLOCK_SPACING,
    CODE_MARGIN,
    MIN_CONTRAST,
    blend,
    code_background,
    is_code_block,
    readable,
)

COPY_SCHEME = "mimo-copy"
CODE_PROPERTY = int(QTextFormat.Property.UserProperty) + 0x636F  # a header's code
HEADER_TOP_MARGIN = BLOCK_SPACING + 2  # clear of the painted backdrop's overhang
_SEARCH_AHEAD = 8  # source blocks tried for one document block (some never show)
_FENCE = QTextFormat.Property.BlockCodeFence
_LANGUAGE = QTextFormat.Property.BlockCodeLanguage


@dataclass(frozen=True)
class SourceCode:
    """A fenced code block as written in the Markdown source.

    Attributes:
        fence: The fence character, ``"`"`` or ``"~"``.
        language: The first word of the info string.
        code: The exact text between the fences (lines joined by ``"\\n"``).
        shown: The lines as Qt's reader shows them (leading tabs as spaces).
    """

    fence: str
    language: str
    code: str
    shown: tuple[str, ...]

    def shown_forms(self) -> tuple[tuple[str, ...], ...]:
        """The lines as shown, and without leading empty lines (at the start of a
        document Qt's reader drops those)."""
        trimmed = list(self.shown)
        while len(trimmed) > 1 and not trimmed[0]:
            del trimmed[0]
        return (self.shown, tuple(trimmed)) if len(trimmed) < len(self.shown) else (self.shown,)


def _strip_columns(line: str, columns: int) -> str:
    """``line`` without up to ``columns`` columns of leading white space (a tab that
    reaches past them leaves the rest as spaces, as CommonMark says)."""
    column = 0
    for index, char in enumerate(line):
        if column >= columns or char not in " \t":
            return line[index:]
        width = 1 if char == " " else 4 - column % 4
        if column + width > columns:
            return " " * (column + width - columns) + line[index + 1 :]
        column += width
    return ""


def _source_code(fence: Fence, content: list[str]) -> SourceCode:
    shown = [
        " " * max(0, indent_width(line) - fence.indent) + line.lstrip(" \t") for line in content
    ]
    words = fence.info.split()
    return SourceCode(
        fence.char,
        words[0] if words else "",
        "\n".join(_strip_columns(line, fence.indent) for line in content),
        tuple(shown),
    )


def source_code_blocks(markdown: str) -> list[SourceCode]:
    """The fenced code blocks of ``markdown`` (top level or in lists), in order.

    An unclosed fence runs to the end of the text. Fences in block quotes are not seen.
    """
    lines = markdown.split("\n")
    if markdown.endswith("\n"):
        lines.pop()
    found: list[SourceCode] = []
    in_list = blank = False
    index = 0
    while index < len(lines):
        line = lines[index].removesuffix("\r")
        index += 1
        if not line.strip():
            blank = True
            continue
        if LIST_ITEM_RE.match(line):
            in_list = True
        elif blank and indent_width(line) == 0:
            in_list = False
        blank = False
        fence = opens_fence(line, in_list)
        if fence is None:
            continue
        content: list[str] = []
        while index < len(lines):
            inner = lines[index].removesuffix("\r")
            index += 1
            if fence.closed_by(inner):
                break
            content.append(inner)
        found.append(_source_code(fence, content))
    return found


@dataclass(frozen=True)
class _CodeItem:
    position: int  # of its first line in the document
    lines: tuple[str, ...]
    language: str
    code: str


def _document_runs(document: QTextDocument) -> list[list[QTextBlock]]:
    """Consecutive code lines with the same fence and language (headers excluded)."""
    runs: list[list[QTextBlock]] = []
    previous: tuple[str, str] | None = None
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        key = None
        if is_code_block(fmt) and not fmt.hasProperty(CODE_PROPERTY):
            key = (fmt.stringProperty(_FENCE), fmt.stringProperty(_LANGUAGE))
            if key == previous:
                runs[-1].append(block)
            else:
                runs.append([block])
        previous = key
        block = block.next()
    return runs


def _find_source(
    sources: list[SourceCode], first: int, kind: tuple[str, str], texts: tuple[str, ...]
) -> tuple[int, int] | None:
    """The first source block (from ``first`` on) that ``texts`` begins with, and how
    many of the lines it covers."""
    for index in range(first, min(first + _SEARCH_AHEAD, len(sources))):
        source = sources[index]
        if (source.fence, source.language) != kind:
            continue
        for shown in source.shown_forms():
            if shown and texts[: len(shown)] == shown:
                return index, len(shown)
    return None


def _code_items(document: QTextDocument, markdown: str) -> list[_CodeItem]:
    """The code blocks of ``document`` with the code to copy for each.

    Qt joins fenced blocks that touch; the source splits them again.
    """
    sources = source_code_blocks(markdown) if "```" in markdown or "~~~" in markdown else []
    next_source = 0
    items: list[_CodeItem] = []
    for run in _document_runs(document):
        fmt = run[0].blockFormat()
        fence, language = fmt.stringProperty(_FENCE), fmt.stringProperty(_LANGUAGE)
        texts = tuple(block.text() for block in run)
        start = 0
        while start < len(texts):
            found = _find_source(sources, next_source, (fence, language), texts[start:])
            if found is None:
                rest = texts[start:]
                items.append(_CodeItem(run[start].position(), rest, language, "\n".join(rest)))
                break
            index, count = found
            shown = texts[start : start + count]
            items.append(_CodeItem(run[start].position(), shown, language, sources[index].code))
            start += count
            next_source = index + 1
    return items


def copy_link_label(copied: bool = False) -> str:
    """The Copy link's text: "Copy", or "Copied" for a moment after a click."""
    if copied:
        return translate("CodeBlocks", "Copied")
    return translate("CodeBlocks", "Copy")


def copy_href(code: str) -> str:
    """The Copy link's address for ``code`` (the same code gives the same address)."""
    return f"{COPY_SCHEME}:{hash(code) & 0xFFFFFFFFFFFFFFFF:016x}"


class _HeaderLook:
    """The formats of a code block's header for one palette."""

    def __init__(self, palette: QPalette) -> None:
        shade = code_background(palette)
        text = palette.color(QPalette.ColorRole.Text)
        self.label = QTextCharFormat()
        self.label.setProperty(QTextFormat.Property.FontSizeAdjustment, -1)
        self.label.setForeground(readable(blend(text, shade, 0.45), shade, text, MIN_CONTRAST))
        self.link = QTextCharFormat(self.label)
        link = palette.color(QPalette.ColorRole.Link)
        self.link.setForeground(readable(link, shade, text, MIN_CONTRAST))
        self.link.setAnchor(True)


def _insert_header(
    document: QTextDocument, item: _CodeItem, look: _HeaderLook, copy_label: str
) -> None:
    cursor = QTextCursor(document)
    cursor.setPosition(item.position)
    first = cursor.block()
    code_format = first.blockFormat()
    cursor.insertBlock(code_format, first.charFormat())
    cursor.movePosition(QTextCursor.MoveOperation.PreviousBlock)
    header = QTextBlockFormat(code_format)
    for prop in (_FENCE, _LANGUAGE, QTextFormat.Property.ObjectIndex):
        header.clearProperty(prop)
    header.setAlignment(Qt.AlignmentFlag.AlignRight)
    header.setNonBreakableLines(True)
    header.setBottomMargin(0)
    header.setTopMargin(HEADER_TOP_MARGIN)
    header.setProperty(CODE_PROPERTY, item.code)
    cursor.setBlockFormat(header)
    cursor.setBlockCharFormat(look.label)
    if item.language:
        cursor.insertText(f"{item.language}  \u00b7  ", look.label)
    link = QTextCharFormat(look.link)
    link.setAnchorHref(copy_href(item.code))
    cursor.insertText(copy_label, link)


def decorate_code_blocks(document: QTextDocument, markdown: str, palette: QPalette) -> None:
    """Colour every code block of ``document`` and put a Copy header before each.

    Args:
        document: Rendered from ``markdown`` (and polished) by Qt's Markdown reader.
        markdown: The source, where the exact code to copy is found.
        palette: Colours for the header and the syntax highlighting.
    """
    items = _code_items(document, markdown)
    if not items:
        return
    look = _HeaderLook(palette)
    copy_label = copy_link_label()
    spacing = BLOCK_SPACING + CODE_MARGIN / 2  # as polish_markdown gives a run's end
    for item in reversed(items):  # from the end: positions before each item stay put
        code_highlight.highlight_code(
            document, item.position, "\n".join(item.lines), item.language, palette
        )
        last = document.findBlock(item.position + sum(len(line) + 1 for line in item.lines) - 1)
        if last.blockFormat().bottomMargin() != spacing:
            fmt = last.blockFormat()
            fmt.setBottomMargin(spacing)
            QTextCursor(last).setBlockFormat(fmt)
        _insert_header(document, item, look, copy_label)


def find_code_header(document: QTextDocument, href: str) -> QTextBlock | None:
    """The header block whose Copy link points at ``href``, if any."""
    block = document.begin()
    while block.isValid():
        if block.blockFormat().hasProperty(CODE_PROPERTY) and _copy_link(block, href):
            return block
        block = block.next()
    return None


def header_code(block: QTextBlock) -> str:
    """The code that a header's Copy link copies."""
    return block.blockFormat().stringProperty(CODE_PROPERTY)


def _copy_link(block: QTextBlock, href: str) -> QTextFragment | None:
    """The Copy link in a header block."""
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        if fragment.charFormat().anchorHref() == href:
            return fragment
        iterator += 1
    return None


def set_copy_label(block: QTextBlock, href: str, label: str) -> None:
    """Change the text of a header's Copy link (to say "Copied", then "Copy" again)."""
    link = _copy_link(block, href)
    if link is None or link.text() == label:
        return
    cursor = QTextCursor(block)
    cursor.setPosition(link.position())
    cursor.setPosition(link.position() + link.length(), QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(label, link.charFormat())


def strip_code_headers(document: QTextDocument) -> bool:
    """Remove every code header block from ``document``; say whether there was one."""
    spans: list[tuple[int, int]] = []
    block = document.begin()
    while block.isValid():
        if block.blockFormat().hasProperty(CODE_PROPERTY):
            spans.append((block.position(), block.length()))
        block = block.next()
    cursor = QTextCursor(document)
    for position, length in reversed(spans):
        end = position + length
        if end >= document.characterCount():  # the last block: take the break before it
            position, end = max(position - 1, 0), end - 1
        cursor.setPosition(position)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
    return bool(spans)
