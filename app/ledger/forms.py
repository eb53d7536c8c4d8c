"""Forms for the hours ledger."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import strip
from app.platform.forms import DecimalField, Form


class ExternalLearningForm(Form):
    title = StringField(_l("What did you attend?"), validators=[DataRequired(), Length(max=300)], filters=[strip],
                        description=_l("For example: seminar “Open access in Central Asia”"))
    provider = StringField(_l("Organised by"), validators=[DataRequired(), Length(max=300)], filters=[strip])
    activity_date = DateField(_l("Date"), validators=[DataRequired()])
    hours = DecimalField(_l("Hours"), places=None, validators=[DataRequired(), NumberRange(min=0.25, max=200)])
    track = SelectField(_l("Track"), validators=[Optional()])
    evidence = FileField(_l("Evidence (optional): certificate or programme, PDF, JPEG or PNG"),
                         validators=[FileAllowed(["pdf", "jpg", "jpeg", "png"], _l("PDF, JPEG or PNG only."))])
    submit = SubmitField(_l("Send for approval"))
