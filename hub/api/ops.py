"""Operations endpoints: liveness and readiness."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from hub.api.context import db_session, hub_state
from hub.api.problems import Problem
from hub.auth.keys import SigningKeyService

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """The process can serve: its database answers and holds a signing key. 503 otherwise."""
    try:
        kid = SigningKeyService(db_session(), hub_state().settings).current_kid()
    except SQLAlchemyError:
        raise Problem(503, "the database does not answer") from None
    if kid is None:
        raise Problem(503, "no signing key: run `hub init`")
    return jsonify({"status": "ok", "database": "ok"})
