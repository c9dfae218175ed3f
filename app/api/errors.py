"""Typed errors of the MiMo API.

::

    MimoError
     +-- APIStatusError          an HTTP status >= 400 (status, code, message)
     |    +-- BadRequest         400
     |    +-- AuthError          401 bad or revoked key (also 403)
     |    +-- QuotaError         402 balance exhausted
     |    +-- NotFound           404
     |    +-- ContentFiltered    421
     |    +-- RateLimited        429 (retry_after seconds or None)
     |    +-- ServerError        5xx
     +-- ConnectionFailed        could not connect, or the connection dropped
     |    +-- ProxyFailed        the proxy could not be reached, or would not relay
     |    |    +-- ProxyAuthRequired  the proxy wants a user name and password (407,
     |    |                           or SOCKS), or rejected them; not retried
     |    +-- CertificateError   the server's TLS certificate could not be verified;
     |                           not retried
     +-- Timeout                 no answer in time
     +-- ProtocolError           a malformed stream or body
     +-- StreamError             an ``error`` payload inside an SSE stream

Messages are written for the user and never contain the API key.
"""

from __future__ import annotations


class MimoError(Exception):
    """Base of every error the API layer raises."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIStatusError(MimoError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BadRequest(APIStatusError):
    pass


class AuthError(APIStatusError):
    pass


class QuotaError(APIStatusError):
    pass


class NotFound(APIStatusError):
    pass


class ContentFiltered(APIStatusError):
    pass


class Conflict(APIStatusError):
    """408 or 409: worth another try."""

    retryable = True


class RateLimited(APIStatusError):
    retryable = True

    def __init__(
        self,
        message: str,
        *,
        status: int = 429,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    retryable = True


class ConnectionFailed(MimoError):
    retryable = True


class ProxyFailed(ConnectionFailed):
    """The proxy could not be reached, or would not relay the request."""


class ProxyAuthRequired(ProxyFailed):
    """The proxy asked for credentials or rejected them (HTTP 407 or SOCKS)."""

    retryable = False


class CertificateError(ConnectionFailed):
    """The server's TLS certificate could not be verified (TLS is always verified)."""

    retryable = False


class Timeout(MimoError):
    retryable = True


class ProtocolError(MimoError):
    pass


class StreamError(MimoError):
    """An error event arrived inside the stream, after the reply had begun."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
