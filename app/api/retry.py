"""When and how long to wait before sending a failed request again.

Only failures before the first byte of a reply body are retried: once a streamed
reply has begun, the user has seen part of it, and a second attempt would produce a
different answer (and bill it again).
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from app.api.errors import MimoError

_MAX_EXPONENT = 62  # 2**62 * any sane base_delay is far beyond max_delay


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, honouring Retry-After.

    Attributes:
        max_retries: How many times a request is sent again (0: never).
        base_delay: The backoff ceiling of the first retry, in seconds.
        max_delay: No wait is longer than this, Retry-After included.
        rng: Returns a float in [0, 1); injected for tests.
        clock: Returns the current Unix time; used for HTTP-date Retry-After values.
    """

    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    rng: Callable[[], float] = random.random
    clock: Callable[[], float] = time.time

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt + 1``.

        Args:
            attempt: 0 for the first retry, 1 for the second, ...
            retry_after: The server's Retry-After in seconds, if it sent one.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        exponent = min(max(attempt, 0), _MAX_EXPONENT)
        ceiling = min(self.max_delay, math.ldexp(self.base_delay, exponent))
        return self.rng() * ceiling

    def should_retry(self, error: MimoError, attempt: int, *, reply_began: bool) -> bool:
        """Whether a request that failed with ``error`` is sent again.

        Args:
            error: The failure.
            attempt: How many retries were already made.
            reply_began: Whether any byte of the reply body had arrived.
        """
        return error.retryable and not reply_began and attempt < self.max_retries


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Parse a Retry-After header: seconds or an HTTP date.

    Args:
        value: The header's value, or None when absent.
        now: The current Unix time, to turn a date into seconds.

    Returns:
        Seconds to wait (never negative), or None when absent or unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _parse_http_date(text, now)
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _parse_http_date(text: str, now: float) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no zone given
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - now, 0.0)
