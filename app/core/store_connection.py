"""Opening the store's SQLite file: private modes, WAL, the pragmas, the migrations.

See :mod:`app.core.store` for what the settings promise (durability, concurrency).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from app.core.migrations import migrate
from app.core.paths import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from app.core.store_records import BUSY_TIMEOUT_MS


def _enable_wal(db: sqlite3.Connection) -> None:
    # WAL is a property of the file: usually set already. Switching a new file takes
    # an exclusive lock without waiting on busy_timeout, so when two processes create
    # the file at once, the loser retries for as long as busy_timeout would wait.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    attempt = 0
    while (mode := db.execute("PRAGMA journal_mode").fetchone()[0]) != "wal":
        try:
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            attempt += 1
            time.sleep(min(0.002 * attempt, 0.05))
            continue
        if mode != "wal":
            raise sqlite3.OperationalError(f"cannot use write-ahead logging (journal mode {mode})")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating, privately, and migrating) the database file for a :class:`Store`."""
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    # Created private first: SQLite gives its -wal and -shm files the same mode.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE))
    db = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(db)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
        migrate(db)
    except BaseException:
        db.close()
        raise
    return db
