"""Schema migrations of the conversation store, in the style of simonw/llm.

Each migration is a small function that takes the connection and changes the schema.
:func:`migrate` runs every migration not yet recorded in the ``_migrations`` table, in
list order, each inside its own ``BEGIN IMMEDIATE`` transaction together with the row
that records it; a migration that fails is rolled back whole and nothing after it runs.

Rules for whoever adds the next one:

- A migration is frozen once released: never edit or reorder one, append a new one.
  Its function name is its identity in ``_migrations``.
- Use ``db.execute`` only: ``executescript`` commits the open transaction first.
- Foreign keys are on and cannot be switched off inside a transaction; a table rebuild
  (the 12-step ALTER TABLE procedure) must copy rows so that no constraint breaks.
- Integer ``seq`` keys are the FTS rowids, because ``VACUUM`` may renumber implicit
  rowids; keep them when rebuilding a table.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence

from app.api.translation import translate

Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: list[Migration] = []


class SchemaTooNewError(sqlite3.DatabaseError):
    """The database was migrated by a newer version of the app than this one.

    A ``sqlite3.DatabaseError``, so code that handles "the database cannot be used"
    handles this too; the file is left as it is.
    """


def migration(function: Migration) -> Migration:
    """Register ``function`` as the next migration."""
    MIGRATIONS.append(function)
    return function


def _run(db: sqlite3.Connection, *statements: str) -> None:
    for statement in statements:
        db.execute(statement)


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    """Conversations, the message tree, attachments by content hash."""
    _run(
        db,
        """
        CREATE TABLE conversations (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
            deleted_at REAL,
            model TEXT,
            settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
            current_leaf_id TEXT
        )
        """,
        """
        CREATE TABLE messages (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            conversation_id TEXT NOT NULL
                REFERENCES conversations(id) ON DELETE CASCADE,
            parent_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
            role TEXT NOT NULL,
            content TEXT NOT NULL DEFAULT '',
            reasoning TEXT NOT NULL DEFAULT '',
            model TEXT,
            options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
            status TEXT NOT NULL DEFAULT 'complete' CHECK (
                status IN ('streaming', 'complete', 'cancelled', 'failed', 'interrupted')
            ),
            finish_reason TEXT,
            error TEXT,
            usage TEXT CHECK (usage IS NULL OR json_valid(usage)),
            timings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(timings)),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        )
        """,
        # A parent must belong to the same conversation; the store checks it too.
        """
        CREATE TRIGGER messages_parent_same_conversation
        BEFORE INSERT ON messages
        WHEN NEW.parent_id IS NOT NULL AND NEW.conversation_id IS NOT
            (SELECT conversation_id FROM messages WHERE id = NEW.parent_id)
        BEGIN
            SELECT RAISE(ABORT, 'parent message belongs to another conversation');
        END
        """,
        """
        CREATE TABLE attachments (
            sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            original_name TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        )
        """,
        """
        CREATE TABLE message_attachments (
            message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            sha256 TEXT NOT NULL REFERENCES attachments(sha256),
            position INTEGER NOT NULL,
            PRIMARY KEY (message_id, position)
        )
        """,  # not WITHOUT ROWID: SQLite 3.40's integrity_check misreads that layout
        "CREATE INDEX conversations_listing ON conversations (deleted_at, pinned, updated_at)",
        "CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at)",
        "CREATE INDEX messages_by_parent ON messages (parent_id, created_at)",
        "CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming'",
        "CREATE INDEX message_attachments_by_sha256 ON message_attachments (sha256)",
    )


@migration
def m002_full_text_search(db: sqlite3.Connection) -> None:
    """FTS5 over message content and conversation titles, kept in sync by triggers.

    The FTS tables keep their own copy of the text (no external content), so a
    trigger that misses an old value can never corrupt the index.
    """
    _run(
        db,
        "CREATE VIRTUAL TABLE messages_fts USING fts5(content)",
        "CREATE VIRTUAL TABLE conversations_fts USING fts5(title)",
        "INSERT INTO messages_fts (rowid, content) SELECT seq, content FROM messages",
        "INSERT INTO conversations_fts (rowid, title) SELECT seq, title FROM conversations",
        """
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, content) VALUES (NEW.seq, NEW.content);
        END
        """,
        """
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = OLD.seq;
            INSERT INTO messages_fts (rowid, content) VALUES (NEW.seq, NEW.content);
        END
        """,
        """
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = OLD.seq;
        END
        """,
        """
        CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
            INSERT INTO conversations_fts (rowid, title) VALUES (NEW.seq, NEW.title);
        END
        """,
        """
        CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations
        BEGIN
            DELETE FROM conversations_fts WHERE rowid = OLD.seq;
            INSERT INTO conversations_fts (rowid, title) VALUES (NEW.seq, NEW.title);
        END
        """,
        """
        CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
            DELETE FROM conversations_fts WHERE rowid = OLD.seq;
        END
        """,
    )


@migration
def m003_substring_search(db: sqlite3.Connection) -> None:
    """Rebuild both FTS5 tables with the trigram tokenizer: substring search.

    unicode61 splits words at spaces, so Chinese or Japanese text written without
    spaces was one long token and a word inside it could not be found. Trigrams match
    any substring of three or more characters in every script (case-insensitively);
    :mod:`app.core.store_search` covers shorter words with LIKE.
    """
    indexed = (
        ("messages", "messages_fts", "content"),
        ("conversations", "conversations_fts", "title"),
    )
    for table, fts, column in indexed:
        for event in ("insert", "update", "delete"):
            db.execute(f"DROP TRIGGER {fts}_{event}")
        db.execute(f"DROP TABLE {fts}")
        db.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, tokenize='trigram')")
        db.execute(f"INSERT INTO {fts} (rowid, {column}) SELECT seq, {column} FROM {table}")
        add = f"INSERT INTO {fts} (rowid, {column}) VALUES (NEW.seq, NEW.{column});"
        remove = f"DELETE FROM {fts} WHERE rowid = OLD.seq;"
        db.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END")
        db.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {column} ON {table}"
            f" BEGIN {remove} {add} END"
        )
        db.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations recorded in ``db``, in the order they were applied."""
    _ensure_table(db)
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def _ensure_table(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[str]:
    """Apply the migrations ``db`` lacks, each in its own transaction.

    ``db`` must be in autocommit mode (``isolation_level=None``) with no open
    transaction. Safe when two processes open the same file at once: each migration
    is re-checked after its write lock is taken.

    Args:
        db: The connection.
        migrations: The list to apply; tests pass a prefix to build older schemas.

    Returns:
        The names applied now (empty when the schema was up to date).

    Raises:
        SchemaTooNewError: ``db`` records a migration this code does not know, so a
            newer app wrote it; nothing is changed.
    """
    known = {function.__name__ for function in migrations}
    recorded = applied_migrations(db)
    unknown = [name for name in recorded if name not in known]
    if unknown:
        text = translate(
            "History", "the database was written by a newer version of the app (migrations {names})"
        )
        raise SchemaTooNewError(text.format(names=unknown))
    applied: list[str] = []
    for function in migrations:
        name = function.__name__
        if name in recorded:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            done = db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone()
            if done is None:  # not applied by another process meanwhile
                function(db)
                db.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (name, time.time()),
                )
                applied.append(name)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    return applied
