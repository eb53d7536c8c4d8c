"""API authentication: the session cookie, or a personal token sent as ``Authorization: Bearer``.

A Bearer request is exempt from CSRF: a browser never adds that header on its own, so a forged
cross-site request cannot carry it. Every other unsafe API request (cookie or anonymous) must
send the CSRF token, in the ``X-CSRFToken`` header, as the site's forms do in a field.
"""
from __future__ import annotations

from flask import Request, g, request
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import error_response
from app.extensions import csrf, db, login_manager
from app.services import accounts, tokens


def bearer_token(req: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None without one."""
    header = req.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


@login_manager.request_loader
def load_user_from_bearer(req: Request):
    """Flask-Login's request loader, consulted when no session cookie names a user."""
    if not req.path.startswith("/api/"):
        return None
    plaintext = bearer_token(req)
    if not plaintext:
        return None
    match = tokens.authenticate_token(plaintext)
    if match is None:
        return None
    g.api_token_id = match.token.id
    g.api_token_touched = match.touched
    return accounts.SessionUser.of(match.user)  # like a cookie login: see SessionUser


def authenticate_api_request():
    """The API blueprint's before_request: Bearer or cookie+CSRF, never a mix."""
    plaintext = bearer_token(request)
    if plaintext is None:
        if current_user.is_authenticated:  # by the session cookie, which a forged request carries too
            csrf.protect()  # raises CSRFError (400 JSON) for an unsafe request without a valid token
        return None  # anonymous: the view answers 401 where a login is needed
    user = current_user._get_current_object()  # runs the loaders
    if g.get("api_token_id") is None:
        # Either the token is unknown or revoked, or a session cookie came with it and was used
        # first: then the token must still be valid and name the same person.
        match = tokens.authenticate_token(plaintext) if plaintext else None
        if match is None or not user.is_authenticated or match.user.id != user.id:
            response, status = error_response(401, _("The API token is not valid or has been revoked."))
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response, status
        g.api_token_id, g.api_token_touched = match.token.id, match.touched
    if g.get("api_token_touched"):
        db.session.commit()  # only last_used_at; nothing else has happened in this request yet
    return None
