"""Admin pages: users and roles."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ROLE_LABELS, RoleForm
from app.extensions import db
from app.models.people import Role, User
from app.services import accounts, user_directory


@bp.route("/")
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users")
def users():
    page = user_directory.search_users(
        query=request.args.get("q", ""),
        role=request.args.get("role", ""),
        page=request.args.get("page", 1, type=int),
    )
    return render_template(
        "admin/users.html", page=page, role_labels=ROLE_LABELS, form=RoleForm(), Role=Role
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            accounts.set_role(current_user, user, Role(form.role.data))
        except accounts.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_LABELS[user.role]), "success")
    else:
        flash(_("The role could not be changed."), "error")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))
