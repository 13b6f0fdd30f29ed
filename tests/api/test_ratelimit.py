"""The per-client limiter: allows the limit, refuses the next with a truthful Retry-After, and
lets the client in again once that time has passed."""

from __future__ import annotations

import pytest

from hub.api.ratelimit import ClientRateLimiter


class Clock:
    def __init__(self, now: float = 6000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_limit_is_allowed_and_the_next_request_is_told_when_to_retry() -> None:
    clock = Clock()
    limiter = ClientRateLimiter("3/minute", clock)

    assert [limiter.hit("a") for _ in range(3)] == [None, None, None]
    retry_after = limiter.hit("a")

    assert retry_after is not None
    assert limiter.hit("b") is None  # another client is not held back
    clock.now += retry_after - 1
    assert limiter.hit("a") is not None
    clock.now += 1
    assert limiter.hit("a") is None


def test_the_previous_window_still_counts_so_the_edge_allows_no_double_burst() -> None:
    clock = Clock(6000.0 + 50)  # late in a minute window
    limiter = ClientRateLimiter("10/minute", clock)
    assert all(limiter.hit("a") is None for _ in range(10))

    clock.now += 15  # just into the next window: 55 of the last 60 s held 10 requests
    allowed = sum(limiter.hit("a") is None for _ in range(10))

    assert allowed <= 2


@pytest.mark.parametrize("limit", ["", "10", "ten/minute", "0/minute", "5/fortnight"])
def test_a_malformed_limit_is_refused_naming_the_setting(limit: str) -> None:
    with pytest.raises(ValueError, match="rate_limit"):
        ClientRateLimiter(limit)


def test_retry_after_is_truthful_across_many_cases() -> None:
    for start in (6000.0, 6010.0, 6030.5, 6059.9):
        clock = Clock(start)
        limiter = ClientRateLimiter("5/minute", clock)
        while (retry_after := limiter.hit("a")) is None:
            clock.now += 7
        clock.now += retry_after
        assert limiter.hit("a") is None, start
