"""A disk cache of synthesised speech, so the same speech plays again without a request.

Keyed by everything that shapes the audio: (text, voice, style, format, model), where
"style" is the style tag and the style instruction. One file per entry, named by a
hash of the key; least recently used entries are deleted when the total size passes
the cap (a file's modification time is its last use, so the order survives restarts).
Files are written under a temporary name and renamed into place, so a crash never
leaves a truncated entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Final

from app.api.tts import AudioFormat, SpeechRequest

__all__ = ["DEFAULT_CACHE_BYTES", "SpeechCache", "speech_cache_key"]

DEFAULT_CACHE_BYTES: Final = 200 * 1024 * 1024
_SUFFIX: Final = ".audio"


def speech_cache_key(request: SpeechRequest, audio_format: AudioFormat | None = None) -> str:
    """The cache key of a request: a hex digest of (text, voice, style, format, model).

    Args:
        request: The speech request.
        audio_format: The format actually received, when it differs from
            ``request.format`` (a streamed request always gives ``pcm16``).
    """
    fields = [
        request.text,
        request.voice,
        request.style or "",
        request.instruction or "",
        audio_format or request.format,
        request.model,
    ]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


class SpeechCache:
    """Audio bytes on disk in ``directory``, least recently used out first.

    Args:
        directory: Where the entries live (created on first write).
        max_bytes: The size cap of all entries together; 0 disables the cache.
    """

    def __init__(self, directory: str | Path, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self._directory = Path(directory)
        self._max_bytes = max(0, max_bytes)
        self._lock = threading.Lock()
        self._last_use = 0.0

    @property
    def directory(self) -> Path:
        """The cache directory."""
        return self._directory

    def get(self, key: str) -> bytes | None:
        """The audio stored under ``key`` (marking it as just used), or None."""
        path = self._path(key)
        with self._lock:
            try:
                data = path.read_bytes()
                now = self._tick()
                os.utime(path, (now, now))
            except OSError:
                return None
        return data

    def put(self, key: str, audio: bytes) -> None:
        """Store ``audio`` under ``key``, then trim the cache to its cap.

        Audio larger than the cap is not stored. Disk errors are ignored: a cache
        that cannot write simply misses.
        """
        if not audio or len(audio) > self._max_bytes:
            return
        path = self._path(key)
        temporary = path.with_suffix(".part")
        with self._lock:
            try:
                self._directory.mkdir(parents=True, exist_ok=True)
                temporary.write_bytes(audio)
                now = self._tick()
                os.utime(temporary, (now, now))
                temporary.replace(path)
            except OSError:
                with contextlib.suppress(OSError):
                    temporary.unlink(missing_ok=True)
                return
            self._trim()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._path(key).is_file()

    def total_bytes(self) -> int:
        """The size of all entries."""
        return sum(size for _, size, _ in self._entries())

    def clear(self) -> None:
        """Delete every entry."""
        with self._lock:
            for path, _, _ in self._entries():
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not key or not all(char in "0123456789abcdef" for char in key):
            raise ValueError("A cache key is a lower-case hex digest (see speech_cache_key)")
        return self._directory / f"{key}{_SUFFIX}"

    def _tick(self) -> float:
        """A strictly increasing use time, so two uses in one clock tick stay ordered."""
        self._last_use = max(time.time(), self._last_use + 0.001)
        return self._last_use

    def _entries(self) -> list[tuple[Path, int, float]]:
        try:
            paths = list(self._directory.glob(f"*{_SUFFIX}"))
        except OSError:
            return []
        entries = []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((path, stat.st_size, stat.st_mtime))
        return entries

    def _trim(self) -> None:
        entries = sorted(self._entries(), key=lambda entry: entry[2])
        total = sum(size for _, size, _ in entries)
        for path, size, _ in entries:
            if total <= self._max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            total -= size
