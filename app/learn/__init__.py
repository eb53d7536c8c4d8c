"""The learner's side: home page, dashboard, catalog, courses, modules and quizzes."""
from flask import Blueprint

bp = Blueprint("learn", __name__)
