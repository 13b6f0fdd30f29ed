"""A connector's schedule and operating state: set, read, pause and resume, each with an event."""

from __future__ import annotations

import re
from typing import NoReturn

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.connections.services import ConnectorService
from hub.errors import InvalidInput, NotFound
from hub.scheduling.triggers import cron_trigger
from hub.store.models import ConnectorEvent, ConnectorInstance, ConnectorSchedule
from hub.store.types import utcnow

_INTERVAL = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNIT_SECONDS = (86400, 3600, 60, 1)
#: A jitter longer than this would blur a schedule into something else.
MAX_JITTER_SECONDS = 3600
#: A connector synced less often than yearly has no schedule worth the name; the bound also
#: keeps the interval within its 32-bit column.
MAX_INTERVAL_SECONDS = 366 * 86400


def parse_interval(text: str) -> int:
    """Seconds in an interval written `90`, `45s`, `30m`, `6h`, `1d` or `1h30m`; InvalidInput
    (field `interval`) when it does not parse, is zero or is longer than 366 days."""
    text = text.strip().lower()
    match = _INTERVAL.fullmatch(text)
    if text.isdigit():
        seconds = int(text)
    elif text and match:
        seconds = sum(int(v) * u for v, u in zip(match.groups(), _UNIT_SECONDS, strict=True) if v)
    else:
        _refuse("interval", "must be a duration like 90s, 30m, 6h, 1d or 1h30m")
    _check_interval(seconds)
    return seconds


def _check_interval(seconds: int) -> None:
    if seconds <= 0:
        _refuse("interval", "must be longer than zero")
    if seconds > MAX_INTERVAL_SECONDS:
        _refuse("interval", f"must be at most {MAX_INTERVAL_SECONDS // 86400} days")


def _refuse(field: str, rule: str) -> NoReturn:
    raise InvalidInput(f"{field}: {rule}", {field: [rule]})


class ScheduleService:
    """Sets and reads connector schedules; pauses and resumes connectors. The caller owns the
    transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def set(
        self,
        connector_id: int,
        *,
        interval_seconds: int | None = None,
        cron: str | None = None,
        jitter_seconds: int = 0,
    ) -> ConnectorSchedule:
        """Give a connector its schedule (replacing any): exactly one of an interval and a cron
        expression, and a jitter in seconds. The scheduler picks the change up within
        `scheduler_poll_seconds`, without a restart."""
        try:
            instance = ConnectorService(self.session).get(connector_id)
        except NotFound as error:
            _refuse("connector", str(error).removeprefix("connector: "))
        if (interval_seconds is None) == (cron is None):
            _refuse("schedule", "give exactly one of an interval and a cron expression")
        if interval_seconds is not None:
            _check_interval(interval_seconds)
        if cron is not None:
            try:
                trigger = cron_trigger(cron, instance.timezone)
            except ValueError as error:
                _refuse("cron", f"not a five-field crontab expression: {error}")
            # `0 0 31 2 *` parses, but no day is ever the 31st of February.
            if trigger.get_next_fire_time(None, utcnow()) is None:
                _refuse("cron", "never fires: no date matches it")
        if not 0 <= jitter_seconds <= MAX_JITTER_SECONDS:
            _refuse("jitter", f"must be between 0 and {MAX_JITTER_SECONDS} seconds")
        schedule = self.session.get(ConnectorSchedule, connector_id)
        if schedule is None:
            schedule = ConnectorSchedule(connector_id=connector_id)
            self.session.add(schedule)
        schedule.interval_seconds = interval_seconds
        schedule.cron = cron
        schedule.jitter_seconds = jitter_seconds
        schedule.updated_at = utcnow()
        self._event(connector_id, "scheduled", describe(schedule))
        self.session.flush()
        return schedule

    def get(self, connector_id: int) -> ConnectorSchedule | None:
        """The connector's schedule, or None when it syncs only on demand."""
        ConnectorService(self.session).get(connector_id)
        return self.session.get(ConnectorSchedule, connector_id)

    def pause(self, connector_id: int, reason: str) -> bool:
        """Pause a connector: no scheduled, retried or requested run starts until it is resumed.
        True when this call paused it, False when it was paused already."""
        ConnectorService(self.session).get(connector_id)
        return self._set_status(connector_id, "active", "paused", reason)

    def resume(self, connector_id: int, reason: str = "resumed by an operator") -> bool:
        """Resume a paused connector; its failure streak starts again from zero. True when this
        call resumed it."""
        ConnectorService(self.session).get(connector_id)
        return self._set_status(connector_id, "paused", "active", reason)

    def _set_status(self, connector_id: int, old: str, new: str, reason: str) -> bool:
        # Conditional, so that of two processes pausing at once exactly one sees True (and
        # sends the one notification).
        changed = self.session.execute(
            update(ConnectorInstance)
            .where(ConnectorInstance.id == connector_id, ConnectorInstance.status == old)
            .values(status=new, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self._event(connector_id, "paused" if new == "paused" else "resumed", reason)
        return True

    def _event(self, connector_id: int, event: str, reason: str | None) -> None:
        self.session.add(
            ConnectorEvent(connector_id=connector_id, event=event, reason=reason, at=utcnow())
        )


def describe(schedule: ConnectorSchedule) -> str:
    """A schedule in words, for events and listings."""
    when = (
        f"every {schedule.interval_seconds}s"
        if schedule.interval_seconds is not None
        else f"cron {schedule.cron!r}"
    )
    return f"{when}, jitter {schedule.jitter_seconds}s"
