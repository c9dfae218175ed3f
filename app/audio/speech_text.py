"""Text for reading aloud: Markdown to speakable text, long text to sentence-sized pieces.

Pure functions. :func:`markdown_to_speech` keeps what a listener needs (the words)
and drops what only an eye needs (markup, URLs, code). :func:`split_for_speech` cuts
at sentence ends (Chinese full stops, question and exclamation marks included), so
each piece is one speech request of bounded size that starts playing quickly.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit

__all__ = ["DEFAULT_PIECE_CHARS", "markdown_to_speech", "split_for_speech"]

DEFAULT_PIECE_CHARS: Final = 300

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)", re.M | re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>")
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>()\[\]]+|\bwww\.[^\s<>()\[\]]+")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>\n]*>")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S)
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\*)|(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?!\w)"
)
_STRIKE = re.compile(r"~~(.+?)~~", re.S)
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)
_SETEXT_RULE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$", re.M)
_RULE = re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.M)
_QUOTE = re.compile(r"^ {0,3}>[ \t]?", re.M)
_BULLET = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.M)
_TABLE_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?)?[ \t]*$", re.M)
_ENDS_SENTENCE: Final = tuple(".!?:;\u2026\u3002\uff01\uff1f\uff1b\uff1a")

_SENTENCE_END = re.compile(
    # Full-width stops, marks and semicolons and ASCII ?! end a sentence with no space
    # after them; closing quotes and brackets stay with it.
    r"[\u3002\uff01\uff1f\uff1b!?]+[\u201d\u2019\u300d\u300f\uff09)\"']*"
    # A period (or an ellipsis) ends one only before a space: not in 3.14.
    r"|[.\u2026]+[\u201d\u2019\"')\]]*(?=\s|$)"
    r"|\n+"
)
_SOFT_BREAK = re.compile(r"[\uff0c,\u3001;\uff1b:\uff1a\u2014]+\s*|\s+")  # commas, colons, dashes


def markdown_to_speech(markdown: str, *, code_block: str | None = None) -> str:
    """The text of ``markdown`` as it should be read aloud.

    Links become their text, bare URLs their domain, images their alt text; emphasis,
    headings, quotes, list markers, rules, HTML tags and table pipes go. Headings and
    table rows end with a period, so the voice pauses after them.

    Args:
        markdown: The Markdown source (e.g. a model's answer).
        code_block: Said instead of each fenced code block ("code block"), or None
            to drop code blocks silently.
    """
    text = markdown.replace("\r\n", "\n").replace("\r", "\n")
    replacement = f"\n{code_block}.\n" if code_block else "\n"
    text = _FENCE.sub(replacement, text)
    text = _REFERENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _AUTOLINK.sub(lambda match: _domain(match.group(1)), text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(lambda match: _domain(match.group(0)), text)
    text = _HTML_TAG.sub("", text)
    text = _INLINE_CODE.sub(lambda match: match.group(2).strip(), text)
    text = _HEADING.sub(lambda match: _sentence(match.group(1)), text)
    has_table = _TABLE_RULE.search(text) is not None
    text = _TABLE_RULE.sub("", text)
    text = _RULE.sub("", text)
    text = _SETEXT_RULE.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub("", text)
    if has_table:
        text = "\n".join(_table_row(line) for line in text.split("\n"))
    for pattern in (_STRONG, _STRIKE):
        text = pattern.sub(lambda match: match.group(match.lastindex or 0), text)
    text = _EMPHASIS.sub(lambda match: match.group(1) or match.group(2), text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{2,}", "\n", "\n".join(lines)).strip()


def split_for_speech(text: str, limit: int = DEFAULT_PIECE_CHARS) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit`` characters, at sentence ends.

    Sentences are packed together while they fit. A sentence longer than ``limit``
    is cut at commas, then at spaces, and only as a last resort inside a word.

    Raises:
        ValueError: ``limit`` is smaller than 1.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    pieces: list[str] = []
    current = ""
    for sentence in _sentences(text):
        for part in _fit(sentence, limit):
            joined = (
                f"{current} {part}" if current and _needs_space(current, part) else current + part
            )
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return pieces


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def _fit(sentence: str, limit: int) -> list[str]:
    """``sentence`` cut at soft breaks (then anywhere) into parts of <= ``limit``."""
    if len(sentence) <= limit:
        return [sentence]
    parts: list[str] = []
    rest = sentence
    while len(rest) > limit:
        cut = 0
        for match in _SOFT_BREAK.finditer(rest, 1, limit + 1):
            if match.start() <= limit:
                cut = match.end() if match.group().strip() else match.start()
        cut = min(cut, limit) or limit
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return [part for part in parts if part]


def _needs_space(before: str, after: str) -> bool:
    """Latin text is joined with a space; Chinese (CJK) text is not."""
    return not (_is_cjk(before[-1]) or _is_cjk(after[0]))


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef"


def _domain(url: str) -> str:
    host = urlsplit(url if "://" in url else f"http://{url}").hostname or url
    return host.removeprefix("www.")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(_ENDS_SENTENCE) else f"{text}."


def _table_row(line: str) -> str:
    stripped = line.strip()
    if "|" not in stripped:
        return line
    cells = [cell.strip() for cell in stripped.strip("|").split("|")]
    return _sentence(", ".join(cell for cell in cells if cell))
