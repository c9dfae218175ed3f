"""Content parts of a user message that carries images, audio or video.

Pure functions over already-encoded media: each takes a ``data:<type>;base64,...``
URL (see :mod:`app.core.media_encoding`) or an ``https://`` URL and returns JSON-shaped
dicts, in the OpenAI-compatible shape (MIMO_API.md, "Omni inputs")::

    {"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}
    {"type": "input_audio", "input_audio": {"data": "data:audio/wav;base64,..."}}
    {"type": "video_url", "video_url": {"url": "data:video/mp4;base64,..."},
     "fps": 2, "media_resolution": "default"}

or the Anthropic-compatible shape::

    {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                 "data": "..."}}
    {"type": "video", "source": {"type": "url", "url": "https://..."}, "fps": 2}

``fps`` and ``media_resolution`` beside an Anthropic video ``source`` mirror the
OpenAI shape; the documentation does not say where that endpoint takes them.
No I/O; the URLs are used as given (a 50 MB string is not copied, except where the
Anthropic body splits a ``data:`` URL: :func:`split_data_url`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = [
    "FPS_RANGE",
    "MediaKind",
    "MediaPart",
    "MediaResolution",
    "VideoOptions",
    "anthropic_base64_block",
    "anthropic_url_block",
    "audio_part",
    "check_url",
    "image_part",
    "media_part",
    "openai_content",
    "split_data_url",
    "text_part",
    "video_part",
]

MediaKind = Literal["image", "audio", "video"]
MediaResolution = Literal["default", "max"]

#: The frames per second the API samples from a video: 0.1 to 10, inclusive.
FPS_RANGE = (0.1, 10.0)
_HEADER_CHARS = 200  # a data: URL's "data:<type>;base64," fits in this


@dataclass(frozen=True)
class VideoOptions:
    """How Omni samples one video; None leaves the server's default (and omits the key).

    Attributes:
        fps: Frames per second to sample, 0.1 to 10.
        media_resolution: ``"default"`` or ``"max"`` (more detail, more tokens).

    Raises:
        ValueError: ``fps`` is outside 0.1-10 or not a finite number, or
            ``media_resolution`` is neither ``"default"`` nor ``"max"``.
    """

    fps: float | None = None
    media_resolution: MediaResolution | None = None

    def __post_init__(self) -> None:
        fps = self.fps
        if fps is not None:
            low, high = FPS_RANGE
            if isinstance(fps, bool) or not isinstance(fps, int | float):
                raise ValueError(f"fps must be a number, not {fps!r}")
            if not math.isfinite(fps) or not low <= fps <= high:
                raise ValueError(f"fps must be between {low:g} and {high:g}, not {fps!r}")
        resolution = self.media_resolution
        if resolution is not None and resolution not in get_args(MediaResolution):
            raise ValueError(f"media_resolution must be 'default' or 'max', not {resolution!r}")

    def fields(self) -> dict[str, Any]:
        """The keys to put beside the video: only those that are set."""
        out: dict[str, Any] = {}
        if self.fps is not None:
            out["fps"] = self.fps
        if self.media_resolution is not None:
            out["media_resolution"] = self.media_resolution
        return out


@dataclass(frozen=True)
class MediaPart:
    """One attachment, encoded and ready to send.

    Attributes:
        kind: ``"image"``, ``"audio"`` or ``"video"``.
        url: ``data:<type>;base64,<data>`` (the type must be of ``kind``) or ``https://``.
        options: For a video only.

    Raises:
        ValueError: An unknown kind, a URL that is neither, a ``data:`` URL of another
            kind of media, or options on something other than a video.
    """

    kind: MediaKind
    url: str
    options: VideoOptions | None = None

    def __post_init__(self) -> None:
        if self.kind not in get_args(MediaKind):
            raise ValueError(f"kind must be image, audio or video, not {self.kind!r}")
        if self.options is not None and self.kind != "video":
            raise ValueError(f"only a video takes options, not {self.kind}")
        check_url(self.url, self.kind)


def check_url(url: str, kind: MediaKind) -> None:
    """Raises ValueError unless ``url`` is ``https://...`` or a base64 ``data:`` URL of ``kind``."""
    if url.startswith("https://"):
        return
    if not url.startswith("data:"):
        raise ValueError("a media URL must start with data: or https://")
    media_type = _data_url_header(url)[0]
    if media_type.partition("/")[0] != kind:
        raise ValueError(f"a data: URL of type {media_type!r} cannot be sent as {kind}")


def split_data_url(url: str) -> tuple[str, str]:
    """(media type, base64 data) of ``data:<type>;base64,<data>``.

    The data is a copy of the URL's tail (of its size: for 50 MB, 50 MB more).

    Raises:
        ValueError: Not a base64 ``data:`` URL.
    """
    media_type, comma = _data_url_header(url)
    return media_type, url[comma + 1 :]


def _data_url_header(url: str) -> tuple[str, int]:
    comma = url.find(",", 0, _HEADER_CHARS)
    header = url[:comma] if comma >= 0 else ""
    if not header.startswith("data:") or not header.endswith(";base64"):
        raise ValueError("not a base64 data: URL")
    media_type = header[len("data:") : -len(";base64")].partition(";")[0].strip().lower()
    if "/" not in media_type:
        raise ValueError(f"a data: URL needs a media type such as image/png, not {media_type!r}")
    return media_type, comma


# -- OpenAI-compatible ----------------------------------------------------------


def text_part(text: str) -> dict[str, Any]:
    """``{"type": "text", "text": text}``."""
    return {"type": "text", "text": text}


def image_part(url: str) -> dict[str, Any]:
    """An ``image_url`` part."""
    return {"type": "image_url", "image_url": {"url": url}}


def audio_part(url: str) -> dict[str, Any]:
    """An ``input_audio`` part: the ``data:`` URL (or https URL) goes in ``data``."""
    return {"type": "input_audio", "input_audio": {"data": url}}


def video_part(url: str, options: VideoOptions | None = None) -> dict[str, Any]:
    """A ``video_url`` part; ``fps`` and ``media_resolution`` sit beside ``video_url``."""
    part: dict[str, Any] = {"type": "video_url", "video_url": {"url": url}}
    if options is not None:
        part.update(options.fields())
    return part


def media_part(part: MediaPart) -> dict[str, Any]:
    """The OpenAI-shaped part of one attachment."""
    if part.kind == "image":
        return image_part(part.url)
    if part.kind == "audio":
        return audio_part(part.url)
    return video_part(part.url, part.options)


def openai_content(text: str, parts: Sequence[MediaPart]) -> list[dict[str, Any]]:
    """A user message's ``content``: the media first, then the text (omitted if empty)."""
    content = [media_part(part) for part in parts]
    if text:
        content.append(text_part(text))
    return content


# -- Anthropic-compatible -------------------------------------------------------


def anthropic_base64_block(
    kind: MediaKind, media_type: str, data: str, options: VideoOptions | None = None
) -> dict[str, Any]:
    """An image/audio/video block with a ``base64`` source (``data`` without a prefix)."""
    source = {"type": "base64", "media_type": media_type, "data": data}
    return _anthropic(kind, source, options)


def anthropic_url_block(
    kind: MediaKind, url: str, options: VideoOptions | None = None
) -> dict[str, Any]:
    """An image/audio/video block with a ``url`` source (used as given, not checked)."""
    return _anthropic(kind, {"type": "url", "url": url}, options)


def _anthropic(
    kind: MediaKind, source: dict[str, Any], options: VideoOptions | None
) -> dict[str, Any]:
    if kind not in get_args(MediaKind):
        raise ValueError(f"kind must be image, audio or video, not {kind!r}")
    block: dict[str, Any] = {"type": kind, "source": source}
    if options is not None:
        if kind != "video":
            raise ValueError(f"only a video takes options, not {kind}")
        block.update(options.fields())
    return block
