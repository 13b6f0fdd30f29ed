"""The WSGI application: `create_app()` (also the gunicorn factory `hub.app:create_app()`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, request

from hub import admin
from hub.api import changes, connectors, ingest, ops, partners, problems, records, runs
from hub.api.context import HubState, db_session, register
from hub.api.openapi import create_api
from hub.api.ratelimit import ClientRateLimiter
from hub.auth import views as oauth_views
from hub.auth.keys import KeyRing
from hub.auth.server import build_server
from hub.auth.tokens import TokenVerifier
from hub.dispatch import ThreadPoolDispatcher
from hub.monitoring import metrics
from hub.settings import Settings, load_settings
from hub.store.db import make_engine, session_factory

#: The largest request body accepted (DESIGN.md §5: an ingest batch is at most 5 MB).
MAX_CONTENT_LENGTH = 5 * 1024 * 1024
JSON_TYPES = ("application/json", "application/merge-patch+json")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The hub's Flask app.

    Settings come from `hub.settings.load_settings()`; `test_config` may hold Flask config keys,
    and under `"HUB_SETTINGS"` a `Settings` object to use instead (tests do).
    """
    app = Flask(__name__)
    app.config.from_mapping(MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH)
    if test_config:
        app.config.update(test_config)
    settings: Settings = app.config.get("HUB_SETTINGS") or load_settings()
    # authlib logs issued tokens at DEBUG level: never let them reach a log.
    logging.getLogger("authlib").setLevel(logging.INFO)

    engine = make_engine(settings.database_url)
    keys = KeyRing(settings)
    verifier = TokenVerifier(settings, keys)
    sessions = session_factory(engine)
    register(
        app,
        HubState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            keys=keys,
            verifier=verifier,
            limiter=ClientRateLimiter(settings.rate_limit),
        ),
    )
    problems.register(app)
    app.before_request(_require_json_body)
    app.before_request(_refuse_nul_characters)
    app.extensions[oauth_views.SERVER] = build_server(app, settings, keys, verifier, db_session)
    app.register_blueprint(oauth_views.bp)
    app.register_blueprint(ops.bp)

    api = create_api(app)
    for blueprint in (
        partners.bp,
        connectors.types_bp,
        connectors.bp,
        *records.blueprints,
        changes.bp,
        ingest.bp,
        runs.bp,
    ):
        api.register_blueprint(blueprint)
    admin.init_app(app, ThreadPoolDispatcher(sessions, settings))
    metrics.init_app(app, sessions)
    return app


def _require_json_body() -> None:
    """A body sent to /api/* must be JSON: 415 otherwise."""
    if not request.path.startswith("/api/"):
        return
    has_body = bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", ""
    )
    if has_body and request.mimetype not in JSON_TYPES:
        raise problems.Problem(
            415,
            f"the body must be application/json, not {request.mimetype or 'untyped'}",
        )


def _refuse_nul_characters() -> None:
    """A NUL character in a query parameter or path of /api/* is refused by name (422): no
    stored text can hold one, and PostgreSQL fails the query that carries it."""
    if not request.path.startswith("/api/"):
        return
    if "\x00" in request.path:
        raise problems.Problem(422, "the path holds a NUL character")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            message = "Must not contain a NUL character."
            raise problems.Problem(422, f"{name}: {message}", errors={name: [message]})
