"""Account pages. Views parse the form, call app.services.accounts, and commit once."""
from __future__ import annotations

import hashlib

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from app.auth import bp
from app.auth.forms import (ApiTokenForm, ForgotPasswordForm, LoginForm, LogoutForm, PasswordForm, ProfileForm,
                            RegisterForm, ResetPasswordForm)
from app.extensions import db, limiter
from app.security import is_safe_redirect
from app.services import accounts, institutions, mail, password_resets
from app.services import tokens as token_service
from app.services.errors import NotFound


def _login_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _register_limit() -> str:
    return current_app.config["REGISTER_LIMIT"]


def _reset_request_limit() -> str:
    return current_app.config["RESET_REQUEST_LIMIT"]


def _reset_address_limit() -> str:
    return current_app.config["RESET_ADDRESS_LIMIT"]


def _reset_form_limit() -> str:
    return current_app.config["RESET_FORM_LIMIT"]


def _address_asked() -> str:
    """The rate-limit key of the address asked about: the same for any address, account or not."""
    email = accounts.normalise_email(request.form.get("email", ""))
    return "reset:" + hashlib.sha256(email.encode("utf-8")).hexdigest()


def _institution_choices():
    return [SelectChoice(0, _("— none —"))] + [SelectChoice(i.id, i.name) for i in institutions.list_institutions()]


def _redirect_next(default: str):
    target = request.args.get("next")
    return redirect(target if is_safe_redirect(target) else default)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: g.get("login_failed", False))
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            g.login_failed = True
            form.password.errors.append(_("The email or password is not correct."))
        else:
            session.clear()  # a fresh session on login: no fixation of a pre-login session
            login_user(accounts.start_session(user, remember=form.remember.data), remember=form.remember.data)
            db.session.commit()
            if user.locale:
                session["locale"] = user.locale
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return _redirect_next(url_for("learn.dashboard"))
    return render_template("auth/login.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_request_limit, methods=["POST"])
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=_address_asked)
def forgot_password():
    """Mail a reset link. The answer is the same whether the address has an account or not, and
    the mail leaves after the response, so its time does not tell either."""
    if not mail.is_configured():
        return render_template("auth/forgot_password.html", form=None, sent=False)
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot_password.html", form=form, sent=False)
    message = password_resets.request_by_email(form.email.data)
    db.session.commit()
    response = make_response(render_template(
        "auth/forgot_password.html", form=None, sent=True, minutes=round(current_app.config["RESET_LINK_HOURS"] * 60)))
    if message is not None:
        app = current_app._get_current_object()
        response.call_on_close(lambda: _send_after_response(app, message))
    return response


def _send_after_response(app, message: mail.Mail) -> None:
    with app.app_context():
        try:
            mail.send(message)
        except mail.MailError:
            app.logger.exception("The password-reset mail could not be sent")


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_form_limit, methods=["POST"])
def reset_password(token: str):
    try:
        password_resets.check_link(token)
    except password_resets.InvalidLink as exc:
        return render_template("auth/reset_password.html", form=None, problem=exc.message), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_resets.use_link(token, form.new.data)
        except accounts.AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            db.session.commit()
            # Sent to log in with the new password rather than logged in by the link: the page
            # that follows proves the password works, and a link alone never opens a session.
            logout_user()
            locale = session.get("locale")
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_("Your new password is set, and your account is logged out everywhere. Log in with the new password."),
                  "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, problem=None)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.dashboard"))
    form = RegisterForm()
    form.institution.choices = _institution_choices()
    if request.method == "GET":
        form.locale.data = session.get("locale") or _current_locale()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                locale=form.locale.data,
                institution=_institution(form.institution.data),
            )
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            signed_in = accounts.start_session(user)
            db.session.commit()
            session.clear()
            login_user(signed_in)
            session["locale"] = user.locale
            flash(_("Your account is ready. Welcome to Sabak!"), "success")
            return redirect(url_for("learn.dashboard"))
    return render_template("auth/register.html", form=form)


def _institution(institution_id: int | None):
    from app.models import Institution

    return db.session.get(Institution, institution_id) if institution_id else None


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale())


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = LogoutForm()
    if request.method == "POST" and form.validate_on_submit():
        if current_user.is_authenticated:
            # Ends the session on the server: a copy of this browser's cookies is refused too.
            accounts.end_session(current_user)
            db.session.commit()
        _forget_login()
        flash(_("You have logged out."), "info")
        return redirect(url_for("learn.index"))
    if not current_user.is_authenticated:
        return redirect(url_for("learn.index"))
    return render_template("auth/logout.html", form=form)


def _forget_login() -> None:
    """Drop this browser's login cookies, keeping only its choice of language."""
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


@bp.route("/profile/sessions/end-all", methods=["POST"])
@login_required
def sign_out_everywhere():
    """"Log out everywhere": every session of the user ends, this browser's included (for the
    learner who left a session open on a library computer). The global CSRFProtect has already
    checked the form's token."""
    accounts.sign_out_everywhere(current_user)
    db.session.commit()
    _forget_login()
    flash(_("You have been logged out on every device, this one included."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.institution.choices = _institution_choices()
    if request.method == "GET":
        form.institution.data = current_user.institution_id or 0
        form.locale.data = current_user.locale or _current_locale()
    if form.validate_on_submit():
        user = accounts.record_of(current_user)
        accounts.update_profile(
            user,
            name=form.name.data,
            locale=form.locale.data,
            institution_id=form.institution.data or None,
        )
        db.session.commit()
        session["locale"] = user.locale
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=PasswordForm(prefix="pw"),
                           **_token_context())


@bp.route("/profile/password", methods=["POST"])
@login_required
def change_password():
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        user = accounts.record_of(current_user)
        try:
            accounts.change_password(user, password_form.current.data, password_form.new.data,
                                     keep=current_user.session_key)
        except accounts.AccountError as exc:
            password_form.current.errors.append(str(exc))
        else:
            db.session.commit()  # this browser's session is kept, and with it its cookies
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.profile"))
    form = ProfileForm(obj=current_user)
    form.institution.choices = _institution_choices()
    form.institution.data = current_user.institution_id or 0
    form.locale.data = current_user.locale or _current_locale()
    return render_template("auth/profile.html", form=form, password_form=password_form, **_token_context()), 400


def _profile_form() -> ProfileForm:
    """The profile form as stored, for pages rendered by another form's POST."""
    form = ProfileForm(formdata=None, obj=current_user)
    form.institution.choices = _institution_choices()
    form.institution.data = current_user.institution_id or 0
    form.locale.data = current_user.locale or _current_locale()
    return form


def _token_context(token_form: ApiTokenForm | None = None, new_token: str | None = None) -> dict:
    return {
        "token_form": token_form or ApiTokenForm(formdata=None),
        "api_tokens": token_service.list_tokens(current_user),
        "new_token": new_token,
    }


def _render_token_page(token_form: ApiTokenForm | None = None, new_token: str | None = None, status: int = 200):
    return render_template(
        "auth/profile.html", form=_profile_form(), password_form=PasswordForm(prefix="pw", formdata=None),
        **_token_context(token_form, new_token),
    ), status


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    token_form = ApiTokenForm()
    if not token_form.validate_on_submit():
        return _render_token_page(token_form, status=400)
    _token, plaintext = token_service.create_token(current_user, token_form.token_name.data)
    db.session.commit()
    # Shown in this response only (never flashed: the session cookie is signed, not encrypted);
    # the page is sent with Cache-Control: no-store like every personal page.
    return _render_token_page(new_token=plaintext)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    # The global CSRFProtect has already checked the form's token.
    try:
        token = token_service.revoke_token(current_user, token_id)
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked; programs using it can no longer connect.", name=token.name), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/language", methods=["POST"])
def set_language():
    """The language switcher: one form of three buttons, so it works without JavaScript."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            accounts.record_of(current_user).locale = locale
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_redirect(target) else url_for("learn.index"))
