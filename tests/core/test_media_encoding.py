"""Encoding attachments as data: URLs: exact output, progress, cancelling, memory, threads."""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import threading
import tracemalloc
from pathlib import Path

import pytest

from app.core.media import MediaError, MediaProblem, data_url_length
from app.core.media_encoding import (
    DEFAULT_CHUNK_BYTES,
    EncodingCancelled,
    encode_data_url,
    encode_data_url_async,
)
from tests.media_samples import png, write


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 299, 300, 301])
@pytest.mark.parametrize("chunk_bytes", [3, 6, 9, 300, DEFAULT_CHUNK_BYTES])
def test_the_data_url_is_the_base64_of_the_whole_file(
    tmp_path: Path, size: int, chunk_bytes: int
) -> None:
    data = os.urandom(size)
    path = write(tmp_path, "blob", data)
    url = encode_data_url(path, "image/png", chunk_bytes=chunk_bytes)
    assert url == "data:image/png;base64," + b64(data)


def test_progress_is_reported_after_every_chunk(tmp_path: Path) -> None:
    path = write(tmp_path, "blob", bytes(1000))
    seen: list[tuple[int, int]] = []
    encode_data_url(path, "video/mp4", progress=lambda *p: seen.append(p), chunk_bytes=300)
    assert seen == [(300, 1000), (600, 1000), (900, 1000), (1000, 1000)]


def test_the_cancel_check_stops_before_the_next_chunk(tmp_path: Path) -> None:
    path = write(tmp_path, "blob", bytes(1000))
    seen: list[tuple[int, int]] = []
    checks = iter([False, False, True])
    with pytest.raises(EncodingCancelled):
        encode_data_url(
            path,
            "video/mp4",
            progress=lambda *p: seen.append(p),
            cancelled=lambda: next(checks),
            chunk_bytes=300,
        )
    assert seen == [(300, 1000), (600, 1000)]


@pytest.mark.parametrize("chunk_bytes", [0, -3, 1, 4, 1000, DEFAULT_CHUNK_BYTES + 1])
def test_a_chunk_size_that_would_break_the_pieces_apart_is_refused(
    tmp_path: Path, chunk_bytes: int
) -> None:
    path = write(tmp_path, "blob", bytes(10))
    with pytest.raises(ValueError, match="multiple of 3"):
        encode_data_url(path, "image/png", chunk_bytes=chunk_bytes)


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = write(tmp_path, "big.png", png(40, 40))
    fits = data_url_length(path.stat().st_size, "image/png")
    assert len(encode_data_url(path, "image/png", limit=fits)) == fits
    reads: list[tuple[int, int]] = []
    with pytest.raises(MediaError) as caught:
        encode_data_url(path, "image/png", limit=fits - 1, progress=lambda *p: reads.append(p))
    assert caught.value.problem is MediaProblem.TOO_LARGE
    assert reads == []


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        (lambda folder: write(folder, "empty.png", b""), MediaProblem.EMPTY),
        (lambda folder: folder / "missing.png", MediaProblem.UNREADABLE),
        (lambda folder: folder, MediaProblem.UNREADABLE),
    ],
    ids=["empty", "missing", "folder"],
)
def test_a_file_that_cannot_be_sent_gives_a_media_error(
    tmp_path: Path, setup: object, problem: MediaProblem
) -> None:
    path = setup(tmp_path)  # type: ignore[operator]
    with pytest.raises(MediaError) as caught:
        encode_data_url(path, "image/png")
    assert caught.value.problem is problem
    assert caught.value.path == path


@pytest.mark.parametrize("change", ["grows", "shrinks"])
def test_a_file_that_changes_while_it_is_read_is_refused(tmp_path: Path, change: str) -> None:
    path = write(tmp_path, "live.wav", bytes(900))

    def meddle(done: int, total: int) -> None:
        if done == 300:
            with path.open("ab" if change == "grows" else "r+b") as handle:
                handle.write(b"more") if change == "grows" else handle.truncate(400)

    with pytest.raises(MediaError, match="changed while it was read") as caught:
        encode_data_url(path, "audio/wav", progress=meddle, chunk_bytes=300)
    assert caught.value.problem is MediaProblem.UNREADABLE


def test_memory_is_one_encoded_copy_while_reading_and_two_only_for_the_final_str(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "clip.mp4", os.urandom(10_000_000))
    during: list[int] = []
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        url = encode_data_url(
            path, "video/mp4", progress=lambda *_: during.append(tracemalloc.get_traced_memory()[0])
        )
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    encoded, slack = len(url), 3 * DEFAULT_CHUNK_BYTES
    assert len(during) == 13
    assert max(during) - base <= encoded + slack  # never raw + encoded + joined
    assert peak - base <= 2 * encoded + slack  # the bytearray -> str copy, once
    assert held - base <= encoded + 100_000  # afterwards, the result alone
    assert url == "data:video/mp4;base64," + b64(path.read_bytes())


@pytest.mark.asyncio
async def test_async_encoding_works_in_a_thread_and_reports_in_the_loop(tmp_path: Path) -> None:
    data = os.urandom(1000)
    path = write(tmp_path, "blob", data)
    loop_thread = threading.get_ident()
    seen: list[tuple[int, int, int]] = []
    workers: set[int] = set()

    def cancelled() -> bool:
        workers.add(threading.get_ident())
        return False

    url = await encode_data_url_async(
        path,
        "image/gif",
        progress=lambda done, total: seen.append((done, total, threading.get_ident())),
        cancelled=cancelled,
        chunk_bytes=300,
    )
    assert url == "data:image/gif;base64," + b64(data)
    assert seen == [(n, 1000, loop_thread) for n in (300, 600, 900, 1000)]
    assert len(workers) == 1 and loop_thread not in workers


@pytest.mark.asyncio
async def test_the_async_cancel_check_raises_encoding_cancelled(tmp_path: Path) -> None:
    path = write(tmp_path, "blob", bytes(100))
    with pytest.raises(EncodingCancelled):
        await encode_data_url_async(path, "image/png", cancelled=lambda: True)


@pytest.mark.asyncio
async def test_cancelling_the_task_stops_the_worker_before_the_task_ends(tmp_path: Path) -> None:
    path = write(tmp_path, "blob", bytes(300))
    reached, resume = threading.Event(), threading.Event()
    checks: list[int] = []

    def cancelled() -> bool:
        checks.append(1)
        if len(checks) == 2:
            reached.set()
            resume.wait(10)
        return False

    task = asyncio.ensure_future(
        encode_data_url_async(path, "video/mp4", cancelled=cancelled, chunk_bytes=3)
    )
    assert await asyncio.to_thread(reached.wait, 10)
    task.cancel()
    asyncio.get_running_loop().call_soon(resume.set)  # after the task has seen the cancel
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(checks) == 2  # the worker stopped at the next chunk, before the task ended
