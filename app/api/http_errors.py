"""Turn HTTP error statuses, error bodies and httpx exceptions into typed errors.

Error bodies come in three shapes, all understood by :func:`error_payload_fields`:
MiMo's ``{"error": {"code": "429", "message": ..., "type": "limitation"}}``,
Anthropic's ``{"type": "error", "error": {"type": "rate_limit_error", "message": ...}}``
and the unwrapped ``{"type": "server_error", "message": ...}`` of some gateways. With an
error status the status types the error in every shape; an error inside a 200 body is
typed by its numeric code or its Anthropic error type (:func:`error_in_body`).

Every message is written for the user, and every text that came from the server is
passed through :func:`redact` so that a key the server echoes never reaches a message.
A proxy is named only by its masked address (``http://user:***@host:port``), which the
caller passes in: httpx's own messages never carry the proxy's password.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from app.api.errors import (
    APIStatusError,
    AuthError,
    BadRequest,
    CertificateError,
    Conflict,
    ConnectionFailed,
    ContentFiltered,
    MimoError,
    NotFound,
    ProtocolError,
    ProxyAuthRequired,
    ProxyFailed,
    QuotaError,
    RateLimited,
    ServerError,
    StreamError,
    Timeout,
)
from app.api.retry import parse_retry_after
from app.api.translation import QT_TRANSLATE_NOOP, translate

_MAX_MESSAGE = 300
_MAX_DETAIL = 120
_PROXY_STATUS = re.compile(r"(\d{3})\b")
_REDACTED = "[redacted]"

_STATUS_ERRORS: dict[int, tuple[type[APIStatusError], str]] = {
    400: (BadRequest, QT_TRANSLATE_NOOP("HttpErrors", "The server rejected the request")),
    401: (AuthError, QT_TRANSLATE_NOOP("HttpErrors", "The API key was rejected")),
    402: (QuotaError, QT_TRANSLATE_NOOP("HttpErrors", "The account balance is exhausted")),
    403: (AuthError, QT_TRANSLATE_NOOP("HttpErrors", "The API key was rejected")),
    404: (NotFound, QT_TRANSLATE_NOOP("HttpErrors", "The model or address was not found")),
    408: (
        Conflict,
        QT_TRANSLATE_NOOP("HttpErrors", "The server timed out waiting for the request"),
    ),
    409: (Conflict, QT_TRANSLATE_NOOP("HttpErrors", "The server reported a conflict")),
    413: (BadRequest, QT_TRANSLATE_NOOP("HttpErrors", "The request is too large")),
    421: (
        ContentFiltered,
        QT_TRANSLATE_NOOP("HttpErrors", "The content filter blocked this request"),
    ),
    422: (BadRequest, QT_TRANSLATE_NOOP("HttpErrors", "The server rejected the request")),
    429: (RateLimited, QT_TRANSLATE_NOOP("HttpErrors", "Too many requests")),
}
_OTHER_STATUS = QT_TRANSLATE_NOOP("HttpErrors", "The server answered")
_SERVER_FAILED = QT_TRANSLATE_NOOP("HttpErrors", "The server had a problem")


#: The HTTP status of each Anthropic error ``type`` (their documented pairs).
ANTHROPIC_ERROR_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each non-empty secret in ``text``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    return text


def error_payload_fields(payload: object) -> tuple[str | None, str | None]:
    """Read ``(message, code)`` from an error body, wrapped or not.

    Accepts ``{"error": {"message", "code", "type"}}``, ``{"error": "text"}`` and the
    unwrapped ``{"type": "server_error", "message": ...}`` some gateways send.
    """
    if not isinstance(payload, dict):
        return None, None
    inner: Any = payload.get("error")
    if isinstance(inner, str):
        return inner or None, None
    source: dict[str, Any] = inner if isinstance(inner, dict) else payload
    message = source.get("message")
    if not isinstance(message, str) or not message.strip():
        detail = source.get("detail")
        message = detail if isinstance(detail, str) and detail.strip() else None
    code = source.get("code")
    if code is None:
        code = source.get("type")
    return message, (str(code) if code is not None else None)


def error_for_status(
    status: int,
    message: str | None,
    code: str | None = None,
    *,
    retry_after: float | None = None,
    secrets: Iterable[str] = (),
) -> APIStatusError:
    """Build the typed error for an HTTP status and the server's message."""
    error_class, lead = _STATUS_ERRORS.get(status, (APIStatusError, _OTHER_STATUS))
    if status >= 500:
        error_class, lead = ServerError, _SERVER_FAILED
    lead = translate("HttpErrors", lead)
    if message:
        message = " ".join(redact(message, secrets).split())
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 1] + "…"
        text = translate("HttpErrors", "{lead} ({status}): {message}").format(
            lead=lead, status=status, message=message
        )
    else:
        text = translate("HttpErrors", "{lead} ({status})").format(lead=lead, status=status)
    if error_class is RateLimited:
        return RateLimited(text, status=status, code=code, retry_after=retry_after)
    return error_class(text, status=status, code=code)


def error_in_body(payload: object, *, secrets: Iterable[str] = ()) -> MimoError:
    """The typed error of an error payload found in a 2xx body (or a stream).

    A numeric ``code`` (MiMo: ``"429"``) or a known Anthropic error ``type``
    (``"rate_limit_error"``) gives the error of that status; anything else is a
    :class:`StreamError` with the server's message.
    """
    message, code = error_payload_fields(payload)
    status = None
    if code is not None and code.isdigit() and 400 <= int(code) <= 599:
        status = int(code)
    elif code in ANTHROPIC_ERROR_STATUS:
        status = ANTHROPIC_ERROR_STATUS[code]
    if status is not None:
        return error_for_status(status, message, code, secrets=secrets)
    text = (
        redact(message, secrets)
        if message
        else translate("HttpErrors", "The server reported an error")
    )
    return StreamError(text, code=code)


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float,
    secrets: Iterable[str] = (),
) -> APIStatusError:
    """Build the typed error for an error response.

    Args:
        status: The HTTP status (>= 400, or any unexpected non-2xx).
        body: The raw response body; JSON or not.
        headers: The response headers (case-insensitive lookup expected).
        now: The current Unix time, for an HTTP-date Retry-After.
        secrets: Texts (the API key) to scrub from the server's message.
    """
    try:
        payload: object = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    message, code = error_payload_fields(payload)
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    return error_for_status(status, message, code, retry_after=retry_after, secrets=secrets)


def error_from_transport(
    exc: Exception, *, reply_began: bool, proxy: str | None = None
) -> MimoError:
    """Map an httpx exception to a typed error with a readable message.

    Args:
        exc: An ``httpx.HTTPError`` or ``httpx.InvalidURL``.
        reply_began: Whether part of the reply body had already arrived.
        proxy: The masked address of the proxy the request went through, or None
            when it went direct: a failure to connect is then the proxy's.
    """
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout):
            if proxy:
                return Timeout(
                    translate(
                        "HttpErrors", "The proxy server ({proxy}) did not answer in time."
                    ).format(proxy=proxy)
                )
            return Timeout(translate("HttpErrors", "Could not connect to the server in time"))
        if reply_began:
            return Timeout(
                translate("HttpErrors", "The server stopped sending in the middle of the reply")
            )
        return Timeout(translate("HttpErrors", "The server did not answer in time"))
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        error = ConnectionFailed(
            translate("HttpErrors", "The server address is not valid. Check the base URL")
        )
        error.retryable = False
        return error
    if isinstance(exc, httpx.ProxyError):
        return _proxy_failure(str(exc), proxy)
    if isinstance(exc, httpx.ConnectError):
        tls = _tls_failure(exc)
        if isinstance(tls, ssl.SSLCertVerificationError):
            return CertificateError(
                translate(
                    "HttpErrors",
                    "The server's TLS certificate could not be verified ({reason}). If your "
                    "network inspects secure connections, add its CA certificate in the "
                    "network settings.",
                ).format(reason=tls.verify_message or tls.reason or "?")
            )
        if tls is not None:
            return ConnectionFailed(
                translate(
                    "HttpErrors", "The secure (TLS) connection could not be set up ({reason})."
                ).format(reason=tls.reason or type(tls).__name__)
            )
        if proxy:
            return ProxyFailed(
                translate(
                    "HttpErrors",
                    "Could not connect to the proxy server ({proxy}). Check that it is running "
                    "and that the proxy settings are right.",
                ).format(proxy=proxy)
            )
        return ConnectionFailed(
            translate(
                "HttpErrors", "Could not connect to the server. Check the network and the URL"
            )
        )
    if isinstance(exc, httpx.DecodingError):
        return ProtocolError(
            translate("HttpErrors", "The server sent a reply that could not be decoded")
        )
    if isinstance(exc, httpx.TooManyRedirects):
        return ProtocolError(translate("HttpErrors", "The server redirected too many times"))
    if reply_began:
        return ConnectionFailed(
            translate("HttpErrors", "The connection dropped in the middle of the reply")
        )
    return ConnectionFailed(
        translate("HttpErrors", "The connection closed before the server answered")
    )


def proxy_auth_required(proxy: str | None) -> ProxyAuthRequired:
    """The error of a proxy that wants (other) credentials: HTTP 407, or SOCKS."""
    return ProxyAuthRequired(
        translate(
            "HttpErrors",
            "The proxy server ({proxy}) asked for a user name and password, or did not accept "
            "them. Put them in the proxy address in the network settings, like "
            "http://user:password@host:port.",
        ).format(proxy=proxy or _unknown_proxy())
    )


def _unknown_proxy() -> str:
    return translate("HttpErrors", "see the network settings")


def _proxy_failure(detail: str, proxy: str | None) -> ProxyFailed:
    """A failure the proxy reported: ``"407 Proxy Authentication Required"`` (HTTP
    CONNECT), ``"Invalid username/password"`` or ``"Proxy Server could not connect:
    Connection refused."`` (SOCKS5; httpcore's words)."""
    detail = " ".join(detail.split())[:_MAX_DETAIL].rstrip(".")
    status_match = _PROXY_STATUS.match(detail)
    status = int(status_match.group(1)) if status_match else None
    if status == 407 or detail.startswith("Requested ") or "username/password" in detail:
        return proxy_auth_required(proxy)
    name = proxy or _unknown_proxy()
    if status is not None:
        error = ProxyFailed(
            translate(
                "HttpErrors",
                "The proxy server ({proxy}) would not connect to the server: {detail}.",
            ).format(proxy=name, detail=detail)
        )
        error.retryable = status >= 500
        return error
    return ProxyFailed(
        translate(
            "HttpErrors", "The proxy server ({proxy}) could not reach the server: {detail}."
        ).format(proxy=name, detail=detail or "?")
    )


def _tls_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind a connection failure (httpx and httpcore chain it), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def scrub_error(error: MimoError, secrets: Iterable[str]) -> MimoError:
    """Remove secrets from an error's message in place; return the error.

    The last line of defence: every error leaving the client passes through here.
    """
    secrets = tuple(secret for secret in secrets if secret)
    cleaned = redact(error.message, secrets)
    if cleaned != error.message or any(redact(str(arg), secrets) != str(arg) for arg in error.args):
        error.message = cleaned
        error.args = (cleaned,)
    return error
