"""Security headers, role guards and safe redirects."""
from __future__ import annotations

import re
import threading
import time
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, g, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.models.people import Role

# No inline script anywhere: pages work without JavaScript, and what little script there is
# comes from our own static files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RememberingCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, remembering in each worker the cookies it has verified.

    Opening the session was a sixth of a small logged-in request (bench/README.md): a serializer
    built anew, the signature's key derived and checked, the payload decompressed and decoded,
    for the same few hundred cookies again and again. Checking a signature is deterministic, so
    a cookie verified once needs only its age checked again: its contents (as JSON, so every
    request gets its own dict) and the time it was signed are kept, keyed by the exact cookie
    text. Only verified cookies get in, nothing is ever invalidated (a changed session is a
    different cookie), and the store is bounded. Signing out does not rest on cookies: the user
    loader checks the session's ``user_sessions`` row on every request
    (accounts.load_user_from_cookie_id), so a kept cookie whose session has ended signs nobody in.
    """

    MAX_REMEMBERED = 10_000  # about 3 MB

    def __init__(self) -> None:
        self._verified: dict[str, tuple[str, float]] = {}
        self._serializer: tuple[tuple, URLSafeTimedSerializer | None] = ((), None)
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        made_for, serializer = self._serializer
        if made_for != keys:
            serializer = super().get_signing_serializer(app)
            with self._lock:
                self._serializer = (keys, serializer)
                self._verified = {}  # verified with other keys
        return serializer

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        remembered = self._verified.get(cookie)
        if remembered is not None:
            contents, signed_at = remembered
            if 0 <= time.time() - signed_at <= max_age:
                return self.session_class(self.serializer.loads(contents))
        try:
            data, signed = serializer.loads(cookie, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        with self._lock:
            if len(self._verified) >= self.MAX_REMEMBERED:
                self._verified = {}
            self._verified[cookie] = (self.serializer.dumps(data), signed.timestamp())
        return self.session_class(data)


def register(app: Flask) -> None:
    app.session_interface = RememberingCookieSessions()

    fixed = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config.get("SESSION_COOKIE_SECURE"):
        fixed.append(("Strict-Transport-Security", "max-age=31536000"))
    personal = ("Cache-Control", "private, no-store")

    @app.after_request
    def set_security_headers(response):
        # Each header unless the view set its own: one look at the headers there are, then
        # appends (a setdefault per header scanned them all each time).
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        missing = [(name, value) for name, value in fixed if name.lower() not in present]
        if "cache-control" not in present and ("_user_id" in session or g.get("api_token_id") is not None):
            # Personal pages (a logged-in session, or an API token's answers) must not be kept by
            # shared caches or shown after logout via Back. Asked of the session and the token,
            # not of current_user: after a commit that would re-read the user just for a header.
            missing.append(personal)
        headers.extend(missing)
        return response


def has_role(user, *roles: Role) -> bool:
    """Admins hold every role; otherwise the user's role must be one of ``roles``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.role is Role.ADMIN or user.role in roles


def require_role(*roles: Role) -> None:
    """Abort with 401 (anonymous, handled as a login redirect) or 403 unless the role fits."""
    from app.extensions import login_manager

    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not has_role(current_user, *roles):
        abort(403)


def role_required(*roles: Role):
    """Decorator form of :func:`require_role` for single views."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def is_safe_redirect(target: str | None) -> bool:
    """Only a path of this site may be a redirect target (no open redirect via ``?next=``).

    Judged from the target alone, never against the request's Host header, which the sender
    chooses: an absolute URL, a scheme-relative ``//host`` or a ``/\\host`` that browsers read
    as one is refused, whatever host it names. A control character (a line break would split the
    Location header) or a backslash refuses it too: the caller then uses its default target."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if _CONTROL.search(target) or "\\" in target:
        return False
    try:
        parts = urlsplit(target)
    except ValueError:  # not an address at all, e.g. "/x?http://[" read as an unclosed IPv6 host
        return False
    return not parts.scheme and not parts.netloc
