"""Attachment files: stored once per content hash, written atomically, private."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from contextlib import suppress
from pathlib import Path
from typing import IO

from app.core.paths import PRIVATE_FILE_MODE

CHUNK_BYTES = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


def attachment_file(attachments_dir: Path, sha256: str) -> Path:
    """``attachments_dir/ab/cdef...`` for ``sha256`` ``abcdef...``; ValueError unless hex."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return attachments_dir / sha256[:2] / sha256[2:]


def fsync_dir(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def copy_to_temp(source: IO[bytes], folder: Path) -> tuple[str, int, Path]:
    """Copy ``source`` into a new private temp file in ``folder``; fsync it."""
    digest = hashlib.sha256()
    size = 0
    tmp = folder / f".tmp-{secrets.token_hex(8)}"
    fd = os.open(
        tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size, tmp
