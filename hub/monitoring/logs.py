"""Structured logs: JSON lines carrying the run and partner they concern, and each run's own
log lines kept in the database with the run.

No secret or raw NIK reaches a log: connectors' messages carry none by contract, and every
standalone 16-digit number is masked here besides.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

import orjson
from sqlalchemy.orm import Session, sessionmaker

from hub.store.models import RunLog
from hub.sync.hashing import mask_text

#: Log lines kept per run; a run that logs more keeps its first lines and a count of the rest.
MAX_LINES_PER_RUN = 500
#: The loggers whose records are ours (and are kept at INFO).
OUR_LOGGERS = ("hub", "connectors")


@dataclass
class RunLogContext:
    """The run a thread is executing, and its log lines not yet written."""

    run_id: int
    partner_id: str
    lines: list[RunLog] = field(default_factory=list)
    kept: int = 0
    dropped: int = 0


_current: ContextVar[RunLogContext | None] = ContextVar("hub_run", default=None)


@contextmanager
def bind_run(run_id: int, partner_id: str) -> Iterator[RunLogContext]:
    """While inside, log records of this thread carry the run and partner, and are kept as the
    run's log lines (write them with `flush_run_logs`)."""
    context = RunLogContext(run_id, partner_id)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def current_run() -> RunLogContext | None:
    """The run this thread is executing, if any."""
    return _current.get()


def flush_run_logs(
    sessions: sessionmaker[Session], context: RunLogContext, *, final: bool = False
) -> None:
    """Write the run's buffered log lines in their own transaction, so that a failed run keeps
    the lines that explain it; the `final` flush also says how many lines were dropped."""
    lines, context.lines = context.lines, []
    if final and context.dropped:
        message = f"{context.dropped} more log lines were not kept"
        lines.append(
            RunLog(
                run_id=context.run_id,
                at=datetime.now(UTC),
                level="WARNING",
                logger=__name__,
                message=message,
            )
        )
    if lines:
        with sessions.begin() as session:
            session.add_all(lines)


class RunContextFilter(logging.Filter):
    """Adds `run_id` and `partner_id` (None outside a run) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keeps the record."""
        context = _current.get()
        record.run_id = context.run_id if context else None
        record.partner_id = context.partner_id if context else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, run_id, partner_id, and the
    exception's type and text when there is one (no traceback locals, no secrets)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
            "run_id": getattr(record, "run_id", None),
            "partner_id": getattr(record, "partner_id", None),
        }
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = {"type": type(error).__name__, "message": mask_text(str(error))}
        return orjson.dumps(line).decode()


class RunLogHandler(logging.Handler):
    """Keeps the records logged while a run executes as that run's log lines."""

    def emit(self, record: logging.LogRecord) -> None:
        """Buffer the record with the current run, if any."""
        context = _current.get()
        if context is None:
            return
        if context.kept >= MAX_LINES_PER_RUN:
            context.dropped += 1
            return
        context.kept += 1
        context.lines.append(
            RunLog(
                run_id=context.run_id,
                at=datetime.fromtimestamp(record.created, UTC),
                level=record.levelname,
                logger=record.name[:100],
                message=mask_text(record.getMessage()),
            )
        )


_installed: list[logging.Handler] = []


def install_run_logging() -> None:
    """Keep our loggers' INFO records as run log lines (once per process)."""
    if _installed:
        return
    handler = RunLogHandler(logging.INFO)
    handler.addFilter(RunContextFilter())
    for name in OUR_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level > logging.INFO:
            logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    _installed.append(handler)


def log_json_lines(stream: IO[str] = sys.stderr, level: int = logging.INFO) -> None:
    """Make the process log JSON lines on `stream` (for `hub scheduler` and `hub worker`)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RunContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
