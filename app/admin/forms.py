"""Admin forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from app.models.people import Role

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.INSTRUCTOR: _l("Instructor"),
    Role.ADMIN: _l("Administrator"),
}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    submit = SubmitField(_l("Change role"))
