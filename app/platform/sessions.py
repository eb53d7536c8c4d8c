"""Flask's cookie sessions, opened without verifying the same cookie twice in a worker.

A subclass of Flask's ``SecureCookieSessionInterface``, installed as ``app.session_interface``
(Flask's documented hook for this), because opening the session was a large share of a small
logged-in request and Flask has no setting to keep verified cookies. The cookie format, the
signing and saving stay Flask's. tests/integration/test_platform.py checks the methods it
replaces against the pinned Flask and that the cookies it reads are Flask's own.
"""
from __future__ import annotations

import threading
import time

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer


class RememberingCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, remembering in each worker the cookies it has verified.

    Opening the session was a large share of a small logged-in request: a serializer built anew, the signature's key derived and checked, the payload decompressed and decoded,
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


def install(app: Flask) -> None:
    app.session_interface = RememberingCookieSessions()
