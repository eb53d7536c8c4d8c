"""Instructor forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import strip
from app.platform.forms import DecimalField, Form


class CohortForm(Form):
    name = StringField(_l("Cohort name"), validators=[DataRequired(), Length(max=200)], filters=[strip],
                       description=_l("For example: History, 1st year, group 2"))
    term = StringField(_l("Term (optional)"), validators=[Optional(), Length(max=100)], filters=[strip],
                       description=_l("For example: Autumn 2026"))
    institution = SelectField(_l("Institution (optional)"), coerce=int, default=0)
    submit = SubmitField(_l("Create cohort"))


class AssignCourseForm(Form):
    course = SelectField(_l("Course"), coerce=int)
    submit = SubmitField(_l("Add course"))


class AddInstructorForm(Form):
    email = EmailField(_l("Instructor's email"), validators=[DataRequired(), Length(max=254)], filters=[strip])
    submit = SubmitField(_l("Add co-instructor"))


class GradeForm(Form):
    score = DecimalField(_l("Score (0–100)"), places=None, validators=[DataRequired(), NumberRange(min=0, max=100)])
    comment = TextAreaField(_l("Comment for the learner"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save grade"))


class ReviewForm(Form):
    reason = TextAreaField(_l("Reason (required to reject)"), validators=[Optional(), Length(max=2000)])
    approve = SubmitField(_l("Approve"))
    reject = SubmitField(_l("Reject"))
