"""Administration. Every route here requires the admin role, except the coordinators' reports.

The reports stay under /admin (their address is known and bookmarked) and are opened to the
coordinator role by name here, so the exception is in one place and the access test checks it.
"""
from flask import Blueprint, request

from app.models.people import Role
from app.security import require_role

bp = Blueprint("admin", __name__)

# Endpoints a coordinator may open; admins may open every one (they hold every role).
COORDINATOR_ENDPOINTS = frozenset({"admin.reports", "admin.reports_csv"})


@bp.before_request
def _admins_only():
    require_role(Role.COORDINATOR if request.endpoint in COORDINATOR_ENDPOINTS else Role.ADMIN)

