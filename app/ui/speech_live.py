"""A reply read aloud while it streams: sentences queued as they settle, spoken in turn.

:class:`LiveReading` sits between the chat stream and :func:`app.audio.speech.speak`.
The chat side calls :meth:`LiveReading.feed` with each piece of the reply and
:meth:`LiveReading.close` at its end; :meth:`LiveReading.run` (a task) speaks what
settled. The first sentence goes out alone, so sound starts early; sentences that
settle while a request is in flight are packed into the next one (fewer requests,
the rate limit is per request). All of it plays as one piece: the player is opened
once, and its input ends only after the last request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace

from app.api.tts import PCM_FORMAT, PcmFormat, SpeechRequest
from app.audio.speech import PcmSink
from app.audio.speech_text import split_for_speech
from app.ui.speech_follow import SentenceFeed

__all__ = ["HeldSink", "LiveReading", "SpeakInto"]

SpeakInto = Callable[[PcmSink, list[SpeechRequest]], Awaitable[bytes]]
"""Streams requests into a sink (``speak`` with the client and cache filled in)."""


class HeldSink:
    """A player seen through ``speak()`` calls that must sound as one piece.

    ``begin`` opens the player the first time only; ``end_input`` is held back until
    :meth:`release`, so the player does not finish between two requests.
    """

    def __init__(self, player: PcmSink) -> None:
        self._player = player
        self.begun = False

    def begin(self, fmt: PcmFormat = PCM_FORMAT) -> None:
        if not self.begun:
            self._player.begin(fmt)  # raises AudioError without a device
            self.begun = True

    def feed(self, pcm: bytes) -> None:
        self._player.feed(pcm)

    def end_input(self) -> None:
        """Held back: more requests may follow."""

    def stop(self) -> None:
        self._player.stop()

    def release(self) -> None:
        """No more requests: let the player play out and finish."""
        if self.begun:
            self._player.end_input()


class LiveReading:
    """One reply read aloud as it arrives.

    Args:
        template: Voice, style, instruction and model of every request.
        code_block: Said instead of a code block (None: code is skipped).
    """

    def __init__(self, template: SpeechRequest, code_block: str | None = None) -> None:
        self._template = replace(template, format="pcm16")
        self._sentences = SentenceFeed(code_block)
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._closed = False

    def feed(self, markdown: str) -> None:
        """A piece of the reply; what settled is queued for speaking."""
        if not self._closed:
            self._put(self._sentences.feed(markdown))

    def close(self) -> None:
        """The reply ended: queue the rest; :meth:`run` ends after speaking it."""
        if not self._closed:
            self._closed = True
            self._put(self._sentences.close())
            self._queue.put_nowait(None)

    def _put(self, text: str) -> None:
        if text.strip():
            self._queue.put_nowait(text)

    async def run(self, player: PcmSink, speak_into: SpeakInto) -> None:
        """Speak the queued text until :meth:`close`; cancel to stop.

        Raises:
            AudioError, MimoError: as ``speak`` does; the reading ends there.
        """
        sink = HeldSink(player)
        try:
            ended = False
            while not ended:
                texts, ended = await self._take()
                pieces = split_for_speech("\n".join(texts)) if texts else []
                if pieces:
                    await speak_into(sink, [replace(self._template, text=p) for p in pieces])
        finally:
            sink.release()

    async def _take(self) -> tuple[list[str], bool]:
        """Wait for text; take everything queued meanwhile. True once the end is taken."""
        first = await self._queue.get()
        if first is None:
            return [], True
        texts = [first]
        while not self._queue.empty():
            more = self._queue.get_nowait()
            if more is None:
                return texts, True
            texts.append(more)
        return texts, False
