"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub.api.context import db_session
from hub.api.problems import Problem

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """The process can serve: its database answers. 503 otherwise."""
    try:
        db_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Problem(503, "the database does not answer") from None
    return jsonify({"status": "ok", "database": "ok"})
