"""Speak: speech requests streamed into a player, with the disk cache in between.

:func:`speak` is what a TTS panel or a "read aloud" button awaits: it opens the
player first (so a missing device is reported before any request), then plays each
request's audio as it streams in, from the cache when the same speech was heard
before. :func:`read_aloud_requests` turns a Markdown answer into such requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from dataclasses import replace
from typing import Protocol

from app.api.events import AudioDelta, SpeechEvent
from app.api.tts import PCM_FORMAT, PcmFormat, SpeechRequest, SpeechResult, wav_to_pcm
from app.audio.cache import SpeechCache, speech_cache_key
from app.audio.codec import decode_bytes
from app.audio.speech_text import DEFAULT_PIECE_CHARS, markdown_to_speech, split_for_speech

__all__ = ["PcmSink", "SpeechStreamer", "read_aloud_requests", "result_pcm", "speak"]


class PcmSink(Protocol):
    """What :func:`speak` plays into: an ``AudioPlayer`` or a ``QtAudioPlayer``."""

    def begin(self, fmt: PcmFormat = PCM_FORMAT) -> None: ...

    def feed(self, pcm: bytes) -> None: ...

    def end_input(self) -> None: ...

    def stop(self) -> None: ...


class SpeechStreamer(Protocol):
    """What :func:`speak` requests from: a ``SpeechClient``."""

    def stream_speech(self, request: SpeechRequest) -> AsyncGenerator[SpeechEvent, None]: ...


async def speak(
    client: SpeechStreamer,
    player: PcmSink,
    requests: Sequence[SpeechRequest],
    *,
    cache: SpeechCache | None = None,
    on_event: Callable[[SpeechEvent], None] | None = None,
) -> bytes:
    """Play ``requests`` one after another as one piece of audio; return all its PCM.

    Each request is streamed (``pcm16``) unless the cache holds it; a request that
    completed is stored in the cache. The returned PCM (in
    :data:`~app.api.tts.PCM_FORMAT`) can be saved with
    :func:`app.audio.codec.save_pcm`.

    Args:
        client: Makes the requests.
        player: Plays the audio; :meth:`PcmSink.begin` is called first.
        requests: The speech to make, in order (see :func:`read_aloud_requests`).
        cache: Where finished speech is kept and looked up; None: no cache.
        on_event: Sees every event (e.g. to show a ``RetryScheduled``).

    Raises:
        AudioError: No sound output; no request was made.
        MimoError: A request failed; what arrived before still plays.
        asyncio.CancelledError: Cancelled; the player is stopped.
    """
    player.begin(PCM_FORMAT)
    played = bytearray()
    try:
        for request in requests:
            key = speech_cache_key(request, "pcm16")
            # The cache reads and writes files: in a worker thread, never in the loop's
            # (the GUI thread, in the app).
            cached = await asyncio.to_thread(cache.get, key) if cache is not None else None
            if cached is not None:
                player.feed(cached)
                played += cached
                continue
            piece = bytearray()
            try:
                async with aclosing(client.stream_speech(request)) as events:
                    async for event in events:
                        if on_event is not None:
                            on_event(event)
                        if isinstance(event, AudioDelta):
                            player.feed(event.pcm)
                            piece += event.pcm
            finally:
                played += piece
            if cache is not None:
                await asyncio.to_thread(cache.put, key, bytes(piece))
    except asyncio.CancelledError:
        player.stop()
        raise
    finally:
        player.end_input()
    return bytes(played)


def read_aloud_requests(
    markdown: str,
    template: SpeechRequest,
    *,
    limit: int = DEFAULT_PIECE_CHARS,
    code_block: str | None = None,
) -> list[SpeechRequest]:
    """Requests that read a Markdown text aloud, one per sentence-bounded piece.

    Args:
        markdown: The text, e.g. an assistant's answer.
        template: Voice, style, instruction and model of every request (its text
            is replaced).
        limit: The longest piece in characters.
        code_block: Said instead of a code block; None skips code blocks.

    Returns:
        The requests; empty when nothing speakable is left.
    """
    text = markdown_to_speech(markdown, code_block=code_block)
    return [replace(template, text=piece) for piece in split_for_speech(text, limit)]


def result_pcm(result: SpeechResult) -> tuple[bytes, PcmFormat]:
    """The PCM of a non-streamed reply, ready for ``AudioPlayer.play``.

    Raises:
        ProtocolError: A WAV reply that is not 16-bit PCM.
        AudioError: An MP3 reply that cannot be decoded.
    """
    if result.format == "pcm16":
        return result.audio, PCM_FORMAT
    if result.format == "wav":
        return wav_to_pcm(result.audio)
    decoded = decode_bytes(result.audio)
    return decoded.pcm, decoded.format
