"""Password-reset links: made for a forgotten password (sent by mail, or by an admin), used once.

A link carries 32 random bytes; only their SHA-256 is stored (as for API tokens: that much
randomness needs no slow hash, and the lookup compares digests in the database). A link works
once, until it expires, and only while the account's password is the one it was made for, so a
password changed by any path (the profile, another link, the CLI) retires the links made before.
Making a link deletes the user's unused ones: only the newest works. Using one sets the password
and ends every session of the account. Write operations flush; the request or command commits.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.extensions import db
from app.models.base import utcnow
from app.models.people import User
from app.models.tokens import PasswordReset
from app.services import accounts
from app.urls import absolute_url
from app.services.errors import ServiceError
from app.services.mail import Mail


class InvalidLink(ServiceError):
    """The link is unknown, used, expired or made for an earlier password."""

    status = 404


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fingerprint(user: User) -> str:
    return _digest(user.password_hash)


def make_link(user: User, *, hours: float, created_by: User | None = None) -> str:
    """A new reset link for ``user``, valid for ``hours``; the user's unused links stop working.
    Returns the link's secret (not stored: it cannot be shown again). Flushes."""
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id,
                                                   PasswordReset.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(PasswordReset(
        user_id=user.id, token_hash=_digest(token), password_fingerprint=_fingerprint(user),
        created_at=now, expires_at=now + timedelta(hours=hours),
        created_by_id=created_by.id if created_by is not None else None,
    ))
    db.session.flush()
    return token


def link_url(token: str) -> str:
    """The link's full address, from the public base URL (never the request's Host header)."""
    return absolute_url("auth.reset_password", token=token)


def admin_link(user: User, actor: User | None) -> str:
    """A one-time link an admin hands to ``user`` themselves (sites without mail). Flushes."""
    return link_url(make_link(user, hours=current_app.config["ADMIN_RESET_LINK_HOURS"], created_by=actor))


def request_by_email(email: str) -> Mail | None:
    """"Forgot password" for ``email``: the message to send, or None when no active account has
    that address. The caller answers the same either way. Flushes."""
    user = accounts.find_user_by_email(email)
    if user is None or not user.is_active:
        # Look up a link as if there were one, so both answers do about the same database work.
        db.session.scalar(select(PasswordReset.id).where(PasswordReset.token_hash == _digest(email)))
        return None
    hours = current_app.config["RESET_LINK_HOURS"]
    url = link_url(make_link(user, hours=hours))
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject = _("Resetting your Sabak password")
        body = _(
            "Hello, %(name)s!\n\n"
            "Someone, probably you, asked to reset the password of your Sabak account. "
            "To choose a new password, open this link:\n\n%(url)s\n\n"
            "The link works once, within %(minutes)d minutes. Using it logs your account out everywhere.\n\n"
            "If you did not ask for this, ignore this message: your password stays as it is.",
            name=user.name, url=url, minutes=round(hours * 60),
        )
    return Mail(to=user.email, subject=subject, body=body)


def _valid(token: str) -> PasswordReset | None:
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    user = db.session.get(User, reset.user_id)
    if user is None or not user.is_active or _fingerprint(user) != reset.password_fingerprint:
        return None
    return reset


def check_link(token: str) -> PasswordReset:
    """The reset behind ``token``; raises InvalidLink unless the link still works."""
    reset = _valid(token)
    if reset is None:
        raise InvalidLink(_l("This link does not work any more: it has been used, has expired or was replaced "
                             "by a newer one. Ask for a new link."))
    return reset


def use_link(token: str, new_password: str) -> User:
    """Set ``new_password`` through the link ``token``; the link and the account's other links
    stop working and every session of the account ends. Raises InvalidLink, or AccountError for a
    weak password (the link then still works). Flushes."""
    reset = check_link(token)
    user = db.session.get(User, reset.user_id)
    accounts.set_password(user, new_password)
    reset.used_at = utcnow()
    db.session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id,
                                                   PasswordReset.used_at.is_(None)))
    accounts.sign_out_everywhere(user)
    return user
