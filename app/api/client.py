"""The MiMo client over the OpenAI-compatible API: models, chat, streamed chat.

Pure asyncio + httpx. The ``httpx.AsyncClient`` is injected (timeouts, proxies and
transports are the caller's choice), and so is ``sleep``, so tests can watch the
backoff without waiting for it.

The HTTP client may also come from an :class:`HttpSource`, which lends each request
the client of the current network settings (see :mod:`app.core.network`) and names
the proxy a request goes through, so a proxy failure says which proxy failed.

The wire format is pluggable: a subclass sets ``_MODELS_PATH`` and ``_CHAT_PATH`` and
overrides ``_chat_body``, ``_headers`` and the ``_read_*`` readers (see
:class:`~app.api.anthropic_client.AnthropicClient`). The request body is built and
serialised in a worker thread, so converting tens of megabytes of attachments never
blocks the event loop.

Failures are retried by the :class:`~app.api.retry.RetryPolicy` only while no byte of
the reply body has arrived; a streamed request announces each retry with a
:class:`~app.api.events.RetryScheduled` event before it sleeps. Every error leaves
as a :class:`~app.api.errors.MimoError` whose message never contains the API key.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, aclosing, nullcontext
from dataclasses import dataclass
from functools import partial
from json.encoder import encode_basestring
from typing import Any, Protocol, TypeVar

import httpx

from app.api.errors import ConnectionFailed, MimoError, ProtocolError, RateLimited
from app.api.events import Finish, RetryScheduled, StreamEvent
from app.api.http_errors import (
    error_from_response,
    error_from_transport,
    proxy_auth_required,
    scrub_error,
)
from app.api.openai_wire import (
    ChatRequest,
    ChatResult,
    build_chat_body,
    decode_stream_event,
    load_json,
    parse_completion,
    parse_models,
    result_events,
)
from app.api.retry import RetryPolicy
from app.api.sse import SSEDecoder
from app.api.translation import QT_TRANSLATE_NOOP, translate

__all__ = ["ChatRequest", "ChatResult", "HttpSource", "MimoClient"]

T = TypeVar("T")
E = TypeVar("E")

_JSON = "application/json"
_SSE = "text/event-stream"
# Kept in English (tests compare it); raised through translate("MimoClient", ...).
INCOMPLETE_REPLY = QT_TRANSLATE_NOOP(
    "MimoClient", "The connection closed before the reply was complete"
)


@dataclass
class _Progress:
    """Whether the reply body of the current attempt has begun."""

    began: bool = False


class HttpSource(Protocol):
    """Lends the HTTP client of the current network settings, one request at a time."""

    def lease(self) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        """The client to use, kept open until the block ends; may raise MimoError."""
        ...

    def proxy_for(self, url: str) -> str | None:
        """The masked address of the proxy a request to ``url`` goes through, or None."""
        ...


Reader = Callable[[httpx.Response, _Progress], AsyncGenerator[T, None]]
#: A request body, or a function that builds it (called in a worker thread).
Body = dict[str, Any] | Callable[[], dict[str, Any]]


class MimoClient:
    """Talks to one OpenAI-compatible endpoint with one key.

    Args:
        http: The HTTP client, or an :class:`HttpSource` that lends one per request;
            its timeouts apply (a read timeout is the longest silence tolerated inside
            a streamed reply).
        base_url: Like ``https://api.mimo-v2.com/v1``; a trailing slash is fine.
        api_key: Sent as ``Authorization: Bearer <key>``; never put in a message.
        retry: The retry policy; the default retries 4 times.
        sleep: Awaited for each backoff delay.
    """

    _MODELS_PATH = "/models"  # appended to the base URL
    _CHAT_PATH = "/chat/completions"

    def __init__(
        self,
        http: httpx.AsyncClient | HttpSource,
        *,
        base_url: str,
        api_key: str,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep

    @property
    def base_url(self) -> str:
        """The base URL without a trailing slash."""
        return self._base_url

    def _chat_body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        """The JSON body of a chat request; called in a worker thread."""
        return build_chat_body(request, stream=stream)

    async def list_models(self) -> list[str]:
        """The model ids the endpoint offers (``GET {base}/models``).

        Raises:
            MimoError: After the retries, or at once for a non-retryable failure.
        """
        return await self._last(
            self._attempts("GET", self._MODELS_PATH, None, _JSON, self._read_models)
        )

    async def complete(self, request: ChatRequest) -> ChatResult:
        """Send a chat request with ``stream: false`` and return the whole answer.

        Raises:
            MimoError: After the retries, or at once for a non-retryable failure.
        """
        body = partial(self._chat_body, request, stream=False)
        return await self._last(
            self._attempts("POST", self._CHAT_PATH, body, _JSON, self._read_completion)
        )

    def stream_chat(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        """Send a chat request with ``stream: true``; an async generator of events.

        Yields :class:`RetryScheduled` before each backoff, then reasoning, text and
        tool-call deltas, :class:`Finish` and :class:`Usage`. Closing the generator
        (or cancelling its consumer) closes the HTTP response.

        Raises:
            MimoError: A failure before the reply began, after the retries; any
                failure once it began (never retried).
        """
        body = partial(self._chat_body, request, stream=True)
        return self._attempts("POST", self._CHAT_PATH, body, _SSE, self._read_stream)

    async def _last(self, attempts: AsyncGenerator[T | RetryScheduled, None]) -> T:
        async with aclosing(attempts) as items:
            async for item in items:
                if not isinstance(item, RetryScheduled):
                    return item
        raise ProtocolError(
            translate("MimoClient", "The server sent no reply")
        )  # pragma: no cover - readers yield

    async def _attempts(
        self,
        method: str,
        path: str,
        body: Body | None,
        accept: str,
        reader: Reader[T],
    ) -> AsyncGenerator[T | RetryScheduled, None]:
        """Run ``reader`` on the response, retrying as the policy allows.

        ``body`` (or the function that builds it) is turned into bytes once, in a
        worker thread, before the first attempt.
        """
        attempt = 0
        content = None if body is None else await encode_body(body)
        headers = self._headers(accept)
        if content is not None:
            headers["Content-Type"] = "application/json"
        url = self._base_url + path
        while True:
            progress = _Progress()
            cause: BaseException | None = None
            try:
                async with (
                    self._lease() as http,
                    http.stream(method, url, content=content, headers=headers) as response,
                ):
                    if not response.is_success:
                        raise await self._status_error(response)
                    async with aclosing(reader(response, progress)) as items:
                        async for item in items:
                            yield item
                return
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                failure = error_from_transport(
                    exc, reply_began=progress.began, proxy=self._proxy_for(url)
                )
                cause = exc
            except MimoError as exc:
                failure = exc
            scrub_error(failure, (self._api_key,))
            if not self._retry.should_retry(failure, attempt, reply_began=progress.began):
                if cause is not None:
                    raise failure from cause
                raise failure
            retry_after = failure.retry_after if isinstance(failure, RateLimited) else None
            delay = self._retry.delay(attempt, retry_after)
            attempt += 1
            yield RetryScheduled(attempt=attempt, delay=delay, error=failure)
            await self._sleep(delay)

    def _headers(self, accept: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}", "Accept": accept}

    def _lease(self) -> AbstractAsyncContextManager[httpx.AsyncClient]:
        if isinstance(self._http, httpx.AsyncClient):
            return nullcontext(self._http)
        return self._http.lease()

    def _proxy_for(self, url: str) -> str | None:
        if isinstance(self._http, httpx.AsyncClient):
            return None
        return self._http.proxy_for(url)

    async def _status_error(self, response: httpx.Response) -> MimoError:
        if response.status_code == 407:  # from a proxy that forwards plain-HTTP requests
            return proxy_auth_required(self._proxy_for(str(response.request.url)))
        try:
            body = await response.aread()
        except httpx.HTTPError:
            body = b""
        return error_from_response(
            response.status_code,
            body,
            response.headers,
            now=self._retry.clock(),
            secrets=(self._api_key,),
        )

    async def _read_models(
        self, response: httpx.Response, progress: _Progress
    ) -> AsyncGenerator[list[str], None]:
        yield parse_models(load_json(await _read_body(response, progress)))

    async def _read_completion(
        self, response: httpx.Response, progress: _Progress
    ) -> AsyncGenerator[ChatResult, None]:
        yield parse_completion(load_json(await _read_body(response, progress)))

    async def _read_stream(
        self, response: httpx.Response, progress: _Progress
    ) -> AsyncGenerator[StreamEvent, None]:
        if response.headers.get("content-type", "").startswith("application/json"):
            # A server that ignored "stream": true (or put an error in a 200 body).
            payload = load_json(await _read_body(response, progress))
            for event in result_events(parse_completion(payload)):
                yield event
            return
        async for event in read_sse_events(response, progress, decode_stream_event):
            yield event


async def read_sse_events(
    response: httpx.Response,
    progress: _Progress,
    decode: Callable[[str, str | None], list[E] | None],
) -> AsyncGenerator[E, None]:
    """The events of an SSE body, each ``data:`` turned into events by ``decode``.

    ``decode`` returns None for ``[DONE]``, which ends the stream.

    Raises:
        ConnectionFailed: The body ended before a finish event or ``[DONE]``.
    """
    decoder = SSEDecoder()
    finished = False
    chunks = response.aiter_bytes()
    try:
        at_end = False
        while not at_end:
            chunk = await anext(chunks, None)
            if chunk is None:
                at_end = True
                batch = decoder.close()
            else:
                progress.began = progress.began or bool(chunk)
                batch = decoder.feed(chunk)
            for sse in batch:
                events = decode(sse.data, sse.event)
                if events is None:  # [DONE]
                    return
                for event in events:
                    finished = finished or isinstance(event, Finish)
                    yield event
    finally:
        await _aclose(chunks)
    if not finished:
        raise ConnectionFailed(translate("MimoClient", INCOMPLETE_REPLY))


async def encode_body(body: Body) -> bytes:
    """The JSON bytes of a request body, made in a worker thread.

    ``body`` may be a function that builds the body: it is called in the same worker
    thread (converting a body may copy big attachments; see
    :func:`~app.api.anthropic_wire.build_messages_body`).

    A request with attachments holds tens of megabytes of base64. ``json.dumps`` would
    escape each such string in one call that holds the GIL for ~150 ms, freezing the
    window even from a worker thread; see :func:`json_bytes`.
    """
    return await asyncio.to_thread(_build_and_encode, body)


def _build_and_encode(body: Body) -> bytes:
    return json_bytes(body() if callable(body) else body)


BIG_STRING = 1 << 20  # strings at least this long are copied in slices
_SLICE = 1 << 20
# Bytes that JSON writes as they are: printable ASCII and DEL, but not '"' or '\'.
_PLAIN = bytes(c for c in range(0x20, 0x80) if c not in b'"\\')


def json_bytes(body: Any) -> bytes:
    """Compact JSON of ``body``, copying big strings in slices (short GIL holds).

    A string of at least :data:`BIG_STRING` characters (a ``data:`` URL, raw base64)
    is left out of ``json.dumps`` (a placeholder stands in) and written into the
    output a megabyte at a time: copied as it is when the slice needs no escaping
    (base64 never does), else escaped slice by slice, which gives the same text.
    """
    big: list[str] = []
    mark = "\x00" + secrets.token_hex(8)  # no text of the body can contain it by chance

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: swap(item) for key, item in value.items()}
        if isinstance(value, list):
            return [swap(item) for item in value]
        if isinstance(value, str) and len(value) >= BIG_STRING:
            big.append(value)
            return f"{mark}:{len(big) - 1}\x00"
        return value

    skeleton = json.dumps(swap(body), ensure_ascii=False, separators=(",", ":"))
    if not big:
        return skeleton.encode()
    out = io.BytesIO()
    pieces = skeleton.split('"' + json.dumps(mark)[1:-1] + ":")
    out.write(pieces[0].encode())
    for piece in pieces[1:]:
        number, rest = piece.split("\\u0000", 1)
        value = big[int(number)]
        out.write(b'"')
        for start in range(0, len(value), _SLICE):
            out.write(_json_slice(value[start : start + _SLICE]))
        out.write(rest.encode())
    return out.getvalue()


def _json_slice(piece: str) -> bytes:
    """``piece`` as JSON string content (without quotes), like ``json.dumps`` writes it."""
    if piece.isascii():
        raw = piece.encode("ascii")
        if not raw.translate(None, _PLAIN):  # nothing left: every byte is plain
            return raw
    return encode_basestring(piece)[1:-1].encode()


async def _read_body(response: httpx.Response, progress: _Progress) -> bytes:
    parts: list[bytes] = []
    chunks = response.aiter_bytes()
    try:
        async for chunk in chunks:
            progress.began = progress.began or bool(chunk)
            parts.append(chunk)
    finally:
        await _aclose(chunks)
    return b"".join(parts)


async def _aclose(iterator: AsyncIterator[bytes]) -> None:
    """Close an async generator at once rather than when it is collected."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
