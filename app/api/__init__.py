"""JSON API v1. Errors are JSON; authentication by session cookie (tokens come with the API issue)."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import routes  # noqa: E402,F401
