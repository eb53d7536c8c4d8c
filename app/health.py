"""``/healthz``: is this worker able to reach its database? For load balancers and monitors."""
from __future__ import annotations

import os

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return jsonify(status="error", database="unreachable", detail=type(exc).__name__), 503
    response = jsonify(status="ok", database="ok")
    # Which process answered: lets an operator (and the multi-worker test) see the spread.
    response.headers["X-Sabak-Worker"] = str(os.getpid())
    return response
