"""What every command shares: settings, the database, and how to answer."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property, wraps
from typing import Any, NoReturn, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.errors import HubError, InvalidInput
from hub.settings import Settings, load_settings
from hub.store.db import make_engine, session_factory
from hub.store.paging import MAX_ID

F = TypeVar("F", bound=Callable[..., Any])

#: How often a main thread waiting for a signal wakes, so that Python runs the signal's handler.
SIGNAL_POLL_SECONDS = 0.2


class Hub:
    """The settings and database of one CLI invocation, opened on first use."""

    @cached_property
    def settings(self) -> Settings:
        """Settings from config/ and the HUB_* environment."""
        return load_settings()

    @cached_property
    def engine(self) -> Engine:
        """The engine of the configured database."""
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the configured database."""
        return session_factory(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on error."""
        with self.sessions.begin() as session:
            yield session


pass_hub = click.make_pass_decorator(Hub, ensure=True)
#: A connector's or a run's id: one beyond a 32-bit key column names nothing, and is refused as
#: out of range before PostgreSQL (or SQLite, beyond 64 bits) would fail on it.
ID = click.IntRange(1, MAX_ID)
console = Console()
errors = Console(stderr=True)


def emit_json(value: Any) -> None:
    """Print `value` as JSON on stdout, for scripts."""
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a table for a person."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def wait_until_set(event: threading.Event | None = None) -> None:
    """Block the main thread until `event` is set (for good, without one), still running the
    handlers of signals (Ctrl-C, SIGTERM) as they come.

    Python runs a signal's handler in the main thread, the next time that thread runs. The
    kernel may hand a process's signal to any of its threads; when it picks another, a main
    thread blocked in a wait without a timeout never wakes to run the handler (seen: `hub
    scheduler` under load ignoring SIGTERM for good). So the wait wakes now and then."""
    event = event or threading.Event()
    while not event.wait(SIGNAL_POLL_SECONDS):
        pass


def fail(message: str, code: int = 1) -> NoReturn:
    """Say why on stderr and exit with `code` (1: failure, 2: bad usage or input)."""
    errors.print(Text("error: ", style="bold red") + Text(message), highlight=False)
    sys.exit(code)


def reports_errors(command: F) -> F:
    """Turn the hub's errors into a message on stderr and the contract's exit status."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InvalidInput as error:
            details = "".join(
                f"\n  {field}: {'; '.join(messages)}" for field, messages in error.errors.items()
            )
            fail(f"{error}{details}", 2)
        except HubError as error:
            fail(str(error))

    return wrapper  # type: ignore[return-value]
