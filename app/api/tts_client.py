"""Speech requests: :class:`SpeechClient` adds ``synthesize`` and ``stream_speech``.

The client is a :class:`~app.api.client.MimoClient`, so speech shares the chat's
injected ``httpx.AsyncClient``, retry policy (failures before the reply began are
retried, announced by :class:`~app.api.events.RetryScheduled`), SSE decoder and typed
errors: a 401 is an :class:`~app.api.errors.AuthError`, a 429 a
:class:`~app.api.errors.RateLimited`, a dropped stream a
:class:`~app.api.errors.ConnectionFailed`, a malformed one a
:class:`~app.api.errors.ProtocolError`, exactly as for chat.

Example::

    client = SpeechClient(http, base_url=base, api_key=key)
    async for event in client.stream_speech(SpeechRequest("Hello")):
        if isinstance(event, AudioDelta):
            player.feed(event.pcm)
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import httpx

from app.api.client import MimoClient, _Progress, _read_body, read_sse_events
from app.api.events import AudioDelta, Finish, SpeechEvent
from app.api.openai_wire import load_json
from app.api.tts import (
    SpeechRequest,
    SpeechResult,
    build_speech_body,
    decode_speech_event,
    parse_speech_completion,
    wav_to_pcm,
)

__all__ = ["SpeechClient"]

_JSON = "application/json"
_SSE = "text/event-stream"
_PATH = "/chat/completions"


class SpeechClient(MimoClient):
    """A :class:`MimoClient` that also speaks; same constructor arguments."""

    async def synthesize(self, request: SpeechRequest) -> SpeechResult:
        """Synthesise the whole speech with ``stream: false``.

        Returns:
            The audio in ``request.format`` (a WAV or MP3 file, or raw PCM in
            :data:`~app.api.tts.PCM_FORMAT` for ``pcm16``).

        Raises:
            MimoError: After the retries, or at once for a non-retryable failure.
        """
        body = build_speech_body(request, stream=False)

        async def read(
            response: httpx.Response, progress: _Progress
        ) -> AsyncGenerator[SpeechResult, None]:
            payload = load_json(await _read_body(response, progress))
            yield parse_speech_completion(payload, request.format)

        return await self._last(self._attempts("POST", _PATH, body, _JSON, read))

    def stream_speech(self, request: SpeechRequest) -> AsyncGenerator[SpeechEvent, None]:
        """Synthesise with ``stream: true``; an async generator of events.

        Yields :class:`RetryScheduled` before each backoff, then
        :class:`~app.api.events.AudioDelta` pieces of raw PCM in
        :data:`~app.api.tts.PCM_FORMAT` as they arrive, :class:`Finish` and
        :class:`~app.api.events.Usage`. Closing the generator (or cancelling its
        consumer) closes the HTTP response. ``request.format`` is ignored.

        Raises:
            MimoError: A failure before the reply began, after the retries; any
                failure once it began (never retried).
        """
        body = build_speech_body(request, stream=True)
        return self._attempts("POST", _PATH, body, _SSE, _read_speech_stream)


async def _read_speech_stream(
    response: httpx.Response, progress: _Progress
) -> AsyncGenerator[SpeechEvent, None]:
    if response.headers.get("content-type", "").startswith("application/json"):
        # A server that ignored "stream": true (or put an error in a 200 body).
        payload = load_json(await _read_body(response, progress))
        result = parse_speech_completion(payload, "pcm16")
        pcm = wav_to_pcm(result.audio)[0] if result.audio[:4] == b"RIFF" else result.audio
        yield AudioDelta(pcm)
        yield Finish("stop")
        if result.usage is not None:
            yield result.usage
        return
    async for event in read_sse_events(response, progress, decode_speech_event):
        yield event
