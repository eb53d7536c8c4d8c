"""Security headers, role guards and safe redirects."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urljoin, urlsplit

from flask import Flask, abort, g, request, session
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
    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if "_user_id" in session or g.get("api_token_id") is not None:
            # Personal pages (a logged-in session, or an API token's answers) must not be kept by
            # shared caches or shown after logout via Back. Asked of the session and the token,
            # not of current_user: after a commit that would re-read the user just for a header.
            response.headers.setdefault("Cache-Control", "private, no-store")
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


def is_safe_redirect(target: str | None) -> bool:
    """Only same-site paths may be redirect targets (no open redirect via ``?next=``)."""
    if not target:
        return False
    host = urlsplit(request.host_url)
    test = urlsplit(urljoin(request.host_url, target))
    return test.scheme in ("http", "https") and test.netloc == host.netloc and not target.startswith("//")
