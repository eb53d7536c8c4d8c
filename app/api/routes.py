"""API endpoints."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user, login_required

from app.api import bp


@bp.route("/me")
@login_required
def me():
    return jsonify(
        id=current_user.id,
        name=current_user.name,
        email=current_user.email,
        role=current_user.role.value,
        locale=current_user.locale,
    )
