"""The retry policy: full-jitter backoff, caps, Retry-After parsing."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from app.api.errors import (
    AuthError,
    BadRequest,
    Conflict,
    ConnectionFailed,
    MimoError,
    ProtocolError,
    RateLimited,
    ServerError,
    StreamError,
    Timeout,
)
from app.api.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0)])
def test_full_jitter_delay_spans_zero_to_the_exponential_ceiling(
    attempt: int, ceiling: float
) -> None:
    assert RetryPolicy(rng=lambda: 0.0).delay(attempt, None) == 0.0
    assert RetryPolicy(rng=lambda: 0.5).delay(attempt, None) == pytest.approx(ceiling / 2)
    assert RetryPolicy(rng=lambda: 0.999).delay(attempt, None) == pytest.approx(ceiling * 0.999)


def test_backoff_ceiling_is_capped_at_max_delay_even_for_huge_attempts() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=30.0, rng=lambda: 1.0)
    assert policy.delay(5, None) == 30.0
    assert policy.delay(10_000, None) == 30.0


def test_default_rng_stays_within_bounds() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)
    delays = [policy.delay(attempt, None) for attempt in range(8) for _ in range(50)]
    assert all(0.0 <= d <= 3.0 for d in delays)
    assert len(set(delays)) > 1


def test_retry_after_is_honoured_without_jitter_and_capped() -> None:
    policy = RetryPolicy(max_delay=30.0, rng=lambda: 0.0)
    assert policy.delay(0, 2.0) == 2.0
    assert policy.delay(3, 0.0) == 0.0
    assert policy.delay(0, 120.0) == 30.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), (" 7 ", 7.0), ("1.5", 1.5), ("0", 0.0), ("-3", 0.0)],
)
def test_retry_after_in_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_retry_after_as_http_date_is_seconds_from_now() -> None:
    later = datetime.fromtimestamp(NOW + 42, tz=UTC)
    assert parse_retry_after(format_datetime(later, usegmt=True), NOW) == pytest.approx(42.0)


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "nan", "inf", "Wed, 99 Foo 2015"])
def test_missing_or_unreadable_retry_after_is_none(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


@pytest.mark.parametrize(
    "error",
    [
        Conflict("x", status=408),
        Conflict("x", status=409),
        RateLimited("x"),
        ServerError("x", status=500),
        ServerError("x", status=503),
        ConnectionFailed("x"),
        Timeout("x"),
    ],
)
def test_transient_failures_are_retried_before_the_reply_began(error: MimoError) -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(error, 0, reply_began=False)
    assert policy.should_retry(error, 1, reply_began=False)
    assert not policy.should_retry(error, 2, reply_began=False)
    assert not policy.should_retry(error, 0, reply_began=True)


@pytest.mark.parametrize(
    "error",
    [
        BadRequest("x", status=400),
        AuthError("x", status=401),
        ProtocolError("x"),
        StreamError("x"),
    ],
)
def test_permanent_failures_are_never_retried(error: MimoError) -> None:
    assert not RetryPolicy().should_retry(error, 0, reply_began=False)
