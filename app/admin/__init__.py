"""Administration. Every route here requires the admin role."""
from flask import Blueprint

from app.models.people import Role
from app.security import require_role

bp = Blueprint("admin", __name__)


@bp.before_request
def _admins_only():
    require_role(Role.ADMIN)


from app.admin import routes  # noqa: E402,F401
