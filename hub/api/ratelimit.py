"""Per-client rate limiting of the API (429 with `Retry-After`): a sliding-window counter kept
in the process's memory."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable

UNITS = {"second": 1, "minute": 60, "hour": 3600}
LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour)\s*$")


class ClientRateLimiter:
    """A limit such as "1200/minute" per client.

    It counts requests in fixed windows and weighs the previous window by how much of it still
    overlaps the sliding window ending now (the sliding-window-counter scheme): O(1) memory per
    client, no burst of twice the limit at a window's edge. Counted per process, so with N server
    processes a client may make up to N times the limit.
    """

    def __init__(self, limit: str, clock: Callable[[], float] = time.monotonic) -> None:
        match = LIMIT.match(limit)
        if match is None or int(match.group(1)) < 1:
            raise ValueError(f"rate_limit: {limit!r} is not like '1200/minute'")
        self.limit = int(match.group(1))
        self.window = float(UNITS[match.group(2)])
        self.clock = clock
        # client id → (window index, requests in that window, requests in the window before)
        self._counts: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, client_id: str) -> int | None:
        """Count one request; None when allowed, else the seconds to wait before retrying."""
        position = self.clock() / self.window
        index = math.floor(position)
        into = position - index  # how far into the current window, 0..1
        with self._lock:
            start, current, previous = self._counts.get(client_id, (index, 0, 0))
            if index != start:
                previous, current = (current if index == start + 1 else 0), 0
            if previous * (1 - into) + current + 1 <= self.limit:
                self._counts[client_id] = (index, current + 1, previous)
                return None
            self._counts[client_id] = (index, current, previous)
        return self._retry_after(into, current, previous)

    def _retry_after(self, into: float, current: int, previous: int) -> int:
        """Seconds until one more request fits, assuming no other request meanwhile."""
        room = self.limit - 1 - current
        if room >= 0 and previous:
            # Within this window, once the previous window's weight has shrunk enough.
            wait = (1 - room / previous) - into
        else:
            # In the next window, once this window's weight has shrunk enough.
            wait = (1 - into) + max(0.0, 1 - (self.limit - 1) / current)
        return max(1, math.ceil(wait * self.window))
