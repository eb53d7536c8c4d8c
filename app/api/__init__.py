"""JSON API v1: errors are JSON; authentication by session cookie or a personal Bearer token."""
from flask import Blueprint

from app.api import auth
from app.extensions import csrf

bp = Blueprint("api", __name__)
# The global CSRF check would refuse Bearer requests; app.api.auth applies it itself to every
# request that does not carry a token.
csrf.exempt(bp)
bp.before_request(auth.authenticate_api_request)
