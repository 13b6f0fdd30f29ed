"""Per-client rate limiting of the API (429 with `Retry-After`), on the `limits` library."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter


class ClientRateLimiter:
    """A limit such as "1200/minute" per client, counted in this process's memory (so with N
    server processes a client may make up to N times the limit)."""

    def __init__(self, limit: str) -> None:
        try:
            self.item = parse(limit)
        except ValueError as error:
            raise ValueError(f"rate_limit: {limit!r} is not like '1200/minute'") from error
        self.strategy = SlidingWindowCounterRateLimiter(MemoryStorage())

    def hit(self, client_id: str) -> int | None:
        """Count one request; None when allowed, else the seconds to wait before retrying."""
        if self.strategy.hit(self.item, client_id):
            return None
        stats = self.strategy.get_window_stats(self.item, client_id)
        return max(1, math.ceil(stats.reset_time - time.time()))
