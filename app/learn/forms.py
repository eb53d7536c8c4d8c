"""Learner forms. Buttons that change state are POST forms carrying a CSRF token."""
from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A form with no fields: enrol, leave, mark done, submit a quiz (its inputs are built by hand)."""
