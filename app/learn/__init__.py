"""The learner's side: home page, dashboard, catalog, courses, modules and quizzes."""
from flask import Blueprint

bp = Blueprint("learn", __name__)

from app.learn import routes  # noqa: E402,F401
