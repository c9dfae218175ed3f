"""Server-sent events decoding, incremental and chunk-boundary safe.

Two layers, as the WHATWG "event stream" rules describe them:

* :class:`LineDecoder` turns arbitrary byte chunks into text lines. Lines end with
  CR, LF or CRLF, also when the terminator (or a multi-byte UTF-8 character) is split
  across chunks. Bytes are decoded per whole line, so a split character is harmless.
* :class:`EventDecoder` turns lines into :class:`ServerSentEvent` objects: ``:``
  comments are ignored, ``data:`` lines are joined with ``"\\n"``, ``event:``,
  ``id:`` and ``retry:`` are kept, and a blank line dispatches the event.

:class:`SSEDecoder` combines both for synchronous, incremental use;
:func:`aiter_sse` wraps it around an async byte iterator.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.api.errors import ProtocolError
from app.api.translation import translate

_LINE_END = re.compile(rb"\r\n|\r|\n")
_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    Attributes:
        data: The ``data:`` lines joined with ``"\\n"``.
        event: The ``event:`` field, or None when the event had none.
        id: The last event id seen in the stream (it carries over, as in WHATWG).
        retry: The reconnection time in ms from a ``retry:`` field, if any.
    """

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


class LineDecoder:
    """Split a byte stream into decoded lines without their terminators.

    A line that ends in CR is emitted at once; an LF that arrives first in the next
    chunk is then swallowed, so a CRLF split across chunks still counts as one
    terminator and a lone CR at a chunk end costs no extra latency.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._skip_lf = False
        self._first_line = True

    def feed(self, chunk: bytes) -> list[str]:
        """Add bytes; return the lines they completed."""
        if not chunk:
            return []
        if self._skip_lf:
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        # The buffered rest holds no terminator, so only the new bytes need a scan.
        scan_from = len(self._buffer)
        self._buffer += chunk
        lines: list[str] = []
        start = 0
        for match in _LINE_END.finditer(self._buffer, scan_from):
            lines.append(self._decode(self._buffer[start : match.start()]))
            start = match.end()
        if start:
            # A CR that ends the buffer may be the first half of a CRLF.
            self._skip_lf = start == len(self._buffer) and self._buffer[-1:] == b"\r"
            del self._buffer[:start]
        return lines

    def flush(self) -> list[str]:
        """End of stream: return the unterminated last line, if there is one."""
        self._skip_lf = False
        if not self._buffer:
            return []
        line = self._decode(self._buffer)
        self._buffer.clear()
        return [line]

    def _decode(self, raw: bytes | bytearray) -> str:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError(
                translate("SSEDecoder", "The server sent text that is not valid UTF-8")
            ) from exc
        if self._first_line:
            self._first_line = False
            line = line.removeprefix(_BOM)
        return line


class EventDecoder:
    """Assemble events from lines, following the WHATWG dispatch rules."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None

    def decode(self, line: str) -> ServerSentEvent | None:
        """Take one line; return an event when the line dispatches one."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def flush(self) -> ServerSentEvent | None:
        """End of stream: dispatch an event that lacked its closing blank line."""
        return self._dispatch()

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data:
            # WHATWG: an event without data is dropped, its fields reset.
            self._event = None
            self._retry = None
            return None
        event = ServerSentEvent(
            data="\n".join(self._data), event=self._event, id=self._last_id, retry=self._retry
        )
        self._data = []
        self._event = None
        self._retry = None
        return event


class SSEDecoder:
    """Incremental bytes-to-events decoder.

    Example:
        >>> decoder = SSEDecoder()
        >>> decoder.feed(b"data: hel")
        []
        >>> decoder.feed(b"lo\\n\\n")
        [ServerSentEvent(data='hello', event=None, id=None, retry=None)]
    """

    def __init__(self) -> None:
        self._lines = LineDecoder()
        self._events = EventDecoder()

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add bytes; return the events they completed.

        Raises:
            ProtocolError: A completed line is not valid UTF-8.
        """
        return self._collect(self._lines.feed(chunk))

    def close(self) -> list[ServerSentEvent]:
        """End of stream: return what the last, unterminated lines completed."""
        events = self._collect(self._lines.flush())
        last = self._events.flush()
        if last is not None:
            events.append(last)
        return events

    def _collect(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        for line in lines:
            event = self._events.decode(line)
            if event is not None:
                events.append(event)
        return events


async def aiter_sse(byte_chunks: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
    """Decode server-sent events from an async iterator of byte chunks.

    Raises:
        ProtocolError: The stream holds invalid UTF-8.
    """
    decoder = SSEDecoder()
    async for chunk in byte_chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.close():
        yield event
