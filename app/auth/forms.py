"""Forms for accounts; every label goes through Babel."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.forms import strip
from app.platform.forms import Form
from app.services.accounts import MIN_PASSWORD_LENGTH


LANGUAGE_CHOICES = [SelectChoice("ru", "Русский"), SelectChoice("ky", "Кыргызча"), SelectChoice("en", "English")]


class LoginForm(Form):
    # No format check here: an account exists or it does not (the CLI may have created one
    # with an address the registration form would refuse, such as the demo @sabak.local ones).
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))
    submit = SubmitField(_l("Log in"))


class RegisterForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    email = EmailField(
        _l("Email"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    institution = SelectField(_l("Institution (optional)"), coerce=int, default=0)
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Create account"))


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    institution = SelectField(_l("Institution (optional)"), coerce=int, default=0)
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    submit = SubmitField(_l("Save profile"))


class PasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class LogoutForm(Form):
    submit = SubmitField(_l("Log out"))


class ApiTokenForm(Form):
    """Create a personal API token; the name only helps the owner tell tokens apart."""

    # Not "name": the profile form on the same page has a field of that id.
    token_name = StringField(
        _l("Token name"), validators=[DataRequired(), Length(max=100)], filters=[strip],
        description=_l("For example, the program or device that will use it."),
    )
    token_submit = SubmitField(_l("Create token"))


class ForgotPasswordForm(Form):
    # No format check, as at login: the answer is the same for any address anyway.
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[strip],
                       description=_l("The address you log in with."))
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(Form):
    new = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(count)d characters.", count=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Set the new password"))
