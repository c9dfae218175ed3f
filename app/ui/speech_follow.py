"""Reading a reply aloud while it streams: complete sentences out, the rest held back.

A streamed reply arrives in arbitrary pieces of Markdown. :class:`SentenceFeed` keeps
what arrived and gives out the speakable text (:func:`markdown_to_speech`) of the part
that can no longer change: everything up to the last sentence end or line end that is
not inside a code fence, a table or an unclosed inline mark (``**``, a backtick, a link).
So the first sentence can be spoken while the model is still writing the second, and a
``**bold. text**`` split by the network is never read with its asterisks.

Pure functions over strings; no Qt.
"""

from __future__ import annotations

import re
from typing import Final

from app.audio.speech_text import markdown_to_speech

__all__ = ["SentenceFeed", "settled_length"]

_FENCE_LINE: Final = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TABLE_LINE: Final = re.compile(r"^ {0,3}\|")
# A sentence end inside a line: a full-width mark (no space needed after it), or an ASCII
# one followed by white space (so "3.14" and "example.com" are not cut).
_SENTENCE_END: Final = re.compile(
    r"[\u3002\uff01\uff1f]+[\u201d\u2019\u300d\u300f\uff09)\"']*"
    r"|[.!?\u2026]+[\"')\]\u201d\u2019]*(?=\s)"
)


def _inline_closed(text: str) -> bool:
    """Whether every inline mark opened in ``text`` (one line's start) is closed."""
    if text.count("`") % 2 or text.count("**") % 2 or text.count("__") % 2:
        return False
    if text.count("~~") % 2 or text.count("[") != text.count("]"):
        return False
    link = text.rfind("](")
    return link < 0 or ")" in text[link + 2 :]


def settled_length(markdown: str) -> int:
    """How much of a growing Markdown text can be read aloud already.

    Returns:
        An index into ``markdown``: the text before it ends at a sentence or line end,
        outside code fences and tables, with its inline marks closed. 0 when nothing
        is settled yet.
    """
    settled = 0
    position = 0
    in_fence = False
    in_table = False
    for line in markdown.splitlines(keepends=True):
        start, position = position, position + len(line)
        complete = line.endswith(("\n", "\r"))
        if _FENCE_LINE.match(line):
            if not complete:
                break
            in_fence = not in_fence
            if not in_fence:
                settled = position  # the whole block, code and all, is settled
            continue
        if in_fence:
            continue
        if _TABLE_LINE.match(line):
            in_table = True  # a table is read once a line after it has begun
            continue
        if in_table:
            in_table = False
            settled = start
        if complete and _inline_closed(line):
            settled = position
            continue
        for match in _SENTENCE_END.finditer(line):
            if _inline_closed(line[: match.end()]):
                settled = start + match.end()
    return settled


class SentenceFeed:
    """Turns a streaming Markdown reply into speakable text, sentence by sentence.

    Args:
        code_block: Said instead of a code block (None: code is skipped).
    """

    def __init__(self, code_block: str | None = None) -> None:
        self._code_block = code_block
        self._pending = ""

    @property
    def pending(self) -> str:
        """The Markdown received but not yet given out."""
        return self._pending

    def feed(self, markdown: str) -> str:
        """Add a piece of the reply; return the speakable text now settled (or "")."""
        self._pending += markdown
        cut = settled_length(self._pending)
        if not cut:
            return ""
        ready, rest = self._pending[:cut], self._pending[cut:]
        # A cut inside a line leaves the rest of that line: no list marker to strip.
        self._pending = rest.lstrip(" \t") if not ready.endswith(("\n", "\r")) else rest
        return markdown_to_speech(ready, code_block=self._code_block)

    def close(self) -> str:
        """The reply ended: the speakable text of whatever is left."""
        rest, self._pending = self._pending, ""
        return markdown_to_speech(rest, code_block=self._code_block)
