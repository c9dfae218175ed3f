"""Full-text search of the store: substring matching in every script.

The FTS5 tables use the trigram tokenizer (migration ``m003``), so a query word of
three or more characters matches anywhere inside the text, whatever the language:
``"synth"`` finds "photosynthesis", ``"数据库"`` finds "向量数据库的索引". Trigrams
cannot match a word of one or two characters (common in Chinese: 模型, 你好), so such
words become ``LIKE`` filters; a query made only of short words is answered by ``LIKE``
alone, newest first, with a snippet cut here in Python.

Every word must match (AND); any text is safe: words are quoted, ``LIKE`` wildcards
escaped. Deleted conversations are left out.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from app.core.store_records import SNIPPET_CLOSE, SNIPPET_OPEN, SearchHit

__all__ = ["QueryPlan", "plan_query", "search"]

TRIGRAM = 3  # the shortest word the FTS index can match
SNIPPET_TOKENS = 40  # FTS5 counts trigram tokens: about as many characters
_CONTEXT = 24  # characters kept before the first match in a LIKE-only snippet
_SNIPPET_CHARS = 64


@dataclass(frozen=True)
class QueryPlan:
    """How a query runs: an FTS5 MATCH for the long words, LIKE for the short ones.

    Attributes:
        words: Every word of the query, in order.
        match: The FTS5 query (each long word a quoted phrase), or None.
        likes: ``LIKE`` patterns (escaped with ``\\``) for the short words.
    """

    words: tuple[str, ...]
    match: str | None
    likes: tuple[str, ...]


def plan_query(text: str) -> QueryPlan | None:
    """Split user text into words; None when it holds none (e.g. only spaces)."""
    words = tuple(text.replace("\x00", " ").split())
    if not words:
        return None
    long_words = [w for w in words if len(w) >= TRIGRAM]
    short_words = [w for w in words if len(w) < TRIGRAM]
    match = " ".join('"' + w.replace('"', '""') + '"' for w in long_words) or None
    likes = tuple("%" + _escape_like(w) + "%" for w in short_words)
    return QueryPlan(words, match, likes)


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_filters(column: str, likes: tuple[str, ...]) -> str:
    return "".join(f" AND {column} LIKE :like{i} ESCAPE '\\'" for i in range(len(likes)))


def _fts_sql(likes: tuple[str, ...]) -> str:
    snippet = f"'{SNIPPET_OPEN}', '{SNIPPET_CLOSE}', '…', {SNIPPET_TOKENS}"
    return f"""
SELECT * FROM (
    SELECT c.id, NULL, c.title, snippet(conversations_fts, 0, {snippet}),
        conversations_fts.rank AS rank, 0 AS kind
    FROM conversations_fts JOIN conversations c ON c.seq = conversations_fts.rowid
    WHERE conversations_fts MATCH :q AND c.deleted_at IS NULL{_like_filters("c.title", likes)}
    ORDER BY rank LIMIT :limit
)
UNION ALL
SELECT * FROM (
    SELECT c.id, m.id, c.title, snippet(messages_fts, 0, {snippet}),
        messages_fts.rank AS rank, 1 AS kind
    FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
    JOIN conversations c ON c.id = m.conversation_id
    WHERE messages_fts MATCH :q AND c.deleted_at IS NULL{_like_filters("m.content", likes)}
    ORDER BY rank LIMIT :limit
)
ORDER BY kind, rank LIMIT :limit
"""


def _like_sql(likes: tuple[str, ...]) -> str:
    return f"""
SELECT * FROM (
    SELECT c.id, NULL, c.title, c.title, 0 AS kind FROM conversations c
    WHERE c.deleted_at IS NULL{_like_filters("c.title", likes)}
    ORDER BY c.updated_at DESC LIMIT :limit
)
UNION ALL
SELECT * FROM (
    SELECT c.id, m.id, c.title, m.content, 1 AS kind
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE c.deleted_at IS NULL{_like_filters("m.content", likes)}
    ORDER BY m.created_at DESC LIMIT :limit
)
ORDER BY kind LIMIT :limit
"""


def search(db: sqlite3.Connection, text: str, limit: int) -> list[SearchHit]:
    """Title matches first, then message matches; best (or, LIKE only, newest) first."""
    plan = plan_query(text)
    if plan is None:
        return []
    params: dict[str, object] = {f"like{i}": like for i, like in enumerate(plan.likes)}
    params["limit"] = limit
    if plan.match is not None:
        params["q"] = plan.match
        rows = db.execute(_fts_sql(plan.likes), params)
        return [SearchHit(r[0], r[1], r[2], r[3], float(r[4])) for r in rows]
    rows = db.execute(_like_sql(plan.likes), params)
    return [SearchHit(r[0], r[1], r[2], snippet_of(r[3], plan.words), 0.0) for r in rows]


def snippet_of(text: str, words: tuple[str, ...]) -> str:
    """A short piece of ``text`` around the first match, each match marked like FTS5's."""
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    first = pattern.search(text)
    start = 0 if first is None else max(0, first.start() - _CONTEXT)
    end = min(len(text), start + _SNIPPET_CHARS)
    piece = pattern.sub(lambda m: SNIPPET_OPEN + m.group(0) + SNIPPET_CLOSE, text[start:end])
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
