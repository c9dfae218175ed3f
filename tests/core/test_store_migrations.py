"""Opening and migrating the store's SQLite file: from nothing, from every older schema."""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from app.core.migrations import MIGRATIONS, SchemaTooNewError, applied_migrations, migrate
from app.core.store import Store

NAMES = [function.__name__ for function in MIGRATIONS]


def raw(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def build_old_schema(path: Path, count: int) -> None:
    """A file as an older app left it: only the first ``count`` migrations applied."""
    db = raw(path)
    try:
        migrate(db, MIGRATIONS[:count])
        if count >= 1:  # rows in the shape of m001
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at, settings,"
                " current_leaf_id) VALUES ('c1', 'Old quokka chat', 1.0, 3.0,"
                " '{\"temperature\": 0.3}', 'm2')"
            )
            db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content,"
                " created_at, updated_at) VALUES ('m1', 'c1', NULL, 'user',"
                " 'tell me about wombats', 1.0, 1.0)"
            )
            db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, status,"
                " usage, created_at, updated_at) VALUES ('m2', 'c1', 'm1', 'assistant',"
                " 'wombats dig burrows', 'streaming', '{\"total_tokens\": 9}', 2.0, 2.0)"
            )
    finally:
        db.close()


def test_first_open_creates_the_file_and_applies_every_migration(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "mimo.sqlite3"
    with Store.open(path) as store:
        assert store.integrity_check() == "ok"
        assert store.count_conversations() == 0
    db = raw(path)
    rows = db.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid").fetchall()
    db.close()
    assert [name for name, _ in rows] == NAMES
    assert all(isinstance(applied_at, float) for _, applied_at in rows)
    assert len(NAMES) >= 2


def test_reopening_applies_nothing_and_keeps_the_migration_rows(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    Store.open(path).close()
    db = raw(path)
    before = db.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid").fetchall()
    assert migrate(db) == []
    db.close()
    with Store.open(path) as store:
        store.create_conversation(title="still here")
    Store.open(path).close()
    db = raw(path)
    after = db.execute("SELECT name, applied_at FROM _migrations ORDER BY rowid").fetchall()
    db.close()
    assert after == before


@pytest.mark.parametrize("count", range(1, len(MIGRATIONS)))
def test_data_written_by_every_older_schema_survives_the_upgrade(
    tmp_path: Path, count: int
) -> None:
    path = tmp_path / "mimo.sqlite3"
    build_old_schema(path, count)
    with Store.open(path) as store:
        assert store.integrity_check() == "ok"
        conversation = store.get_conversation("c1")
        assert conversation is not None
        assert conversation.title == "Old quokka chat"
        assert conversation.settings == {"temperature": 0.3}
        assert conversation.message_count == 2
        assert [m.content for m in store.current_path("c1")] == [
            "tell me about wombats",
            "wombats dig burrows",
        ]
        assert store.get_message("m2").usage == {"total_tokens": 9}  # type: ignore[union-attr]
        # The search index covers rows written before it existed.
        assert [hit.message_id for hit in store.search("burrows")] == ["m2"]
        assert [hit.conversation_id for hit in store.search("quokka")] == ["c1"]
        assert store.recover_interrupted() == 1
    db = raw(path)
    assert applied_migrations(db) == NAMES
    db.close()


def test_v1_schema_upgrade_then_new_rows_are_indexed_too(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    build_old_schema(path, 1)
    with Store.open(path) as store:
        reply = store.add_message("c1", parent_id="m2", role="user", content="and platypus?")
        assert [hit.message_id for hit in store.search("platypus")] == [reply.id]
        assert [m.id for m in store.current_path("c1")] == ["m1", "m2", reply.id]


def test_a_failing_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"

    def m900_half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x INTEGER)")
        raise RuntimeError("disk on fire")

    db = raw(path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate(db, [*MIGRATIONS[:1], m900_half_done, *MIGRATIONS[1:]])
    assert not db.in_transaction
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "half" not in tables
    assert "messages_fts" not in tables  # nothing after the failure ran
    assert applied_migrations(db) == NAMES[:1]
    db.close()
    with Store.open(path) as store:  # the real list still completes the schema
        assert store.search("anything") == []


def test_a_file_from_a_newer_app_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    Store.open(path).close()
    db = raw(path)
    db.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_future', 1.0)")
    db.close()
    with pytest.raises(SchemaTooNewError, match="m999_future"):
        Store.open(path)
    db = raw(path)
    assert applied_migrations(db) == [*NAMES, "m999_future"]
    db.close()


def test_a_file_that_is_not_a_database_is_refused_and_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    garbage = b"this is not SQLite, but it may be someone's only copy\n" * 200
    path.write_bytes(garbage)
    with pytest.raises(sqlite3.DatabaseError):
        Store.open(path)
    assert path.read_bytes() == garbage


def test_connection_runs_wal_with_normal_sync_foreign_keys_and_busy_timeout(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "mimo.sqlite3") as store:
        db = store._db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_database_files_are_private_to_the_user(tmp_path: Path) -> None:
    path = tmp_path / "mimo.sqlite3"
    with Store.open(path) as store:
        store.create_conversation(title="secret plans")
        for name in ("mimo.sqlite3", "mimo.sqlite3-wal"):
            assert os.stat(tmp_path / name).st_mode & 0o777 == 0o600, name


def open_all_at_once(path: Path, count: int) -> list[BaseException]:
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def open_and_write() -> None:
        try:
            start.wait(timeout=10)
            with Store.open(path) as store:
                store.create_conversation(title="racer")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=open_and_write) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_stores_opening_a_new_file_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    for attempt in range(50):  # the race is not hit every round; any round can fail
        path = tmp_path / f"race{attempt}.sqlite3"
        assert open_all_at_once(path, 5) == []
        db = raw(path)
        assert applied_migrations(db) == NAMES
        assert db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 5
        db.close()
