"""Where requests go and with which key: one shared HTTP client, one endpoint, one key.

The UI changes the endpoint or the key (settings, first-run dialog); the chat, model and
speech controllers ask for a fresh :class:`MimoClient` (or :class:`SpeechClient`) per
request, so a change applies to the next request without tearing anything down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from app.api.client import MimoClient
from app.api.retry import RetryPolicy
from app.api.tts_client import SpeechClient

_Client = TypeVar("_Client", bound=MimoClient)

# Connect quickly, but let a slow model think: a reply may pause for a long time
# between chunks while it reasons.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=10.0)


class NoApiKey(Exception):
    """No API key is known yet for the current endpoint."""


class Connection:
    """The current endpoint and key, and the HTTP client they share."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.base_url = base_url
        self.api_key = api_key
        self._retry = retry
        self._sleep = sleep

    def client(self) -> MimoClient:
        """A client for the current endpoint and key.

        Raises:
            NoApiKey: when no key has been given yet.
        """
        return self._make(MimoClient)

    def speech_client(self) -> SpeechClient:
        """A speech (TTS) client for the current endpoint and key; same HTTP client.

        Raises:
            NoApiKey: when no key has been given yet.
        """
        return self._make(SpeechClient)

    def _make(self, kind: type[_Client]) -> _Client:
        if not self.api_key:
            raise NoApiKey("No API key is set")
        return kind(
            self.http,
            base_url=self.base_url,
            api_key=self.api_key,
            retry=self._retry,
            sleep=self._sleep,
        )
