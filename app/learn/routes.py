"""Learner pages; each view calls one service and renders."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.learn import bp
from app.services import dashboard as dashboard_service


@bp.route("/")
def index():
    return render_template("learn/index.html", overview=dashboard_service.site_overview())


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("learn/dashboard.html", board=dashboard_service.dashboard_for(current_user))
