"""Streaming Markdown into a QTextDocument: each finished block is parsed once.

A streamed reply grows at its end. Re-parsing the whole text on every flush makes each
flush cost more than the last, so a long reply stutters. Here the text is split into
finished top-level blocks and the last, still-open block (the *tail*):

- a block ends at a blank line, outside a fenced code block; a fenced code block ends at
  its closing fence;
- a list stays open across blank lines while an indented line or another item follows;
  it ends when, after a blank line, an unindented line that is not an item begins;
- an indented code block stays open across blank lines while indented lines follow;
- an HTML block of CommonMark kinds 1-5 (``<pre>``, ``<script>``, comments...) stays
  open until its end marker.

When in doubt a block stays open: that costs a re-render, never a wrong picture.

Finished blocks are rendered once (in a scratch document) and appended to the target
document as a fragment; only the tail is removed and rendered again on each flush. The
result matches a one-shot ``setMarkdown`` of the whole text. Two things depend on more
than their own block: link reference definitions (``[id]: url``, which may come after
the links that use them) and HTML blocks (Qt inserts them into the block before); for a
text that has them, :meth:`MarkdownStream.finish` renders the whole text once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import (
    QImage,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
)

Polish = Callable[[QTextDocument, str], None]

_FENCE_RE = re.compile(r"(`{3,}|~{3,})(.*)")
LIST_ITEM_RE = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?=[ \t\r]|$)")
_LIST_MARKER_RE = re.compile(r"\s*(?:[-+*]|\d{1,9}[.)])[ \t]+")
# Link reference definitions apply to links anywhere in the text; Qt inserts an HTML
# block into the block before it. Both need the whole text: one full render at the end.
_WHOLE_TEXT_RE = re.compile(r"^ {0,3}(?:\[[^\]\n]+\]:|<[A-Za-z!?/])", re.MULTILINE)
_HTML_BLOCKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" {0,3}<(?:script|pre|style|textarea)(?:[\s>]|$)", re.IGNORECASE), ""),
    (re.compile(r" {0,3}<!--"), "-->"),
    (re.compile(r" {0,3}<\?"), "?>"),
    (re.compile(r" {0,3}<![A-Za-z]"), ">"),
    (re.compile(r" {0,3}<!\[CDATA\["), "]]>"),
)
_RAW_END_TAGS = ("</script>", "</pre>", "</style>", "</textarea>")


def indent_width(line: str) -> int:
    """Columns of leading white space (a tab counts as reaching the next multiple of 4)."""
    column = 0
    for char in line:
        if char == " ":
            column += 1
        elif char == "\t":
            column += 4 - column % 4
        else:
            break
    return column


def _html_block_start(line: str) -> tuple[str, int] | None:
    """For an HTML block of kinds 1-5 starting at ``line``: its end marker and where the
    opening ends; else None."""
    for pattern, marker in _HTML_BLOCKS:
        match = pattern.match(line)
        if match is not None:
            return marker, match.end()
    return None


def _html_block_ends(line: str, marker: str) -> bool:
    if marker:
        return marker in line
    lowered = line.lower()
    return any(tag in lowered for tag in _RAW_END_TAGS)


class Fence:
    """An open fenced code block: its fence character, length, indentation (in columns,
    counted from the start of the line) and info string (language and more)."""

    __slots__ = ("char", "indent", "info", "length")

    def __init__(self, run: str, indent: int, info: str = "") -> None:
        self.char = run[0]
        self.length = len(run)
        self.indent = indent
        self.info = info

    def closed_by(self, line: str) -> bool:
        stripped = line.strip()
        return (
            indent_width(line) <= self.indent + 3
            and len(stripped) >= self.length
            and stripped == self.char * len(stripped)
        )


def opens_fence(line: str, in_list: bool) -> Fence | None:
    """The fence that ``line`` opens, if any (after a list marker, inside a list)."""
    indent = indent_width(line)
    body = line.lstrip(" \t")
    if in_list:
        marker = _LIST_MARKER_RE.match(line)
        if marker is not None:
            body = line[marker.end() :]
            indent = indent_width(line[: marker.end()] + body)
    elif indent > 3:
        return None
    match = _FENCE_RE.match(body.rstrip("\r\n"))
    if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
        return None
    return Fence(match.group(1), indent, match.group(2).strip())


def finished_length(text: str) -> int:
    """How much of ``text``, from its start, is made of finished top-level blocks.

    ``text`` must begin at the start of a top-level block (or be empty). Only whole
    lines are considered: an unterminated last line always belongs to the open tail.

    Returns:
        An offset: ``text[:offset]`` is complete blocks (and blank lines) that no later
        text can change; ``text[offset:]`` is the open tail.
    """
    boundary = 0
    kind = ""  # "", "block", "fence", "list", "code", "html"
    fence: Fence | None = None
    html_end: str | None = None
    blank_seen = False
    start = 0
    length = len(text)
    while start < length:
        newline = text.find("\n", start)
        if newline < 0:
            break
        end = newline + 1
        line = text[start:end]
        if fence is not None:
            if fence.closed_by(line):
                fence = None
                if kind == "fence":
                    kind, boundary = "", end
        elif html_end is not None:
            if _html_block_ends(line, html_end):
                html_end, kind = None, "block"
        elif not line.strip():
            if kind in ("", "block"):
                kind, boundary = "", end
            else:
                blank_seen = True
        else:
            indent = indent_width(line)
            if blank_seen:
                blank_seen = False
                continues = (kind == "list" and (indent > 0 or LIST_ITEM_RE.match(line))) or (
                    kind == "code" and indent >= 4
                )
                if not continues:
                    kind, boundary = "", start
            if not kind:
                if indent >= 4:
                    kind = "code"
                elif LIST_ITEM_RE.match(line):
                    kind = "list"
                else:
                    html = _html_block_start(line)
                    kind = "block"
                    if html is not None and not _html_block_ends(line[html[1] :], html[0]):
                        html_end, kind = html[0], "html"
            if kind != "html" and not (kind == "code" and indent >= 4):
                fence = opens_fence(line, kind == "list")
                if fence is not None and kind != "list":
                    kind = "fence"
        start = end
    return boundary


class _ScratchDocument(QTextDocument):
    """A document that renders Markdown for a fragment and never loads a resource."""

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return QImage()  # not None: on None, Qt would read local files itself


class MarkdownStream:
    """Appends streamed Markdown to a document, re-rendering only the open last block.

    Others may change text and formats in the document between appends (say, a
    label in a code block's header) but must not add or remove blocks: the stream
    finds the tail again by a cursor that moves with such edits.

    Args:
        document: The document to write to; it is cleared first.
        polish: Applied to each newly rendered piece (in a scratch document) before it
            is inserted, so it never walks the whole target document; called with the
            scratch document and the piece's Markdown.
    """

    def __init__(self, document: QTextDocument, polish: Polish | None = None) -> None:
        self._document = document
        self._polish = polish
        self._scratch = _ScratchDocument()
        self._scratch.setDefaultFont(document.defaultFont())
        self._scratch.setDefaultStyleSheet(document.defaultStyleSheet())
        self._scratch.setUndoRedoEnabled(False)
        self._finished: list[str] = []
        self._tail = ""
        # On the last character before the tail (None: the tail starts the document), so
        # that edits before the tail move it and inserting the tail does not.
        self._before_tail: QTextCursor | None = None
        self._has_blocks = False
        self._last_formats = (QTextBlockFormat(), QTextCharFormat())
        document.clear()

    @property
    def text(self) -> str:
        """All the Markdown received so far."""
        return "".join(self._finished) + self._tail

    @property
    def tail(self) -> str:
        """The still-open last part of the text, rendered again on every append."""
        return self._tail

    def append(self, delta: str) -> None:
        """Add ``delta`` to the text and bring the document up to date.

        The work is proportional to the open tail and ``delta``, not to the text.
        """
        if not delta:
            return
        tail = self._tail + delta
        done = finished_length(tail)
        cursor = QTextCursor(self._document)
        cursor.beginEditBlock()
        try:
            self._remove_tail(cursor)
            if done:
                self._finished.append(tail[:done])
                self._has_blocks |= self._insert(cursor, tail[:done])
                self._mark_tail_start()
            self._tail = tail[done:]
            self._insert(cursor, self._tail)
        finally:
            cursor.endEditBlock()

    def finish(self) -> None:
        """The stream ended: render once more from scratch if the text needs it.

        Link reference definitions apply to the whole document, also to links that came
        before them, and Qt puts an HTML block into the block before it: only a full
        render gets those right.
        """
        text = self.text
        if _WHOLE_TEXT_RE.search(text) is None:
            return
        self._finished = [text]
        self._tail = ""
        self._has_blocks = False
        cursor = QTextCursor(self._document)
        cursor.beginEditBlock()
        try:
            cursor.select(QTextCursor.SelectionType.Document)
            cursor.removeSelectedText()
            self._has_blocks = self._insert(cursor, text)
            self._mark_tail_start()
        finally:
            cursor.endEditBlock()

    # -- internals -----------------------------------------------------------------

    def _end_position(self) -> int:
        return self._document.characterCount() - 1

    def _tail_start(self) -> int:
        return 0 if self._before_tail is None else self._before_tail.position() + 1

    def _mark_tail_start(self) -> None:
        """Remember where the tail will begin and how the last finished block looks."""
        end = self._end_position()
        self._before_tail = None
        if end > 0:
            self._before_tail = QTextCursor(self._document)
            self._before_tail.setPosition(end - 1)
        last = self._document.lastBlock()
        self._last_formats = (last.blockFormat(), last.charFormat())

    def _remove_tail(self, cursor: QTextCursor) -> None:
        start, end = self._tail_start(), self._end_position()
        if end <= start:
            return
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        if not self._has_blocks:
            return
        # Removing the separator after the last finished block can hand that block the
        # format of the tail's first block (seen after tables): put its own back.
        block_format, char_format = self._last_formats
        last = self._document.lastBlock()
        if last.blockFormat() != block_format:
            cursor.setBlockFormat(block_format)
        if last.charFormat() != char_format:
            cursor.setBlockCharFormat(char_format)

    def _insert(self, cursor: QTextCursor, markdown: str) -> bool:
        """Render ``markdown`` on its own and insert it at the end of the document.

        Returns:
            False when there was nothing to insert (only white space).
        """
        if not markdown.strip():
            return False
        scratch = self._scratch
        joined = self._has_blocks
        # After existing blocks, a leading empty paragraph takes the place of the
        # document's last block, so the piece's first block keeps its own format
        # (heading, list item, code) when the fragment is inserted.
        scratch.setMarkdown("\u00b7\n\n" + markdown if joined else markdown)
        if joined:
            first = QTextCursor(scratch)
            first.movePosition(
                QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
            )
            first.removeSelectedText()
        if self._polish is not None:
            self._polish(scratch, markdown)
        cursor.setPosition(self._end_position() if joined else 0)
        cursor.insertFragment(QTextDocumentFragment(scratch))
        return True
