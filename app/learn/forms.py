"""Learner forms. Buttons that change state are POST forms carrying a CSRF token (app.forms.ActionForm)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.forms import strip
from app.platform.forms import Form


class JoinForm(Form):
    code = StringField(_l("Join code"), validators=[DataRequired(), Length(max=20)], filters=[strip],
                       description=_l("Your instructor gives you this code."))
    submit = SubmitField(_l("Join"))
