"""The dashboard's blueprint: who may reach it, CSRF on every form, and HTML problem pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from hub.admin.accounts import AdminService
from hub.api.context import db_session as db
from hub.dispatch import APP_EXTENSION, Dispatcher

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
csrf = CSRFProtect()
#: Where the app keeps the dispatcher that executes runs queued from the dashboard.
DISPATCHER = APP_EXTENSION

#: The session key holding the sign-in token (the Flask session cookie is signed and HttpOnly).
TOKEN_KEY = "admin_token"
#: Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = frozenset({"admin.sign_in", "admin.static"})


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path inside the dashboard, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/"):
            return target
    return url_for("admin.overview")


@bp.before_request
def guard() -> ResponseReturnValue | None:
    """Refuse forms without a valid CSRF token, and send anyone not signed in to the sign-in
    page. Only the dashboard's own session cookie counts: API bearer tokens are ignored here."""
    csrf.protect()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = session.get(TOKEN_KEY)
    admin = AdminService(db()).session_admin(token) if token else None
    if admin is None:
        session.pop(TOKEN_KEY, None)
        return redirect(url_for("admin.sign_in", next=request.full_path.rstrip("?")))
    g.admin = admin
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    """Dashboard pages show live, private data: no cache keeps them, no frame embeds them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'"
    )
    return response


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> tuple[str, int]:
    """A form posted without its CSRF token (or with a stale one) changes nothing."""
    return problem_page(400, "Form refused", f"{error.description} Reload the page and retry.")


@bp.errorhandler(HTTPException)
def http_problem(error: HTTPException) -> tuple[str, int]:
    """Errors inside the dashboard as a page a person can read, not JSON."""
    return problem_page(error.code or 500, error.name, error.description or "")


def problem_page(status: int, title: str, detail: str) -> tuple[str, int]:
    """An HTML problem page (the fields of RFC 9457, for a browser)."""
    return render_template("admin/problem.html", status=status, title=title, detail=detail), status


def dispatcher() -> Dispatcher:
    """The dispatcher that executes runs queued from the dashboard."""
    found: Dispatcher = current_app.extensions[DISPATCHER]
    return found


def render(template: str, **context: Any) -> str:
    """Render a dashboard template with the signed-in admin and the current nav section."""
    return render_template(f"admin/{template}", admin=g.get("admin"), **context)
