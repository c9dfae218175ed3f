"""Syntax colours for code blocks: Pygments tokens turned into Qt character formats.

Pygments is imported on first use (the first code block that names a language), not at
start-up. The colours come from one of two Pygments styles, picked by the palette (a
light one on light backgrounds, a dark one on dark backgrounds), and each colour is
checked against the code block's background: one that reads badly is moved towards the
text colour until its contrast reaches ``MIN_CONTRAST`` (see :mod:`app.ui.style`).

Highlighting writes foreground, weight and slant into the document's own character
formats, so a highlighted piece keeps its colours when it is copied into another
document as a fragment (see :mod:`app.ui.markdown_stream`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Protocol, cast

from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextCursor, QTextDocument

from app.ui.style import MIN_CONTRAST, code_background, readable
from app.ui.theme import is_dark

LIGHT_STYLE = "default"
DARK_STYLE = "github-dark"


class _Lexer(Protocol):
    def get_tokens(self, text: str) -> Iterable[tuple[Any, str]]: ...


@functools.lru_cache(maxsize=128)
def lexer_for(language: str) -> _Lexer | None:
    """The Pygments lexer for a fence's language name or alias, or None if unknown.

    The lexer keeps the text as it is (no stripped or added newlines, tabs untouched),
    so token offsets are offsets into the highlighted text.
    """
    if not language:
        return None
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language.lower(), stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None
    return cast(_Lexer, lexer)


class TokenFormats:
    """Character formats for Pygments token types, for one background and text colour.

    Args:
        background: The code block's background.
        text: The palette's text colour (the colour of untouched tokens).
        dark: Use the dark Pygments style.
    """

    def __init__(self, background: QColor, text: QColor, dark: bool) -> None:
        from pygments.styles import get_style_by_name
        from pygments.util import ClassNotFound

        try:
            self._style: Any = get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)
        except ClassNotFound:  # an older Pygments: its default, made readable below
            self._style = get_style_by_name("default")
        self._background = QColor(background)
        self._text = QColor(text)
        self._formats: dict[Any, QTextCharFormat | None] = {}

    def format_for(self, token_type: Any) -> QTextCharFormat | None:
        """The format for a token type; None when it looks like plain text."""
        if token_type in self._formats:
            return self._formats[token_type]
        style = self._style.style_for_token(token_type)
        fmt: QTextCharFormat | None = None
        if style["color"] or style["bold"] or style["italic"]:
            fmt = QTextCharFormat()
            if style["color"]:
                color = QColor(f"#{style['color']}")
                fmt.setForeground(readable(color, self._background, self._text, MIN_CONTRAST))
            if style["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if style["italic"]:
                fmt.setFontItalic(True)
        self._formats[token_type] = fmt
        return fmt


@functools.lru_cache(maxsize=8)
def token_formats(background: int, text: int, dark: bool) -> TokenFormats:
    """The shared :class:`TokenFormats` for these colours (given as ARGB numbers)."""
    return TokenFormats(QColor.fromRgba(background), QColor.fromRgba(text), dark)


@functools.lru_cache(maxsize=8)
def _runs(
    language: str, text: str, formats: TokenFormats
) -> tuple[tuple[int, int, QTextCharFormat], ...] | None:
    """Where each format goes in ``text``: (start, end, format), plain stretches left out.

    Cached: a code block that has just been closed is usually the same text as the
    open block coloured on the flush before.
    """
    lexer = lexer_for(language)
    if lexer is None:
        return None
    tokens = list(lexer.get_tokens(text))
    if sum(len(value) for _, value in tokens) != len(text):
        return None  # the lexer changed the text: offsets would be wrong
    runs: list[tuple[int, int, QTextCharFormat]] = []
    offset = 0
    run_start, run_format = 0, None
    for token_type, value in tokens:
        fmt = formats.format_for(token_type)
        if fmt is not run_format:
            if run_format is not None and offset > run_start:
                runs.append((run_start, offset, run_format))
            run_start, run_format = offset, fmt
        offset += len(value)
    if run_format is not None and offset > run_start:
        runs.append((run_start, offset, run_format))
    return tuple(runs)


def highlight_code(
    document: QTextDocument, position: int, text: str, language: str, palette: QPalette
) -> bool:
    """Colour the code ``text`` that starts at ``position`` in ``document``.

    Only character formats change (merged in: fonts stay as they are); the text does
    not. The caller groups the edits (``beginEditBlock``) if it wants one change signal.

    Args:
        document: The document holding the code.
        position: Where ``text`` starts in the document.
        text: The code as the document shows it (lines joined by ``"\\n"``).
        language: The fence's language name; unknown or empty means no colours.
        palette: Picks the style and the colours' contrast partners.

    Returns:
        Whether a lexer was found and the code coloured.
    """
    if not text or lexer_for(language) is None:
        return False
    formats = token_formats(
        code_background(palette).rgba(),
        palette.color(QPalette.ColorRole.Text).rgba(),
        is_dark(palette),
    )
    runs = _runs(language, text, formats)
    if runs is None:
        return False
    cursor = QTextCursor(document)
    for start, end, fmt in runs:
        cursor.setPosition(position + start)
        cursor.setPosition(position + end, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(fmt)
    return True
