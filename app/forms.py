"""What forms of more than one blueprint share: the field filter and the form with no fields.

A blueprint's own forms live in its ``forms.py``; what two blueprints both use lives here, so that
no blueprint imports another (tests/unit/test_architecture.py holds them to it). The base of
every form is framework integration: app.platform.forms.
"""
from __future__ import annotations

from app.platform.forms import Form


def strip(value: str | None) -> str | None:
    """People paste addresses with spaces around them; forgive that."""
    return value.strip() if isinstance(value, str) else value


class ActionForm(Form):
    """A form with no fields: enrol, leave, mark done, submit a quiz, remove a member (its inputs,
    if any, are built by hand). It carries the CSRF token."""
