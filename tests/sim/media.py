"""The simulator's checks of Omni inputs: image, audio and video content parts.

:func:`check_media` validates a chat request as MIMO_API.md ("Omni inputs") says the
server does: it decodes every ``data:`` URL for real, compares the declared media type
with the bytes' magic (its own small table, independent of the app's detection),
enforces the 50 MB limit and the ``fps`` / ``media_resolution`` ranges. It accepts
exactly the media types the app sends (``image/png``, ``audio/wav``, ``audio/mpeg``,
``video/mp4``, ``video/quicktime``, ...), so a wrong type from the app fails a test.

:func:`describe_media` and :func:`media_echo` say what arrived, one line per part,
e.g. ``image/png 640x480 12345 bytes sha256=0123456789ab``, so that end-to-end tests
can see what went over the wire (sizes and durations come from ``app.core.media``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from collections.abc import Callable
from typing import Any

from app.core.media import MediaError, inspect_bytes
from tests.sim.plan import error_body

__all__ = [
    "MEDIA_URL_LIMIT",
    "check_media",
    "describe_media",
    "describe_request",
    "media_echo",
    "media_problem",
]

#: Characters of one ``data:`` URL, prefix included (MIMO_API.md: "up to 50 MB").
MEDIA_URL_LIMIT = 50_000_000

_DATA_URL = re.compile(r"data:([a-z0-9.+-]+/[a-z0-9.+-]+);base64,", re.ASCII)
_ASF = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
# part type -> (the key of its object, the key holding the URL, kind of media)
_PARTS = {
    "image_url": ("image_url", "url", "image"),
    "input_audio": ("input_audio", "data", "audio"),
    "video_url": ("video_url", "url", "video"),
}


def _riff(form: bytes) -> Callable[[bytes], bool]:
    return lambda data: data[:4] == b"RIFF" and data[8:12] == form


def _mpeg(data: bytes) -> bool:
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


_MAGIC: dict[str, dict[str, Callable[[bytes], bool]]] = {
    "image": {
        "image/jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
        "image/png": lambda data: data[:8] == b"\x89PNG\r\n\x1a\n",
        "image/gif": lambda data: data[:6] in (b"GIF87a", b"GIF89a"),
        "image/webp": _riff(b"WEBP"),
        "image/bmp": lambda data: data[:2] == b"BM",
    },
    "audio": {
        "audio/mpeg": _mpeg,
        "audio/wav": _riff(b"WAVE"),
        "audio/flac": lambda data: data[:4] == b"fLaC" or data[:3] == b"ID3",
        "audio/mp4": lambda data: data[4:8] == b"ftyp",
        "audio/ogg": lambda data: data[:4] == b"OggS",
    },
    "video": {
        "video/mp4": lambda data: data[4:8] == b"ftyp",
        "video/quicktime": lambda data: data[4:8] in (b"ftyp", b"moov", b"mdat", b"wide"),
        "video/x-msvideo": _riff(b"AVI "),
        "video/x-ms-wmv": lambda data: data[:16] == _ASF,
    },
}


class _Rejected(Exception):
    """A part the server refuses; the message goes into the 400 body."""


def check_media(body: Any, *, limit: int = MEDIA_URL_LIMIT) -> tuple[int, bytes] | None:
    """Validates every media part of every user message of a chat request body.

    Args:
        body: The parsed JSON body.
        limit: The largest ``data:`` URL, in characters (tests pass a small one).

    Returns:
        None when every part is acceptable, else ``(400, MiMo's error body)``.
    """
    problem = media_problem(body, limit=limit)
    return None if problem is None else (400, error_body(400, problem))


def media_problem(body: Any, *, limit: int = MEDIA_URL_LIMIT) -> str | None:
    """Like :func:`check_media`, but only the 400 message (None when acceptable)."""
    try:
        for part in _user_parts(body):
            _check_part(part, limit)
    except _Rejected as exc:
        return str(exc)
    return None


def describe_request(body: Any) -> list[str]:
    """One line per media part of every user message of ``body``."""
    return [line for part in _user_parts(body) for line in _describe_part(part)]


def describe_media(content: Any) -> list[str]:
    """One line per media part of one message's ``content``."""
    parts = content if isinstance(content, list) else []
    return [line for part in parts for line in _describe_part(part)]


def media_echo(messages: Any) -> str:
    """For the echo reply: ``"\\n"`` + the lines of the last user message's media, or ``""``."""
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            lines = describe_media(message.get("content"))
            return "".join("\n" + line for line in lines)
    return ""


def _user_parts(body: Any) -> list[Any]:
    messages = body.get("messages") if isinstance(body, dict) else None
    parts: list[Any] = []
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            parts += content if isinstance(content, list) else []
    return parts


def _check_part(part: Any, limit: int) -> None:
    if not isinstance(part, dict):
        raise _Rejected("Each content part must be an object")
    kind_of_part = part.get("type")
    if kind_of_part == "text":
        if not isinstance(part.get("text"), str):
            raise _Rejected("A text part needs a string 'text'")
        return
    if kind_of_part not in _PARTS:
        raise _Rejected(f"Unsupported content part type: {kind_of_part}")
    key, url_key, kind = _PARTS[kind_of_part]
    holder = part.get(key)
    url = holder.get(url_key) if isinstance(holder, dict) else None
    if not isinstance(url, str):
        raise _Rejected(f"A {kind_of_part} part needs a string '{key}.{url_key}'")
    if kind == "video":
        _check_video_options(part)
    if url.startswith("https://"):
        return
    if len(url) > limit:
        raise _Rejected(f"The {kind} data is too large: {len(url)} characters, limit {limit}")
    media_type, data = _decode(url, kind)
    if not _MAGIC[kind][media_type](data):
        raise _Rejected(f"The {kind} data does not match its declared type {media_type}")


def _check_video_options(part: dict[str, Any]) -> None:
    fps = part.get("fps")
    if fps is not None and (
        isinstance(fps, bool)
        or not isinstance(fps, int | float)
        or not math.isfinite(fps)
        or not 0.1 <= fps <= 10
    ):
        raise _Rejected(f"fps must be a number between 0.1 and 10, got {fps!r}")
    resolution = part.get("media_resolution")
    if resolution is not None and resolution not in ("default", "max"):
        raise _Rejected(f"media_resolution must be 'default' or 'max', got {resolution!r}")


def _decode(url: str, kind: str) -> tuple[str, bytes]:
    """(media type, bytes) of a ``data:`` URL of ``kind``; _Rejected when it is not one."""
    match = _DATA_URL.match(url)
    if match is None:
        raise _Rejected(f"The {kind} must be an https URL or a base64 data: URL")
    media_type = match.group(1)
    if media_type not in _MAGIC[kind]:
        raise _Rejected(f"Unsupported {kind} media type: {media_type}")
    try:
        data = base64.b64decode(url[match.end() :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Rejected(f"The {kind} data is not valid base64") from exc
    if not data:
        raise _Rejected(f"The {kind} data is empty")
    return media_type, data


def _describe_part(part: Any) -> list[str]:
    if not isinstance(part, dict) or part.get("type") not in _PARTS:
        return []
    key, url_key, kind = _PARTS[part["type"]]
    holder = part.get(key)
    url = holder.get(url_key) if isinstance(holder, dict) else None
    if not isinstance(url, str):
        return [f"{kind} without a URL"]
    options = [f"{name}={part[name]}" for name in ("fps", "media_resolution") if name in part]
    if not url.startswith("data:"):
        return [" ".join([f"{kind} {url} (not fetched)", *options])]
    try:
        media_type, data = _decode(url, kind)
    except _Rejected as exc:
        return [f"{kind} rejected: {exc}"]
    words = [media_type]
    try:
        info = inspect_bytes(data, f"{kind} part", limit=2 * len(url))
    except MediaError as exc:
        words.append(f"({exc.problem.value})")
    else:
        if info.duration is not None:
            words.append(f"{info.duration:.2f} s")
        if info.width and info.height:
            words.append(f"{info.width}x{info.height}")
    words += [f"{len(data)} bytes", f"sha256={hashlib.sha256(data).hexdigest()[:12]}"]
    return [" ".join(words + options)]
