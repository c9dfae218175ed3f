"""Where requests go and with which key: one shared HTTP client, one endpoint, one key.

The UI changes the endpoint, its wire format or the key (settings, first-run dialog);
the chat, model and speech controllers ask for a fresh :class:`MimoClient` (an
:class:`AnthropicClient` when the endpoint speaks the Anthropic-compatible format) or
:class:`SpeechClient` per request, so a change applies to the next request without
tearing anything down. Speech is OpenAI-compatible only: on an Anthropic-format
endpoint it goes to the matching OpenAI-format base (:attr:`Connection.speech_base_url`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from app.api.anthropic_client import AnthropicClient
from app.api.client import MimoClient
from app.api.retry import RetryPolicy
from app.api.tts_client import SpeechClient
from app.core.providers import WIRES

_Client = TypeVar("_Client", bound=MimoClient)

# Connect quickly, but let a slow model think: a reply may pause for a long time
# between chunks while it reasons.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)


# Xiaomi's layout: {host}/anthropic speaks the Anthropic format, {host}/v1 the OpenAI one.
_ANTHROPIC_SUFFIX = "/anthropic"
_OPENAI_SUFFIX = "/v1"


class NoApiKey(Exception):
    """No API key is known yet for the current endpoint."""


class Connection:
    """The current endpoint, its wire format and key, and the HTTP client they share.

    Attributes:
        base_url: The endpoint's base URL (settable at any time).
        wire: ``"openai"`` or ``"anthropic"`` (settable at any time); any other value
            makes :meth:`client` raise ValueError.
        api_key: The key, or None until one is known.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wire: str = "openai",
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.wire = wire
        self.api_key = api_key
        self._retry = retry
        self._sleep = sleep

    def client(self) -> MimoClient:
        """A client for the current endpoint, wire format and key.

        Returns:
            An :class:`AnthropicClient` when ``wire`` is ``"anthropic"``, else a
            :class:`MimoClient` (both have the same API and events).

        Raises:
            NoApiKey: when no key has been given yet.
            ValueError: ``wire`` is not one of :data:`WIRES`.
        """
        if self.wire not in WIRES:
            raise ValueError(f"unknown wire format {self.wire!r}; expected one of {WIRES}")
        return self._make(AnthropicClient if self.wire == "anthropic" else MimoClient)

    @property
    def speech_base_url(self) -> str:
        """Where speech requests go: speech exists only in the OpenAI-compatible format.

        On the OpenAI wire this is :attr:`base_url`. On the Anthropic wire it is a
        heuristic that follows Xiaomi's layout, where the two formats share a host and
        differ in the last path segment (``https://api.xiaomimimo.com/anthropic`` and
        ``https://api.xiaomimimo.com/v1``; the same for ``https://token-plan-*.
        xiaomimimo.com``): a base ending in ``/anthropic`` gets ``/v1`` in its place.
        Any other Anthropic base is kept as it is (it may or may not speak speech).
        """
        base = self.base_url.rstrip("/")
        if self.wire == "anthropic" and base.endswith(_ANTHROPIC_SUFFIX):
            return base.removesuffix(_ANTHROPIC_SUFFIX) + _OPENAI_SUFFIX
        return self.base_url

    def speech_client(self) -> SpeechClient:
        """A speech (TTS) client for the key, at :attr:`speech_base_url`; same HTTP client.

        Raises:
            NoApiKey: when no key has been given yet.
        """
        return self._make(SpeechClient, self.speech_base_url)

    def _make(self, kind: type[_Client], base_url: str | None = None) -> _Client:
        if not self.api_key:
            raise NoApiKey("No API key is set")
        return kind(
            self.http,
            base_url=self.base_url if base_url is None else base_url,
            api_key=self.api_key,
            retry=self._retry,
            sleep=self._sleep,
        )
