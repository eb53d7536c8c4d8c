"""Learner forms. Buttons that change state are POST forms carrying a CSRF token."""
from __future__ import annotations

from app.platform.forms import Form


class ActionForm(Form):
    """A form with no fields: enrol, leave, mark done, submit a quiz (its inputs are built by hand)."""
