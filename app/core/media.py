"""Checking a file before it is sent to Omni: its type, size, length, and the API's limits.

The type comes from the content (magic bytes), never from the file name. One call,
:func:`inspect_media`, returns a :class:`MediaInfo` or raises a :class:`MediaError`
whose message is written for the user::

    try:
        info = await asyncio.to_thread(inspect_media, path)
    except MediaError as error:
        show(str(error))  # e.g. "notes.jpg is text, not an image."

Everything here is a pure function without shared state: run it in a worker thread
(it reads the whole file once for the sha256). Formats and their ``data:`` URL media
types are in :mod:`app.core.media_formats`; the probes in ``media_images`` and
``media_av``; building the ``data:`` URL in :mod:`app.core.media_encoding`.
"""

from __future__ import annotations

import enum
import hashlib
import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.api.translation import translate
from app.core import media_av, media_images
from app.core.media_formats import (
    FORMATS,
    HEAD_BYTES,
    MediaFormat,
    MediaKind,
    describe_unknown,
    detect,
    format_for_mime,
)
from app.core.media_source import ByteSource, Probe, ProbeError

__all__ = [
    "BASE64_LIMIT",
    "FORMATS",
    "MediaError",
    "MediaFormat",
    "MediaInfo",
    "MediaKind",
    "MediaProblem",
    "base64_length",
    "cannot_read",
    "check_size",
    "data_url_length",
    "data_url_prefix",
    "detect",
    "format_for_mime",
    "format_size",
    "inspect_bytes",
    "inspect_media",
    "is_empty",
    "max_file_size",
    "supported_formats",
]

#: The API's limit on one ``data:`` URL (prefix included), in characters. MIMO_API.md
#: says "50 MB"; the decimal reading is the smaller one, so it is the safe one.
BASE64_LIMIT = 50_000_000
_HASH_CHUNK = 1 << 20

_SUFFIXES: tuple[tuple[MediaKind, str], ...] = (
    ("image", ".jpg .jpeg .jfif .png .gif .webp .bmp .tif .tiff .heic .avif .svg"),
    ("audio", ".mp3 .wav .flac .m4a .ogg .oga .opus .aac .wma .aiff"),
    ("video", ".mp4 .m4v .mov .avi .wmv .mkv .webm .3gp"),
)
# Only to word messages ("notes.jpg is text, not an image"); never to detect a type.
_KIND_BY_SUFFIX = {suffix: kind for kind, suffixes in _SUFFIXES for suffix in suffixes.split()}


class MediaProblem(enum.Enum):
    """Why a file cannot be sent."""

    FOLDER = "folder"
    UNREADABLE = "unreadable"
    EMPTY = "empty"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    TOO_LARGE = "too large"


class MediaError(Exception):
    """A file cannot be sent; ``str(error)`` is a complete sentence for the user.

    Attributes:
        problem: The kind of problem, for code that reacts differently to each.
        message: The sentence, naming the file, e.g. "notes.jpg is text, not an image."
        path: The file, or None for bytes given by :func:`inspect_bytes`.
    """

    def __init__(self, problem: MediaProblem, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message
        self.path = path


@dataclass(frozen=True)
class MediaInfo:
    """A file that Omni can read, as probed.

    Attributes:
        path: The file; None for bytes given by :func:`inspect_bytes`.
        name: The file name, for display.
        kind: ``"image"``, ``"audio"`` or ``"video"``.
        format: Short name of the format, e.g. ``"PNG"``.
        mime: The media type for the ``data:`` URL, e.g. ``"image/png"``.
        size: Bytes in the file.
        sha256: Hex digest of the content (the store's attachment key).
        width: Pixels, for images and video when known.
        height: Pixels, for images and video when known.
        duration: Seconds, for audio and video when known.
    """

    path: Path | None
    name: str
    kind: MediaKind
    format: str
    mime: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None

    @property
    def encoded_size(self) -> int:
        """Characters of its ``data:`` URL."""
        return data_url_length(self.size, self.mime)

    def summary(self) -> str:
        """A short line for people, e.g. ``"PNG image, 640x480, 12.3 KB"``."""
        parts = [f"{self.format} {self.kind}"]
        if self.duration is not None:
            parts.append(f"{self.duration:.1f} s")
        if self.width and self.height:
            parts.append(f"{self.width}x{self.height}")
        parts.append(format_size(self.size))
        return ", ".join(parts)


def base64_length(size: int) -> int:
    """Characters of the base64 encoding of ``size`` bytes (padded)."""
    return 4 * ((size + 2) // 3)


def data_url_prefix(mime: str) -> str:
    """``"data:<mime>;base64,"``."""
    return f"data:{mime};base64,"


def data_url_length(size: int, mime: str) -> int:
    """Characters of the ``data:`` URL of ``size`` bytes of type ``mime``."""
    return len(data_url_prefix(mime)) + base64_length(size)


def max_file_size(mime: str, limit: int = BASE64_LIMIT) -> int:
    """The largest file (bytes) of type ``mime`` whose ``data:`` URL fits ``limit``."""
    return max(0, (limit - len(data_url_prefix(mime))) // 4 * 3)


def format_size(size: int, decimals: int = 1) -> str:
    """``"512 bytes"``, ``"12.3 KB"``, ``"37.5 MB"`` (decimal units, as the limit)."""
    if size < 1000:
        return translate("Media", "{size} bytes").format(size=size)
    unit, scale = ("KB", 1000) if size < 1_000_000 else ("MB", 1_000_000)
    text = f"{size / scale:.{max(1, decimals)}f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


def check_size(
    size: int, mime: str, name: str, *, limit: int = BASE64_LIMIT, path: Path | None = None
) -> None:
    """Raises :class:`MediaError` (TOO_LARGE) when the ``data:`` URL would exceed ``limit``."""
    if data_url_length(size, mime) <= limit:
        return
    largest = max_file_size(mime, limit)
    decimals = 1
    while format_size(size, decimals) == format_size(largest, decimals) and decimals < 6:
        decimals += 1
    text = translate(
        "Media",
        "{name} is too large to send: it is {size}, and Omni takes files of this type up to"
        " {largest} ({limit} once encoded as base64).",
    )
    message = text.format(
        name=name,
        size=format_size(size, decimals),
        largest=format_size(largest, decimals),
        limit=format_size(limit),
    )
    raise MediaError(MediaProblem.TOO_LARGE, message, path)


def inspect_media(path: Path, *, limit: int = BASE64_LIMIT) -> MediaInfo:
    """Detects, checks and probes one file; reads it once in full for the sha256.

    Args:
        path: The file.
        limit: The largest ``data:`` URL allowed, in characters.

    Raises:
        MediaError: A folder, a missing or unreadable file, an empty file, a format
            Omni does not read, a damaged or incomplete file, or one over ``limit``.
    """
    name = path.name or str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        message = translate("Media", "{name} does not exist.").format(name=name)
        raise MediaError(MediaProblem.UNREADABLE, message, path) from None
    except OSError as exc:
        raise _unreadable(name, exc, path) from exc
    if stat.S_ISDIR(info.st_mode):
        message = translate("Media", "{name} is a folder; attach the files inside it instead.")
        message = message.format(name=name)
        raise MediaError(MediaProblem.FOLDER, message, path)
    if not stat.S_ISREG(info.st_mode):
        message = translate("Media", "{name} is not a regular file.").format(name=name)
        raise MediaError(MediaProblem.UNREADABLE, message, path)
    try:
        with open(path, "rb") as handle:
            return _inspect(handle, info.st_size, name, path, limit)
    except OSError as exc:
        raise _unreadable(name, exc, path) from exc


def inspect_bytes(data: bytes, name: str, *, limit: int = BASE64_LIMIT) -> MediaInfo:
    """Like :func:`inspect_media` for content in memory (a pasted image, say)."""
    return _inspect(io.BytesIO(data), len(data), name, None, limit)


def cannot_read(name: str, reason: str) -> str:
    """ "``name`` cannot be read: ``reason``." in the user's language."""
    return translate("Media", "{name} cannot be read: {reason}.").format(name=name, reason=reason)


def is_empty(name: str) -> str:
    """ "``name`` is empty (0 bytes)." in the user's language."""
    return translate("Media", "{name} is empty (0 bytes).").format(name=name)


def _unreadable(name: str, exc: OSError, path: Path | None) -> MediaError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return MediaError(MediaProblem.UNREADABLE, cannot_read(name, reason), path)


def _inspect(handle: IO[bytes], size: int, name: str, path: Path | None, limit: int) -> MediaInfo:
    if size == 0:
        raise MediaError(MediaProblem.EMPTY, is_empty(name), path)
    head = handle.read(HEAD_BYTES)
    fmt = detect(head)
    if fmt is None:
        raise MediaError(MediaProblem.UNSUPPORTED, _unsupported_message(name, head), path)
    check_size(size, fmt.mime, name, limit=limit, path=path)
    try:
        probe = _PROBES[fmt.name](ByteSource(handle, size), fmt)
    except ProbeError as exc:
        text = translate(
            "Media", "{name} looks like {format}, but it is damaged or incomplete: {detail}."
        )
        message = text.format(name=name, format=fmt.description, detail=exc.detail)
        raise MediaError(MediaProblem.CORRUPT, message, path) from exc
    fmt = probe.format or fmt
    digest, read = _sha256(handle)
    if read != size:
        message = translate("Media", "{name} changed while it was read.").format(name=name)
        raise MediaError(MediaProblem.UNREADABLE, message, path)
    return MediaInfo(
        path=path,
        name=name,
        kind=fmt.kind,
        format=fmt.name,
        mime=fmt.mime,
        size=size,
        sha256=digest,
        width=probe.width,
        height=probe.height,
        duration=probe.duration,
    )


def _sha256(handle: IO[bytes]) -> tuple[str, int]:
    """(hex digest, bytes read) of the whole file."""
    handle.seek(0)
    digest = hashlib.sha256()
    total = 0
    while chunk := handle.read(_HASH_CHUNK):
        digest.update(chunk)
        total += len(chunk)
    return digest.hexdigest(), total


def supported_formats() -> str:
    """The sentence listing what Omni reads, in the user's language."""
    return translate(
        "Media",
        "Omni reads images (JPEG, PNG, GIF, WebP, BMP), audio (MP3, WAV, FLAC, M4A, OGG)"
        " and video (MP4, MOV, AVI, WMV).",
    )


def _unsupported_message(name: str, head: bytes) -> str:
    unknown = describe_unknown(head)
    if unknown is None:
        text = translate("Media", "{name} is not in a format Omni can read. {supported}")
        return text.format(name=name, supported=supported_formats())
    if unknown.kind is not None:
        text = translate("Media", "{name} is {what}, which Omni cannot read. {supported}")
        return text.format(name=name, what=unknown.what, supported=supported_formats())
    expected = _KIND_BY_SUFFIX.get(os.path.splitext(name)[1].lower())
    if expected == "image":
        text = translate("Media", "{name} is {what}, not an image.")
    elif expected == "audio":
        text = translate("Media", "{name} is {what}, not audio.")
    elif expected == "video":
        text = translate("Media", "{name} is {what}, not a video.")
    else:
        text = translate("Media", "{name} is {what}, not an image, audio or video file.")
    return text.format(name=name, what=unknown.what)


def _any(probe: Callable[[ByteSource], Probe]) -> Callable[[ByteSource, MediaFormat], Probe]:
    """A probe that does not need to know the detected format."""
    return lambda source, _fmt: probe(source)


_PROBES: dict[str, Callable[[ByteSource, MediaFormat], Probe]] = {
    "JPEG": _any(media_images.probe_jpeg),
    "PNG": _any(media_images.probe_png),
    "GIF": _any(media_images.probe_gif),
    "WebP": _any(media_images.probe_webp),
    "BMP": _any(media_images.probe_bmp),
    "MP3": _any(media_av.probe_sound_file),
    "WAV": _any(media_av.probe_wav),
    "FLAC": _any(media_av.probe_flac),
    "OGG": _any(media_av.probe_sound_file),
    "M4A": media_av.probe_iso_media,
    "MP4": media_av.probe_iso_media,
    "MOV": media_av.probe_iso_media,
    "AVI": _any(media_av.probe_avi),
    "WMV": _any(media_av.probe_asf),
}
