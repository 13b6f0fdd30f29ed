"""Reading the change feed.

A feed position is a change's `seq`. Writers make seqs visible in the order they were assigned
(`hub.store.feed`), so "the changes after my last position" never misses one that commits late:
a caller that resumes from its last `next_cursor` sees every change once, in commit order.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.orm import Session

from hub.errors import InvalidInput
from hub.store.models import Change

#: Entities whose changes every reader of the entity sees, whichever partner owns them: the
#: catalog is shared by every platform. Other entities' changes reach only their own partner.
SHARED_ENTITIES = frozenset({"course"})


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Changes after a position, where to resume, and whether more are waiting."""

    data: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def parse_position(cursor: str | None) -> int:
    """The feed position a cursor names: the start (0) when there is none."""
    if cursor is None or cursor == "":
        return 0
    if not cursor.isdigit() or len(cursor) > 19:
        message = "Not a feed cursor: give a next_cursor this feed returned, or 0 for the start."
        raise InvalidInput(f"after: {message}", {"after": [message]})
    return int(cursor)


_LATEST = select(func.max(Change.seq))
#: The feed position as a column (NULL before any change), for a query that reads it beside
#: something else in the same round trip.
LATEST_POSITION = _LATEST.scalar_subquery()


def latest_position(connection: Connection) -> int:
    """The feed position of the newest change this connection can see (0 before any)."""
    # Core, not ORM execution: this runs before every catalog page.
    return int(connection.execute(_LATEST).scalar() or 0)


class ChangeFeed:
    """Reads the change log for one reader: the `entities` it may see, and (unless
    `partner_id` is None, an admin) only its own partner's changes of non-shared entities."""

    def __init__(
        self, session: Session, *, entities: Collection[str], partner_id: str | None
    ) -> None:
        self.session = session
        self.entities = sorted(entities)
        self.partner_id = partner_id

    def read(self, after: str | None, limit: int) -> FeedPage:
        """Up to `limit` changes after the position `after`, oldest first. `next_cursor` is
        always where to resume: the last change given, or `after` itself when none is new."""
        position = parse_position(after)
        query = (
            select(Change.seq, Change.entity, Change.entity_id, Change.op, Change.revision)
            .where(Change.seq > position, Change.entity.in_(self.entities))
            .order_by(Change.seq)
            .limit(limit + 1)
        )
        if self.partner_id is not None:
            shared = [e for e in self.entities if e in SHARED_ENTITIES]
            query = query.where(
                or_(Change.entity.in_(shared), Change.partner_id == self.partner_id)
            )
        rows = self.session.execute(query).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        data = [
            {"seq": seq, "entity": entity, "id": entity_id, "op": op, "revision": revision}
            for seq, entity, entity_id, op, revision in rows
        ]
        return FeedPage(data, str(rows[-1][0] if rows else position), has_more)
