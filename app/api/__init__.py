"""JSON API v1: errors are JSON; authentication by session cookie or a personal Bearer token."""
from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__)
# The global CSRF check would refuse Bearer requests; app.api.auth applies it itself to every
# request that does not carry a token.
csrf.exempt(bp)

from app.api import auth, routes  # noqa: E402,F401

bp.before_request(auth.authenticate_api_request)
