"""Signing in and out of the dashboard."""

from __future__ import annotations

from flask import redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from hub.admin.accounts import AdminService
from hub.admin.blueprint import TOKEN_KEY, bp, db, render, safe_next


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """The sign-in form; a right email and password open a session and go where the admin was
    headed. A wrong one says so without telling which of the two was wrong."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render("signin.html", next=target, email="", failed=False)
    email = request.form.get("email", "")
    signed_in = AdminService(db()).sign_in(email, request.form.get("password", ""))
    if signed_in is None:
        return render("signin.html", next=target, email=email, failed=True), 401
    # A new session on sign-in (with a new CSRF secret), so no earlier cookie is carried over.
    session.clear()
    session[TOKEN_KEY] = signed_in.token
    session.permanent = True
    return redirect(target)


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    """End the session for good (the server forgets it) and forget the cookie."""
    AdminService(db()).sign_out(session[TOKEN_KEY])
    session.clear()
    return redirect(url_for("admin.sign_in"))
