"""What the media probes share: random access to a file's bytes, and their results.

A :class:`ByteSource` belongs to one probe call; nothing here is shared between
threads, so probes may run in any worker thread.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import IO, Any

from app.api.translation import QT_TRANSLATE_NOOP, translate
from app.core.media_formats import MediaFormat

__all__ = ["QT_TRANSLATE_NOOP", "ByteSource", "Probe", "ProbeError"]

_WINDOW = 1 << 16
_PIECE = 1 << 20


class ProbeError(Exception):
    """The file is damaged or incomplete.

    Attributes:
        detail: What is wrong, for a sentence such as "... is damaged or incomplete:
            {detail}.", e.g. ``"it ends before its IEND chunk"``, in the user's
            language (the probes translate it under the context ``"MediaProbe"``).
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Probe:
    """What a probe learnt about a file.

    Attributes:
        width: Pixels; None when unknown or not visual.
        height: Pixels; None when unknown or not visual.
        duration: Seconds; None when unknown or not timed.
        format: A correction of the detected format (an MP4 holding only sound is
            M4A audio), or None to keep it.
    """

    width: int | None = None
    height: int | None = None
    duration: float | None = None
    format: MediaFormat | None = None


class ByteSource:
    """Reads at any offset of an open binary file, through a small cached window.

    Args:
        handle: A seekable binary file; this object moves its position freely.
        size: The file's size in bytes.
    """

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self.handle = handle
        self.size = size
        self._start = 0
        self._window = b""

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes at ``offset``; fewer at the end of the file."""
        length = max(0, min(length, self.size - offset))
        if length == 0 or offset < 0:
            return b""
        start = offset - self._start
        if start >= 0 and start + length <= len(self._window):
            return self._window[start : start + length]
        self.handle.seek(offset)
        if length > _WINDOW:
            return self.handle.read(length)
        self._start = offset
        self._window = self.handle.read(_WINDOW)
        return self._window[:length]

    def exact(self, offset: int, length: int, missing: str) -> bytes:
        """Exactly ``length`` bytes at ``offset``.

        Args:
            offset: Where the bytes start.
            length: How many.
            missing: The English detail when the file ends before them, marked with
                ``QT_TRANSLATE_NOOP("MediaProbe", ...)``; translated when raised.

        Raises:
            ProbeError: With detail ``missing`` when the file ends before them.
        """
        data = self.read(offset, length)
        if len(data) != length:
            raise ProbeError(translate("MediaProbe", missing))
        return data

    def unpack(self, fmt: str, offset: int, missing: str) -> tuple[Any, ...]:
        """``struct.unpack`` of the bytes at ``offset``; ProbeError ``missing`` past the end."""
        return struct.unpack(fmt, self.exact(offset, struct.calcsize(fmt), missing))

    def find(self, needle: bytes, start: int) -> int:
        """The offset of the first ``needle`` at or after ``start``, or -1."""
        overlap = len(needle) - 1
        while start < self.size:
            piece = self.read(start, _PIECE)
            found = piece.find(needle)
            if found >= 0:
                return start + found
            if start + len(piece) >= self.size:
                break
            start += len(piece) - overlap
        return -1

    def crc32(self, offset: int, length: int) -> int:
        """The CRC-32 (as in zlib) of ``length`` bytes at ``offset``, read piecewise."""
        crc = 0
        end = offset + length
        while offset < end:
            piece = self.read(offset, min(_PIECE, end - offset))
            if not piece:
                break
            crc = zlib.crc32(piece, crc)
            offset += len(piece)
        return crc
