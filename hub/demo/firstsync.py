"""The demo's partners: registered with a schedule each, synced once with a progress display,
and summed up by kind and style."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from hub.dispatch import ThreadPoolDispatcher
from hub.sandbox.population import World
from hub.sandbox.registration import Registered
from hub.scheduling.schedules import ScheduleService
from hub.store.models import ConnectorSchedule, Run

#: The demo's schedule: every connector every 15 minutes, starts spread over 5 minutes.
INTERVAL_SECONDS = 15 * 60
JITTER_SECONDS = 5 * 60
#: Runs that read what the partner serves (a partial run stored all but the rejected records).
SYNCED = ("succeeded", "partial")
_FINISHED = (*SYNCED, "failed", "cancelled")
# How often the progress display is refreshed while runs are going.
_REFRESH_SECONDS = 0.25


def schedule_unscheduled(session: Session, registered: Sequence[Registered]) -> int:
    """Give each registered connector without a schedule the demo's (an interval with jitter);
    a schedule set before is kept. How many were set."""
    ids = [r.connector_id for r in registered]
    scheduled = set(
        session.scalars(
            select(ConnectorSchedule.connector_id).where(ConnectorSchedule.connector_id.in_(ids))
        )
    )
    service = ScheduleService(session)
    for connector_id in ids:
        if connector_id not in scheduled:
            service.set(
                connector_id, interval_seconds=INTERVAL_SECONDS, jitter_seconds=JITTER_SECONDS
            )
    return len(ids) - len(scheduled)


def unsynced(session: Session, registered: Sequence[Registered]) -> list[tuple[int, str]]:
    """The (connector, stream) pairs that have never had a run that read them through."""
    done = set(
        session.execute(
            select(Run.connector_id, Run.stream)
            .where(Run.connector_id.in_([r.connector_id for r in registered]))
            .where(Run.status.in_(SYNCED))
            .distinct()
        ).tuples()
    )
    return [
        (r.connector_id, stream)
        for r in registered
        for stream in r.streams
        if (r.connector_id, stream) not in done
    ]


def sync_with_progress(
    dispatcher: ThreadPoolDispatcher,
    sessions: sessionmaker[Session],
    streams: Sequence[tuple[int, str]],
    console: Console,
) -> None:
    """Run every (connector, stream) through the dispatcher, showing one bar of streams done
    with the records read, created and rejected so far; returns when all have finished."""
    columns = (
        TextColumn("[bold]first sync"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("streams · read {task.fields[read]:,} · created {task.fields[created]:,}"),
        TextColumn("· rejected {task.fields[rejected]:,}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("sync", total=len(streams), read=0, created=0, rejected=0)
        # Queued in one transaction, then handed over: a commit each would wait on the writes
        # of the runs already going.
        with sessions.begin() as session:
            run_ids = [dispatcher.enqueue(session, c, s, trigger="manual").id for c, s in streams]
        for run_id in run_ids:
            dispatcher.dispatch(run_id)

        def refresh() -> None:
            with sessions() as session:
                finished, read, created, rejected = session.execute(
                    select(
                        func.count().filter(Run.status.in_(_FINISHED)),
                        func.coalesce(func.sum(Run.records_read), 0),
                        func.coalesce(func.sum(Run.created), 0),
                        func.coalesce(func.sum(Run.rejected), 0),
                    ).where(Run.id.in_(run_ids))
                ).one()
            progress.update(task, completed=finished, read=read, created=created, rejected=rejected)

        while not dispatcher.wait_idle(_REFRESH_SECONDS):
            refresh()
        refresh()


@dataclass
class _Row:
    partners: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    records: int = 0
    rejected: int = 0


def summary(session: Session, world: World, registered: Sequence[Registered]) -> Table:
    """A table by partner kind and style of each stream's latest finished run: runs succeeded,
    partial and failed (or never run), records read, records rejected."""
    latest = (
        select(func.max(Run.id))
        .where(Run.connector_id.in_([r.connector_id for r in registered]))
        .where(Run.status.in_(_FINISHED))
        .group_by(Run.connector_id, Run.stream)
    )
    runs = {
        (run.connector_id, run.stream): run
        for run in session.scalars(select(Run).where(Run.id.in_(latest)))
    }
    rows: dict[tuple[str, str], _Row] = defaultdict(_Row)
    for entry in registered:
        partner = world.by_code[entry.partner_code]
        row = rows[(partner.kind, partner.style)]
        row.partners += 1
        for stream in entry.streams:
            run = runs.get((entry.connector_id, stream))
            row.statuses[run.status if run else "never run"] += 1
            if run is not None:
                row.records += run.records_read
                row.rejected += run.rejected
    table = Table(title="Latest sync of every stream", title_justify="left")
    table.add_column("kind")
    table.add_column("style")
    for column in ("partners", "succeeded", "partial", "failed/not run", "records", "rejected"):
        table.add_column(column, justify="right")
    total = _Row()
    for (kind, style), row in sorted(rows.items()):
        table.add_row(kind, style, *_cells(row))
        total.partners += row.partners
        total.records += row.records
        total.rejected += row.rejected
        total.statuses.update(row.statuses)
    table.add_section()
    table.add_row("all", "", *_cells(total), style="bold")
    return table


def _cells(row: _Row) -> list[str]:
    statuses = row.statuses
    return [
        f"{row.partners:,}",
        f"{statuses['succeeded']:,}",
        f"{statuses['partial']:,}",
        f"{statuses['failed'] + statuses['cancelled'] + statuses['never run']:,}",
        f"{row.records:,}",
        f"{row.rejected:,}",
    ]
