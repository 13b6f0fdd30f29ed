"""The admin dashboard at /admin/: programme admins see and act on every connector and run.

Server-rendered (Flask + Jinja), every asset served by the hub; htmx (vendored) refreshes the
live run list.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from hub.admin import pages, signin
from hub.admin.accounts import SESSION_LIFETIME
from hub.admin.blueprint import DISPATCHER, bp, csrf
from hub.api.context import EXTENSION
from hub.dispatch import Dispatcher
from hub.store.models import Run
from hub.store.types import utcnow

__all__ = ["init_app", "pages", "signin"]


def ago(value: datetime) -> str:
    """`value` as a person reads it at a glance: '3 min ago', '2 h ago', '5 d ago'."""
    seconds = int((utcnow() - value).total_seconds())
    if seconds < 0:
        return "in the future"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def duration(run: Run) -> str:
    """How long a run took (or has been running), as '1 min 05 s' or '3.2 s'; '—' if queued."""
    if run.started_at is None:
        return "—"
    seconds = ((run.finished_at or utcnow()) - run.started_at).total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def init_app(app: Flask, dispatcher: Dispatcher) -> None:
    """Mount the dashboard at /admin/ on `app` (built by `hub.app.create_app`): its blueprint,
    CSRF protection of its forms (only its own: API clients post without cookies), and a
    session cookie that scripts cannot read and other sites' forms do not carry. Runs it
    queues go to `dispatcher`."""
    app.extensions[DISPATCHER] = dispatcher
    if not app.secret_key:
        app.secret_key = app.extensions[EXTENSION].settings.subkey("admin-session-cookie")
    # CSRF is checked by the dashboard's own guard, not on every POST of the API.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config["WTF_CSRF_TIME_LIMIT"] = int(SESSION_LIFETIME.total_seconds())
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    csrf.init_app(app)
    app.add_template_filter(ago, "ago")
    app.add_template_filter(duration, "duration")
    app.register_blueprint(bp)
