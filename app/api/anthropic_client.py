"""The MiMo client over the Anthropic-compatible API: the same calls, another wire.

:class:`AnthropicClient` is a :class:`~app.api.client.MimoClient` (same constructor,
``list_models``, ``complete``, ``stream_chat``, retries, typed errors, scrubbed key)
that speaks the Messages format of :mod:`app.api.anthropic_wire`:

* ``base_url`` is the Anthropic SDK base, like ``https://api.xiaomimimo.com/anthropic``;
  requests go to ``{base}/v1/messages`` and the models to ``{base}/v1/models`` (a base
  that already ends in ``/v1`` is taken without it).
* Auth is ``Authorization: Bearer <key>`` plus ``anthropic-version``; MiMo does not
  accept ``x-api-key``, so it is not sent.
* The body is converted (big ``data:`` URLs split into raw base64) and serialised in
  one worker thread, never on the event loop.

Example::

    client = AnthropicClient(http, base_url="https://api.xiaomimimo.com/anthropic",
                             api_key=key)
    async for event in client.stream_chat(ChatRequest("mimo-v2-pro", messages)):
        ...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import httpx

from app.api.anthropic_wire import (
    MessagesStreamDecoder,
    build_messages_body,
    message_events,
    parse_message,
    parse_model_list,
)
from app.api.client import HttpSource, MimoClient, _Progress, _read_body, read_sse_events
from app.api.events import StreamEvent
from app.api.openai_wire import ChatRequest, ChatResult, load_json
from app.api.retry import RetryPolicy

__all__ = ["ANTHROPIC_VERSION", "AnthropicClient"]

#: The ``anthropic-version`` header every request carries.
ANTHROPIC_VERSION = "2023-06-01"


class AnthropicClient(MimoClient):
    """Talks to one Anthropic-compatible endpoint with one key.

    Args:
        http: The HTTP client (or an :class:`~app.api.client.HttpSource`); its
            timeouts apply.
        base_url: Like ``https://api.xiaomimimo.com/anthropic`` (``/v1`` is added).
        api_key: Sent as ``Authorization: Bearer <key>``; never put in a message.
        retry: The retry policy; the default retries 4 times.
        sleep: Awaited for each backoff delay.
    """

    _MODELS_PATH = "/v1/models"
    _CHAT_PATH = "/v1/messages"

    def __init__(
        self,
        http: httpx.AsyncClient | HttpSource,
        *,
        base_url: str,
        api_key: str,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(http, base_url=base_url, api_key=api_key, retry=retry, sleep=sleep)
        self._base_url = self._base_url.removesuffix("/v1")

    def _chat_body(self, request: ChatRequest, *, stream: bool) -> dict[str, Any]:
        """The Messages body; runs in the worker thread that serialises it."""
        return build_messages_body(request, stream=stream)

    def _headers(self, accept: str) -> dict[str, str]:
        headers = super()._headers(accept)
        headers["anthropic-version"] = ANTHROPIC_VERSION
        return headers

    async def _read_models(
        self, response: httpx.Response, progress: _Progress
    ) -> AsyncGenerator[list[str], None]:
        yield parse_model_list(load_json(await _read_body(response, progress)))

    async def _read_completion(
        self, response: httpx.Response, progress: _Progress
    ) -> AsyncGenerator[ChatResult, None]:
        yield parse_message(load_json(await _read_body(response, progress)))

    async def _read_stream(
        self, response: httpx.Response, progress: _Progress
    ) -> AsyncGenerator[StreamEvent, None]:
        if response.headers.get("content-type", "").startswith("application/json"):
            # A server that ignored "stream": true (or put an error in a 200 body).
            for event in message_events(load_json(await _read_body(response, progress))):
                yield event
            return
        decoder = MessagesStreamDecoder()
        async for event in read_sse_events(response, progress, decoder.decode):
            yield event
