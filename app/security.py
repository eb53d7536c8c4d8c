"""Security headers, role guards and safe redirects."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, abort, g, session
from flask_login import current_user

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


def register(app: Flask) -> None:
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
