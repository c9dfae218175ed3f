"""Where requests go and with which key: the shared HTTP client, one endpoint, one key.

The UI changes the endpoint, its wire format or the key (settings, first-run dialog);
the chat, model and speech controllers ask for a fresh :class:`MimoClient` (an
:class:`AnthropicClient` when the endpoint speaks the Anthropic-compatible format) or
:class:`SpeechClient` per request, so a change applies to the next request without
tearing anything down. Speech is OpenAI-compatible only: on an Anthropic-format
endpoint it goes to the matching OpenAI-format base (:attr:`Connection.speech_base_url`).

The HTTP client comes from :class:`HttpClients`: new network settings (proxy, timeout,
CA bundle; see :mod:`app.core.network`) apply to the next request through
:meth:`Connection.apply_network`, while running requests finish with the settings they
started with.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx

from app.api.anthropic_client import AnthropicClient
from app.api.client import MimoClient
from app.api.errors import ConnectionFailed
from app.api.retry import RetryPolicy
from app.api.translation import translate
from app.api.tts_client import SpeechClient
from app.core.network import (
    HttpOptions,
    NetworkFields,
    NetworkSettingsError,
    ProxyRoute,
    client_options,
    describe,
)
from app.core.providers import WIRES

log = logging.getLogger(__name__)

_Client = TypeVar("_Client", bound=MimoClient)

# Xiaomi's layout: {host}/anthropic speaks the Anthropic format, {host}/v1 the OpenAI one.
_ANTHROPIC_SUFFIX = "/anthropic"
_OPENAI_SUFFIX = "/v1"


class NoApiKey(Exception):
    """No API key is known yet for the current endpoint."""


class HttpClients:
    """The HTTP client new requests use, replaced when the network settings change.

    A request holds a :meth:`lease` on the current client while it runs; a replaced
    client is closed when its last lease ends, so a change never cuts a reply short.
    While the settings cannot be used, every request fails at once with the reason
    (a :class:`~app.api.errors.ConnectionFailed` that is not retried) rather than going
    out some other way.

    Args:
        client: The first client, or None when the settings could not be used.
        route: Which proxy the client's requests go through, for messages.
        problem: Why there is no client.
    """

    def __init__(
        self,
        client: httpx.AsyncClient | None,
        route: ProxyRoute | None = None,
        *,
        problem: str | None = None,
    ) -> None:
        self._current = client
        self._route = route or ProxyRoute()
        self._problem = problem
        self._leases: dict[httpx.AsyncClient, int] = {}
        self._retired: set[httpx.AsyncClient] = set()
        self._generation = 0
        self._closed = False

    @classmethod
    def from_settings(cls, network: NetworkFields) -> HttpClients:
        """A holder of a client for ``network``; reads the CA bundle (blocking).

        Never raises: settings that cannot be used give a holder whose requests fail
        with the reason.
        """
        try:
            options = client_options(network)
            client = options.client()
        except NetworkSettingsError as error:
            log.warning("network settings unusable (%s): %s", describe(network), error.message)
            return cls(None, problem=error.message)
        log.info("network: %s", describe(network))
        return cls(client, options.route)

    @property
    def current(self) -> httpx.AsyncClient | None:
        """The client new requests get, or None while the settings cannot be used."""
        return self._current

    @property
    def problem(self) -> str | None:
        """Why the current settings cannot be used, or None."""
        return self._problem

    def proxy_for(self, url: str) -> str | None:
        """The masked proxy new requests to ``url`` go through, or None (direct)."""
        return self._route.proxy_for(url)

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[httpx.AsyncClient]:
        """The current client, kept open until the block ends.

        Raises:
            ConnectionFailed: The network settings cannot be used (not retried).
        """
        client = self._current
        if client is None or self._closed:
            error = ConnectionFailed(
                translate("Network", "The network settings cannot be used: {reason}").format(
                    reason=self._problem or translate("Network", "the connection is closed.")
                )
            )
            error.retryable = False
            raise error
        self._leases[client] = self._leases.get(client, 0) + 1
        try:
            yield client
        finally:
            left = self._leases[client] - 1
            if left:
                self._leases[client] = left
            else:
                del self._leases[client]
                if client in self._retired:
                    self._retired.discard(client)
                    await client.aclose()

    async def apply(self, network: NetworkFields) -> str | None:
        """Make new requests use ``network``; running ones finish on the old client.

        The CA bundle is read in a worker thread. When the settings cannot be used,
        new requests fail with the reason until good settings are applied.

        Returns:
            None, or the reason the settings cannot be used (for the user).
        """
        self._generation += 1
        generation = self._generation
        options: HttpOptions | None = None
        client: httpx.AsyncClient | None = None
        problem: str | None = None
        try:
            options = await asyncio.to_thread(client_options, network)
            client = options.client()
        except NetworkSettingsError as error:
            problem = error.message
        if generation != self._generation or self._closed:  # a later apply won
            if client is not None:
                await client.aclose()
            return problem
        if problem is None:
            log.info("network: %s", describe(network))
        else:
            log.warning("network settings unusable (%s): %s", describe(network), problem)
        await self._swap(client, options.route if options else ProxyRoute(), problem)
        return problem

    async def _swap(
        self, client: httpx.AsyncClient | None, route: ProxyRoute, problem: str | None
    ) -> None:
        old, self._current, self._route, self._problem = self._current, client, route, problem
        if old is None or old is client:
            return
        if self._leases.get(old):
            self._retired.add(old)  # closed by the last lease's end
        else:
            await old.aclose()

    async def aclose(self) -> None:
        """Close every client, running requests or not (the app is quitting)."""
        self._closed = True
        clients = {*self._retired, *self._leases}
        if self._current is not None:
            clients.add(self._current)
        self._retired.clear()
        for client in clients:
            await client.aclose()


class Connection:
    """The current endpoint, its wire format and key, and the HTTP client they share.

    Args:
        http: The HTTP client, or the :class:`HttpClients` that holds the one for the
            current network settings (a bare client is wrapped in one).

    Attributes:
        http: The :class:`HttpClients` every client made here borrows from.
        base_url: The endpoint's base URL (settable at any time).
        wire: ``"openai"`` or ``"anthropic"`` (settable at any time); any other value
            makes :meth:`client` raise ValueError.
        api_key: The key, or None until one is known.
    """

    def __init__(
        self,
        http: httpx.AsyncClient | HttpClients,
        *,
        base_url: str,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wire: str = "openai",
    ) -> None:
        self.http = http if isinstance(http, HttpClients) else HttpClients(http)
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

    async def apply_network(self, network: NetworkFields) -> str | None:
        """Make the next requests use these network settings; running ones finish as
        they started. The CA bundle is read in a worker thread.

        Returns:
            None, or why the settings cannot be used (for the user); requests then
            fail with that reason until usable settings are applied.
        """
        return await self.http.apply(network)

    async def probe_network(self, network: NetworkFields) -> list[str]:
        """List the endpoint's models through a throwaway client made from ``network``.

        For the Network dialog's Test button: the current settings are not touched, and
        nothing is retried. Without a key the request goes out without one (a 401
        answer still shows that the network path works).

        Returns:
            The model ids.

        Raises:
            NetworkSettingsError: The settings cannot be used (bad proxy, CA bundle).
            MimoError: The request failed (AuthError: the server answered, key refused).
        """
        options = await asyncio.to_thread(client_options, network)
        probe = HttpClients(options.client(), options.route)
        kind = AnthropicClient if self.wire == "anthropic" else MimoClient
        try:
            client = kind(
                probe,
                base_url=self.base_url,
                api_key=self.api_key or "",
                retry=RetryPolicy(max_retries=0),
                sleep=self._sleep,
            )
            return await client.list_models()
        finally:
            await probe.aclose()

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
