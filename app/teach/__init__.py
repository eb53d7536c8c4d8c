"""Instructors' tools. Every route here requires the instructor (or admin) role."""
from flask import Blueprint

from app.models.people import Role
from app.security import require_role

bp = Blueprint("teach", __name__)


@bp.before_request
def _instructors_only():
    # Guarding the whole blueprint means a new route cannot forget its role check.
    require_role(Role.INSTRUCTOR)

