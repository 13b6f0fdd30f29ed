"""What the app's requests share: settings, the database, keys; and the request's own session and
read connection."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from hub.api.ratelimit import ClientRateLimiter
from hub.auth.keys import KeyRing
from hub.auth.tokens import TokenVerifier
from hub.settings import Settings

EXTENSION = "hub"


@dataclass(frozen=True)
class HubState:
    """The app-wide objects, kept in `app.extensions["hub"]`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keys: KeyRing
    verifier: TokenVerifier
    limiter: ClientRateLimiter


def hub_state() -> HubState:
    """The current app's HubState."""
    state: HubState = current_app.extensions[EXTENSION]
    return state


def db_session() -> Session:
    """The request's session, opened on first use. It is committed when the response is a
    success (status < 400) and rolled back otherwise, then closed; views only flush."""
    if "db_session" not in g:
        g.db_session = hub_state().sessions()
    session: Session = g.db_session
    return session


def db_connection() -> Connection:
    """The request's read connection, opened on first use and closed (its transaction rolled
    back) with the request: for the reads every API request makes (is the caller's token
    revoked?) and the catalog pages. A Core connection, cheaper than an ORM session; nothing
    may write through it (writes go through `db_session()`, whose transaction follows the
    response).

    On PostgreSQL it runs in autocommit mode: each read is a statement of its own, without the
    BEGIN and the ROLLBACK that are two more round trips per request. (SQLite's autocommit mode
    costs more than its transaction, which is no round trip.)"""
    connection: Connection | None = g.get("db_connection")
    if connection is None:
        connection = hub_state().engine.connect()
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        g.db_connection = connection
    return connection


def _finish(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is not None:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    return response


def _close(_error: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
    connection: Connection | None = g.pop("db_connection", None)
    if connection is not None:
        connection.close()


def register(app: Flask, state: HubState) -> None:
    """Install the state and the session lifecycle on `app`."""
    app.extensions[EXTENSION] = state
    app.after_request(_finish)
    app.teardown_request(_close)
