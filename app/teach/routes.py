"""Instructor pages."""
from __future__ import annotations

from flask import render_template

from app.services import teaching
from app.teach import bp


@bp.route("/")
def index():
    return render_template("teach/index.html", overview=teaching.instructor_overview())
