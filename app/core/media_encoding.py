"""Encoding a file as a ``data:<mime>;base64,...`` URL (or bare base64), off the GUI thread.

The file is read in chunks whose size is a multiple of 3, so each chunk's base64
ends without padding and the pieces simply follow each other. They are written into
one ``bytearray`` allocated at the final size, which at the end becomes the returned
``str``. Memory: one encoded copy plus one chunk while reading; for the moment of that
last conversion two encoded copies (Python has no way to build a ``str`` in place).
Never the raw file, the encoded bytes and a joined copy at once.

The synchronous functions are pure (no shared state) and meant for a worker thread;
the ``*_async`` wrappers run them with :func:`asyncio.to_thread`::

    url = await encode_data_url_async(info.path, info.mime, progress=bar.set_progress)
"""

from __future__ import annotations

import asyncio
import binascii
import contextlib
import functools
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path

from app.api.translation import translate
from app.core.media import (
    BASE64_LIMIT,
    MediaError,
    MediaProblem,
    base64_length,
    cannot_read,
    check_size,
    data_url_prefix,
    is_empty,
)

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "CancelCheck",
    "EncodingCancelled",
    "ProgressCallback",
    "encode_data_url",
    "encode_data_url_async",
]

#: 768 KiB: a multiple of 3, so every chunk but the last encodes without padding.
DEFAULT_CHUNK_BYTES = 3 << 18

#: Called with (bytes read so far, bytes in the file) after every chunk.
ProgressCallback = Callable[[int, int], None]
#: Called before every chunk; True stops the encoding with :class:`EncodingCancelled`.
CancelCheck = Callable[[], bool]


class EncodingCancelled(Exception):
    """The cancel check asked to stop; the partial result was dropped."""


def encode_data_url(
    path: Path,
    mime: str,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    limit: int = BASE64_LIMIT,
) -> str:
    """``"data:<mime>;base64,<the file>"``, for OpenAI-shaped content parts.

    Args:
        path: The file (typically the store's copy of an attachment).
        mime: Its media type, as :class:`app.core.media.MediaInfo` gives it.
        progress: Told (bytes done, bytes total) after each chunk, in this thread.
        cancelled: Asked before each chunk; True stops with :class:`EncodingCancelled`.
        chunk_bytes: Bytes read at a time; a positive multiple of 3.
        limit: The largest ``data:`` URL allowed, in characters.

    Raises:
        MediaError: The file cannot be read, is empty, changed while it was read, or
            its ``data:`` URL would exceed ``limit``.
        EncodingCancelled: ``cancelled`` returned True.
        ValueError: ``chunk_bytes`` is not a positive multiple of 3.
    """
    prefix = data_url_prefix(mime)
    return _encode(path, mime, prefix, progress, cancelled, chunk_bytes, limit)


async def encode_data_url_async(
    path: Path,
    mime: str,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    limit: int = BASE64_LIMIT,
) -> str:
    """:func:`encode_data_url` in a worker thread.

    ``progress`` is called in the event loop's thread (so a Qt slot may update a
    widget). Cancelling the awaiting task stops the worker at its next chunk and
    waits for it, so no thread outlives the task; :class:`asyncio.CancelledError`
    is then raised as usual.
    """
    job = functools.partial(
        _encode, path, mime, data_url_prefix(mime), chunk_bytes=chunk_bytes, limit=limit
    )
    return await _in_worker(job, progress, cancelled)


_Job = Callable[[ProgressCallback | None, CancelCheck], str]


async def _in_worker(
    job: _Job, progress: ProgressCallback | None, cancelled: CancelCheck | None
) -> str:
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def check() -> bool:
        return (cancelled is not None and cancelled()) or stop.is_set()

    def report(done: int, total: int) -> None:
        if progress is not None:
            loop.call_soon_threadsafe(progress, done, total)

    worker = asyncio.ensure_future(asyncio.to_thread(job, report, check))
    try:
        return await asyncio.shield(worker)
    except asyncio.CancelledError:
        stop.set()
        with contextlib.suppress(Exception):
            await worker  # ends within one chunk now
        raise


def _encode(
    path: Path,
    mime: str,
    prefix: str,
    progress: ProgressCallback | None,
    cancelled: CancelCheck | None,
    chunk_bytes: int,
    limit: int,
) -> str:
    if chunk_bytes <= 0 or chunk_bytes % 3:
        raise ValueError(f"chunk_bytes must be a positive multiple of 3, not {chunk_bytes}")
    name = path.name
    try:
        with open(path, "rb", buffering=0) as handle:  # every read sees the file as it is
            size = os.fstat(handle.fileno()).st_size
            if size == 0:
                raise MediaError(MediaProblem.EMPTY, is_empty(name), path)
            check_size(size, mime, name, limit=limit, path=path)
            out = bytearray(len(prefix) + base64_length(size))
            out[: len(prefix)] = prefix.encode("ascii")
            done = _fill(handle, out, len(prefix), size, chunk_bytes, progress, cancelled)
            if done != size or handle.read(1):
                text = translate("Media", "{name} changed while it was read; attach it again.")
                message = text.format(name=name)
                raise MediaError(MediaProblem.UNREADABLE, message, path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise MediaError(MediaProblem.UNREADABLE, cannot_read(name, reason), path) from exc
    text = out.decode("ascii")
    del out  # the str is the one copy from here on
    return text


def _fill(
    handle: io.FileIO,
    out: bytearray,
    pos: int,
    size: int,
    chunk_bytes: int,
    progress: ProgressCallback | None,
    cancelled: CancelCheck | None,
) -> int:
    """Encodes ``handle`` into ``out`` from ``pos``; returns the bytes read (<= ``size``)."""
    raw = bytearray(chunk_bytes)
    with memoryview(raw) as view:
        done = 0
        while done < size:
            if cancelled is not None and cancelled():
                raise EncodingCancelled
            count = _read_full(handle, view[: min(chunk_bytes, size - done)])
            if count == 0:
                break
            piece = binascii.b2a_base64(view[:count], newline=False)
            out[pos : pos + len(piece)] = piece
            pos += len(piece)
            done += count
            if progress is not None:
                progress(done, size)
    return done


def _read_full(handle: io.FileIO, view: memoryview) -> int:
    """Fills ``view`` unless the file ends first; returns the bytes read."""
    filled = 0
    while filled < len(view):
        count = handle.readinto(view[filled:])
        if not count:
            break
        filled += count
    return filled
