"""When a schedule is due: APScheduler triggers shifted by a per-connector offset.

APScheduler's own jitter is random in each process; ours is a fixed offset derived from the
connector id, so every scheduler process computes the same due times — the key by which they
claim each due slot once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

#: Interval schedules count from here, so every process lands on the same slots.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


class OffsetTrigger(BaseTrigger):
    """Fires `offset` after each fire time of `base`."""

    __slots__ = ("base", "offset")

    def __init__(self, base: BaseTrigger, offset: timedelta) -> None:
        self.base = base
        self.offset = offset

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The base trigger's next fire time after `now - offset`, shifted by the offset."""
        previous = previous_fire_time - self.offset if previous_fire_time else None
        fire: datetime | None = self.base.get_next_fire_time(previous, now - self.offset)
        return fire + self.offset if fire is not None else None

    def __str__(self) -> str:
        return f"{self.base} + {self.offset}"


def jitter_offset(connector_id: int, jitter_seconds: int) -> timedelta:
    """The connector's fixed offset within [0, jitter_seconds]: spread, yet the same in every
    process."""
    if jitter_seconds <= 0:
        return timedelta(0)
    digest = hashlib.sha256(f"connector:{connector_id}".encode()).digest()
    return timedelta(seconds=int.from_bytes(digest[:8], "big") % (jitter_seconds + 1))


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A trigger from a five-field crontab expression in the source's zone; ValueError says
    what does not parse."""
    return CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone))


def build_trigger(
    connector_id: int,
    *,
    interval_seconds: int | None,
    cron: str | None,
    jitter_seconds: int,
    timezone: str,
) -> OffsetTrigger:
    """The trigger of a stored schedule (exactly one of interval and cron is set)."""
    base: BaseTrigger
    if cron is not None:
        base = cron_trigger(cron, timezone)
    else:
        assert interval_seconds is not None
        base = IntervalTrigger(seconds=interval_seconds, start_date=EPOCH, timezone=UTC)
    return OffsetTrigger(base, jitter_offset(connector_id, jitter_seconds))


def last_due(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest fire time at or before `now`, looking back no further than `lookback`."""
    latest = None
    fire = trigger.get_next_fire_time(None, now - lookback)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
    return latest


def next_due(trigger: BaseTrigger, after: datetime) -> datetime | None:
    """The first fire time after `after`."""
    fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return fire
