"""Admin forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.forms import strip
from app.models.people import Role
from app.platform.forms import Form
from app.services.institutions import KIND_LABELS, MAX_NAME_LENGTH, REGION_LABELS

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.INSTRUCTOR: _l("Instructor"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.ADMIN: _l("Administrator"),
}


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    submit = SubmitField(_l("Change role"))


class InstitutionForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()])
    region = SelectField(_l("Region"), choices=[SelectChoice(r.value, label) for r, label in REGION_LABELS.items()])
    submit = SubmitField(_l("Save"))


class MergeForm(Form):
    target = SelectField(_l("Merge into"), coerce=int,
                         description=_l("Its people, groups and coordinators move there, and this entry is deleted."))
    merge_submit = SubmitField(_l("Merge"))


class ImportForm(Form):
    file = FileField(_l("CSV file (UTF-8) with the columns name, kind, region"),
                     validators=[FileRequired(_l("Choose a CSV file."))])
    import_submit = SubmitField(_l("Import"))


class CheckboxesField(SelectMultipleField):
    """A choice of several as checkboxes: usable without JavaScript and on a phone."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ScopeForm(Form):
    all_institutions = BooleanField(_l("All institutions, and learners without one"))
    institutions = CheckboxesField(_l("Or only these institutions"), coerce=int)
    submit = SubmitField(_l("Save"))


class RevokeForm(Form):
    reason = StringField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)], filters=[strip])
    submit = SubmitField(_l("Revoke"))
