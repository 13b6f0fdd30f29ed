"""The order of the change feed: feed positions (`changes.seq`) become visible in the order they
were assigned, so a reader that resumes after the last position it saw never skips one.

On PostgreSQL a sequence hands out values at insert time, and transactions commit in any order:
writer A takes seq 5, writer B takes 6 and commits first, a reader sees 6 and moves its cursor
past 5, which then commits and is never read. So every writer of the change log first takes one
transaction-level advisory lock, held until its commit: between taking seqs and committing no
other writer can take any, so seq order is commit order. A writer takes it as the last lock of
its transaction (right before it writes its changes), which keeps the serialized stretch short
and cannot deadlock against the row locks taken before it.

SQLite needs nothing: a write transaction holds the database's only write lock until it commits.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

#: The advisory lock's key: any fixed 64-bit number no other part of the hub uses.
FEED_LOCK_KEY = 0x6875625F66656564  # "hub_feed"

_LOCK = text(f"SELECT pg_advisory_xact_lock({FEED_LOCK_KEY})")


def hold_feed_order(session: Session) -> None:
    """Make the change-log entries this transaction writes from now on commit in their seq
    order relative to every other writer's. Call right before writing them; the lock ends with
    the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK)
