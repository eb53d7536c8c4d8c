"""Flask-WTF's CSRF token, signed once per session token and worker instead of once per request.

Flask-WTF's ``generate_csrf`` looks first in ``g.csrf_token`` (its documented place for the
request's signed token) and signs the session's raw token only when that is empty. Putting a
token signed earlier there is the whole trick; the token itself, its check
(``validate_csrf``) and the session's raw token stay Flask-WTF's. tests/integration/test_platform.py
checks ``generate_csrf`` of the pinned Flask-WTF still reads ``g`` first, and that the tokens
made here pass Flask-WTF's validation.
"""
from __future__ import annotations

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf


def signed_csrf_token() -> str:
    """This request's CSRF token, as Flask-WTF's ``generate_csrf`` gives it: what templates call as
    ``csrf_token()``, and kept pages put in their slot (app.caching.pages).

    Flask-WTF signs the session's raw token anew for every request that shows a form (a
    serializer built, its key derived, an HMAC), a noticeable share of a kept page's time. With
    WTF_CSRF_TIME_LIMIT off, as Sabak runs, the signing time is never checked, so a raw token's
    signed form is as good on the next request: each worker keeps the last ones it made and puts
    them where Flask-WTF looks first (``g.csrf_token``), so every form of the page shows it.
    """
    raw = session.get("csrf_token")
    if raw is None or "csrf_token" in g or current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None:
        return generate_csrf()
    signed = current_app.extensions.setdefault("sabak_signed_csrf", {})
    token = signed.get(raw)
    if token is None:
        token = generate_csrf()
        if len(signed) >= 10_000:
            signed.clear()
        signed[raw] = token
    else:
        g.csrf_token = token
    return token


def install(app: Flask) -> None:
    """Templates' ``csrf_token()`` is ``signed_csrf_token``. Called after ``csrf.init_app``:
    Flask-WTF registers its own ``generate_csrf`` under that name (a Jinja global and a context
    processor), and the later context processor's name wins."""
    app.jinja_env.globals["csrf_token"] = signed_csrf_token
    app.context_processor(lambda: {"csrf_token": signed_csrf_token})
