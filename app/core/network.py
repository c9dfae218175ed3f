"""Network settings made real: the proxy, the request timeout and the trusted certificates.

The three proxy modes of :data:`app.core.settings.PROXY_MODES`:

- ``"system"``: the environment's ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and
  ``NO_PROXY`` (upper or lower case), which httpx reads itself (``trust_env=True``);
- ``"none"``: every request goes direct, whatever the environment says;
- ``"custom"``: one proxy, ``http://``, ``https://``, ``socks5://`` or ``socks5h://``
  with an optional ``user:password@`` (:func:`parse_proxy_url`).

TLS certificates are always verified, against certifi's roots plus, optionally, a PEM
bundle of extra authorities (a company's TLS-inspecting proxy). A CA bundle that is
missing, unreadable or not PEM is an error (:class:`CaBundleError`); verification is
never turned off instead.

:func:`client_options` turns settings into client options (it reads the CA file: call
it off the GUI thread); :class:`app.core.connection.HttpClients` holds the client that
new requests use and swaps in a new one when the settings change.

A proxy password never reaches a log line or a message: :attr:`ProxyUrl.masked` and
:func:`mask_proxy_url` print ``http://user:***@host:port``.
"""

from __future__ import annotations

import logging
import math
import re
import ssl
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import certifi
import httpx
from httpx._utils import URLPattern, get_environment_proxies  # httpx's own NO_PROXY rules

from app.api.translation import translate
from app.core.settings import (
    DEFAULT_REQUEST_TIMEOUT,
    MAX_REQUEST_TIMEOUT,
    MIN_REQUEST_TIMEOUT,
    PROXY_MODES,
)

log = logging.getLogger(__name__)

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
#: Connecting never waits longer than this, however long a reply may pause.
CONNECT_TIMEOUT_CAP = 30.0
MASK = "***"
_PEM_CERTIFICATE = b"-----BEGIN CERTIFICATE-----"
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
_USERINFO_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


class NetworkSettingsError(ValueError):
    """Network settings that cannot be used; :attr:`message` is written for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProxyUrlError(NetworkSettingsError):
    """The proxy address is not valid (or the environment's proxy is not supported)."""


class CaBundleError(NetworkSettingsError):
    """The CA bundle file is missing, unreadable or holds no usable certificate."""


class NetworkFields(Protocol):
    """What the network code reads: :class:`~app.core.settings.Settings` or
    :class:`NetworkSettings`."""

    @property
    def proxy_mode(self) -> str: ...
    @property
    def proxy_url(self) -> str | None: ...
    @property
    def request_timeout(self) -> float: ...
    @property
    def ca_bundle(self) -> str | None: ...


@dataclass(frozen=True)
class NetworkSettings:
    """The network part of the settings, as the Network dialog returns it."""

    proxy_mode: str = "system"
    proxy_url: str | None = None
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    ca_bundle: str | None = None

    @classmethod
    def of(cls, settings: NetworkFields) -> NetworkSettings:
        return cls(
            settings.proxy_mode, settings.proxy_url, settings.request_timeout, settings.ca_bundle
        )

    def changes(self) -> dict[str, Any]:
        """The fields by name, for ``Preferences.update(**changes)``."""
        return {
            "proxy_mode": self.proxy_mode,
            "proxy_url": self.proxy_url,
            "request_timeout": self.request_timeout,
            "ca_bundle": self.ca_bundle,
        }


# -- proxy addresses ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProxyUrl:
    """A checked proxy address. ``str()`` and ``repr()`` never show the password.

    Attributes:
        scheme: ``http``, ``https``, ``socks5`` or ``socks5h``.
        host: The host as written (an IPv6 address in brackets).
        port: 1 to 65535.
        username: The user name as written (percent-encoded), or None.
        password: The password as written (percent-encoded), or None.
    """

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def _address(self, password: str | None) -> str:
        userinfo = ""
        if self.username is not None or password is not None:
            userinfo = self.username or ""
            if password is not None:
                userinfo += ":" + password
            userinfo += "@"
        return f"{self.scheme}://{userinfo}{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The full address, credentials included: for httpx only, never for display."""
        return self._address(self.password)

    @property
    def masked(self) -> str:
        """The address with the password replaced by ``***``."""
        return self._address(None if self.password is None else MASK)

    def __str__(self) -> str:
        return self.masked


def mask_proxy_url(text: str) -> str:
    """``text`` with the password of any ``scheme://user:password@`` replaced by ``***``.

    For addresses that may not be valid (the environment's), before they are shown.
    """
    return _USERINFO_PASSWORD.sub(lambda match: f"{match.group(1)}{MASK}@", text)


def parse_proxy_url(text: str) -> ProxyUrl:
    """Check a proxy address such as ``socks5://user:secret@127.0.0.1:1080``.

    Spaces around the address are ignored; special characters in the user name or
    password must be percent-encoded (``@`` as ``%40``).

    Raises:
        ProxyUrlError: With a message for the user (it never repeats the password).
    """
    text = text.strip()
    if not text:
        raise ProxyUrlError(
            translate("Network", "Enter the proxy address, like http://proxy.example.com:8080.")
        )
    if any(char.isspace() for char in text):
        raise ProxyUrlError(translate("Network", "The proxy address must not contain spaces."))
    scheme, separator, _ = text.partition("://")
    scheme = scheme.lower()
    if not separator or not _SCHEME.fullmatch(scheme):
        raise ProxyUrlError(
            translate(
                "Network",
                "Start the proxy address with http://, https://, socks5:// or socks5h://.",
            )
        )
    if scheme not in PROXY_SCHEMES:
        raise ProxyUrlError(
            translate(
                "Network",
                "{scheme}:// proxies are not supported. Use http://, https://, socks5:// or "
                "socks5h://.",
            ).format(scheme=scheme)
        )
    invalid = translate(
        "Network",
        "This is not a valid proxy address. The port must be a number from 1 to 65535, "
        "and special characters in the user name or password must be percent-encoded.",
    )
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError:
        raise ProxyUrlError(invalid) from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        if "@" in parts.path or "@" in parts.query or "@" in parts.fragment:
            message = translate(
                "Network",
                "Percent-encode the special characters of the user name and password "
                "(/ as %2F, ? as %3F, # as %23).",
            )
        else:
            message = translate(
                "Network", "A proxy address has no path: give only the host and the port."
            )
        raise ProxyUrlError(message)
    try:
        port = parts.port
    except ValueError:
        raise ProxyUrlError(invalid) from None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host = hostport.rsplit(":", 1)[0] if port is not None else hostport.rstrip(":")
    if not parts.hostname or not host:
        raise ProxyUrlError(
            translate("Network", "Add the proxy's host name, like http://proxy.example.com:8080.")
        )
    if port is None or port == 0:
        raise ProxyUrlError(
            translate(
                "Network",
                "Add the proxy's port number after the host name, like :8080 (1 to 65535).",
            )
        )
    username: str | None = None
    password: str | None = None
    if "@" in parts.netloc:
        username, has_password, secret = userinfo.partition(":")
        password = secret if has_password else None
    return ProxyUrl(scheme, host, port, username, password)


def proxy_url_problem(text: str) -> str | None:
    """Why ``text`` is not a valid proxy address, or None when it is."""
    try:
        parse_proxy_url(text)
    except ProxyUrlError as error:
        return error.message
    return None


# -- which proxy a request goes through -------------------------------------------------


@dataclass(frozen=True)
class ProxyRoute:
    """Which proxy requests to a URL go through (masked), to name it in messages.

    Attributes:
        mounts: ``(pattern, proxy)`` pairs, most specific first, as httpx matches its
            mounts; proxy None: direct.
    """

    mounts: tuple[tuple[URLPattern, str | None], ...] = ()

    @classmethod
    def through(cls, proxy: str) -> ProxyRoute:
        return cls(((URLPattern("all://"), proxy),))

    def proxy_for(self, url: str) -> str | None:
        """The masked proxy a request to ``url`` goes through, or None (direct)."""
        try:
            target = httpx.URL(url)
        except httpx.InvalidURL:
            return None
        for pattern, proxy in self.mounts:
            if pattern.matches(target):
                return proxy
        return None


def system_route() -> ProxyRoute:
    """The environment's proxies as httpx reads them (``NO_PROXY`` included).

    Raises:
        ProxyUrlError: An environment proxy of a kind httpx cannot use (``socks4://``).
    """
    mounts: list[tuple[URLPattern, str | None]] = []
    for key, value in get_environment_proxies().items():
        if value is not None and value.partition("://")[0].lower() not in PROXY_SCHEMES:
            raise ProxyUrlError(
                translate(
                    "Network",
                    "The system proxy {proxy} is not supported: it must be an http://, "
                    "https://, socks5:// or socks5h:// proxy. Choose another proxy setting.",
                ).format(proxy=mask_proxy_url(value))
            )
        try:
            pattern = URLPattern(key)
        except (ValueError, httpx.InvalidURL):
            continue  # a NO_PROXY entry httpx cannot read either; it ignores it too
        mounts.append((pattern, None if value is None else mask_proxy_url(value)))
    mounts.sort(key=lambda mount: mount[0])
    return ProxyRoute(tuple(mounts))


def environment_proxies() -> list[str]:
    """The environment's proxies, masked and without repeats (for the Network dialog)."""
    found: list[str] = []
    for value in get_environment_proxies().values():
        if value is not None and mask_proxy_url(value) not in found:
            found.append(mask_proxy_url(value))
    return found


# -- timeouts and certificates --------------------------------------------------------


def timeout_for(seconds: float) -> httpx.Timeout:
    """Wait ``seconds`` for each read (and write) and at most 30 s for a connection.

    ``seconds`` is kept within the settings' range (5 to 600).
    """
    if not math.isfinite(seconds):
        seconds = DEFAULT_REQUEST_TIMEOUT
    seconds = min(max(float(seconds), MIN_REQUEST_TIMEOUT), MAX_REQUEST_TIMEOUT)
    connect = min(seconds, CONNECT_TIMEOUT_CAP)
    return httpx.Timeout(connect=connect, read=seconds, write=seconds, pool=connect)


def ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """A verifying TLS context: certifi's roots, plus the PEM file ``ca_bundle`` if given.

    Reads files: call it off the GUI thread.

    Raises:
        CaBundleError: ``ca_bundle`` is missing, unreadable or holds no certificate.
    """
    context = ssl.create_default_context(cafile=certifi.where())
    if not ca_bundle or not ca_bundle.strip():
        return context
    path = Path(ca_bundle.strip()).expanduser()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CaBundleError(
            translate("Network", "The CA bundle {path} does not exist.").format(path=path)
        ) from None
    except IsADirectoryError:
        raise CaBundleError(
            translate("Network", "The CA bundle {path} is a folder; choose a PEM file.").format(
                path=path
            )
        ) from None
    except PermissionError:
        raise CaBundleError(
            translate("Network", "The CA bundle {path} cannot be read: permission denied.").format(
                path=path
            )
        ) from None
    except OSError as error:
        raise CaBundleError(
            translate("Network", "The CA bundle {path} cannot be read: {reason}.").format(
                path=path, reason=error.strerror or type(error).__name__
            )
        ) from None
    if _PEM_CERTIFICATE not in data:
        raise CaBundleError(
            translate(
                "Network",
                "The CA bundle {path} holds no PEM certificate (text starting with "
                "-----BEGIN CERTIFICATE-----).",
            ).format(path=path)
        )
    try:
        context.load_verify_locations(cadata=data.decode("latin-1"))
    except (ssl.SSLError, ValueError) as error:
        reason = getattr(error, "reason", None) or str(error) or type(error).__name__
        raise CaBundleError(
            translate(
                "Network",
                "The CA bundle {path} holds a certificate that cannot be used ({reason}).",
            ).format(path=path, reason=reason)
        ) from None
    return context


# -- the client --------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpOptions:
    """Everything an ``httpx.AsyncClient`` needs for some network settings."""

    timeout: httpx.Timeout
    verify: ssl.SSLContext
    proxy: httpx.Proxy | None
    trust_env: bool
    route: ProxyRoute

    def client(self) -> httpx.AsyncClient:
        """A new client with these options.

        Raises:
            NetworkSettingsError: httpx refused a proxy (from the environment).
        """
        try:
            return httpx.AsyncClient(
                timeout=self.timeout,
                verify=self.verify,
                proxy=self.proxy,
                trust_env=self.trust_env,
            )
        except (ValueError, httpx.InvalidURL):
            raise ProxyUrlError(
                translate("Network", "The proxy settings cannot be used. Check the proxy address.")
            ) from None


def client_options(network: NetworkFields) -> HttpOptions:
    """The client options of ``network``. Reads the CA bundle: call it off the GUI thread.

    Raises:
        NetworkSettingsError: A bad proxy address, proxy mode or CA bundle.
    """
    if network.proxy_mode not in PROXY_MODES:
        raise NetworkSettingsError(
            translate("Network", "Unknown proxy setting “{mode}”.").format(mode=network.proxy_mode)
        )
    verify = ssl_context(network.ca_bundle)
    timeout = timeout_for(network.request_timeout)
    if network.proxy_mode == "custom":
        if not network.proxy_url or not network.proxy_url.strip():
            raise ProxyUrlError(
                translate("Network", "A custom proxy is chosen, but no proxy address is set.")
            )
        proxy_url = parse_proxy_url(network.proxy_url)
        proxy = httpx.Proxy(
            proxy_url.url, ssl_context=verify if proxy_url.scheme == "https" else None
        )
        return HttpOptions(timeout, verify, proxy, False, ProxyRoute.through(proxy_url.masked))
    if network.proxy_mode == "system":
        return HttpOptions(timeout, verify, None, True, system_route())
    return HttpOptions(timeout, verify, None, False, ProxyRoute())


def make_http_client(network: NetworkFields) -> httpx.AsyncClient:
    """A client for ``network``. Reads the CA bundle (blocking).

    Raises:
        NetworkSettingsError: The settings cannot be used.
    """
    return client_options(network).client()


def describe(network: NetworkFields) -> str:
    """A log line about the settings, without any password."""
    proxy = network.proxy_mode
    if network.proxy_mode == "custom" and network.proxy_url:
        proxy += " " + mask_proxy_url(network.proxy_url.strip())
    bundle = f", extra CA {network.ca_bundle}" if network.ca_bundle else ""
    return f"proxy {proxy}, timeout {network.request_timeout:g} s{bundle}"
