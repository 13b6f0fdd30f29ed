"""What failed runs lead to: a retry after a backoff, and after `max_failures` in a row a
paused connector whose partner and admins are told."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.scheduling.notify import WebhookNotifier
from hub.scheduling.schedules import ScheduleService
from hub.settings import Settings
from hub.store.models import ConnectorEvent, ConnectorInstance, Partner, Run

log = logging.getLogger(__name__)

SUCCESSES = ("succeeded", "partial")


def failure_streak(session: Session, connector_id: int) -> int:
    """Failed runs of a connector since its last successful run and since it was last resumed."""
    last_success = (
        select(func.coalesce(func.max(Run.id), 0))
        .where(Run.connector_id == connector_id, Run.status.in_(SUCCESSES))
        .scalar_subquery()
    )
    query = select(func.count()).where(
        Run.connector_id == connector_id, Run.status == "failed", Run.id > last_success
    )
    resumed_at = session.scalar(
        select(func.max(ConnectorEvent.at)).where(
            ConnectorEvent.connector_id == connector_id, ConnectorEvent.event == "resumed"
        )
    )
    if resumed_at is not None:
        query = query.where(Run.created_at > resumed_at)
    return session.scalar(query) or 0


class FailurePolicy:
    """Decides retries and auto-pauses from the runs in the database, so that any number of
    processes applying it agree."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        settings: Settings,
        notifier: WebhookNotifier | None = None,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.notifier = notifier or WebhookNotifier(settings)

    def backoff(self, streak: int) -> timedelta:
        """The wait before retrying after `streak` failures in a row: doubling, capped."""
        seconds = self.settings.retry_backoff_seconds * 2 ** max(streak - 1, 0)
        return timedelta(seconds=min(seconds, self.settings.retry_backoff_max_seconds))

    def retry_due(self, run: Run, streak: int) -> datetime:
        """When a failed run is to be retried."""
        assert run.finished_at is not None
        return run.finished_at + self.backoff(streak)

    def pause_if_failing(self, connector_id: int) -> bool:
        """Pause the connector when its failure streak has reached `max_failures`, and notify
        its partner's contact and the admins; True when this call paused it. Of processes
        racing, exactly one pauses and notifies."""
        with self.sessions.begin() as session:
            streak = failure_streak(session, connector_id)
            if streak < self.settings.max_failures:
                return False
            reason = f"paused automatically after {streak} consecutive failed runs"
            if not ScheduleService(session).pause(connector_id, reason):
                return False
            body, contact = self._paused_notice(session, connector_id, streak, reason)
        log.warning("connector %s %s", connector_id, reason)
        self.notifier.send("connector.paused", body, contact)
        return True

    def _paused_notice(
        self, session: Session, connector_id: int, streak: int, reason: str
    ) -> tuple[dict[str, object], object]:
        instance = session.get_one(ConnectorInstance, connector_id)
        partner = session.get_one(Partner, instance.partner_id)
        last = session.scalars(
            select(Run)
            .where(Run.connector_id == connector_id, Run.status == "failed")
            .order_by(Run.id.desc())
            .limit(1)
        ).one()
        body = {
            "connector": {"id": instance.id, "name": instance.name, "type": instance.type},
            "partner": {"id": partner.id, "code": partner.code, "name": partner.name},
            "reason": reason,
            "failures": streak,
            "last_error": {
                "run_id": last.id,
                "stream": last.stream,
                "code": last.error_code,
                "message": last.error_message,
            },
            "paused_at": instance.updated_at.isoformat(),
        }
        return body, partner.contact
