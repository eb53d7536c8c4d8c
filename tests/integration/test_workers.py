"""Gunicorn worker processes share one login limit, because the counters live in the database."""
from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import csrf_token_from
from tests.servers import gunicorn_servers


@pytest.fixture
def gunicorn_two_workers(app):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    # --max-requests 1: every process answers one request and is replaced, so no request is
    # served by a process that saw an earlier one. Counters kept in a process's memory would
    # never reach the limit; only counters shared through the database can.
    # Counted per hour, not per minute: on a loaded machine eight logins, each by a newly started
    # process, can take longer than a minute, and the count would restart in the middle.
    with gunicorn_servers(app.config["SQLALCHEMY_DATABASE_URI"], workers=2, args=("--max-requests", "1"),
                          SABAK_LOGIN_LIMIT="5 per hour") as (base,):
        yield base


def test_the_login_limit_is_shared_by_all_workers(gunicorn_two_workers):
    base = gunicorn_two_workers
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = csrf_token_from(opener.open(base + "/login").read().decode())
    body = urllib.parse.urlencode(
        {"email": "learner@example.kg", "password": "wrong password", "csrf_token": token}
    ).encode()
    statuses, workers = [], []
    for _ in range(8):
        try:
            statuses.append(opener.open(urllib.request.Request(base + "/login", data=body), timeout=30).status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
        workers.append(urllib.request.urlopen(base + "/healthz", timeout=30).headers.get("X-Sabak-Worker"))
    assert statuses == [200] * 5 + [429] * 3
    # Each health check was answered by a process that had served nothing before it.
    assert None not in workers and len(set(workers)) == len(workers)


@pytest.fixture
def two_hosts(app):
    """Two gunicorn servers of two long-lived workers each over the one database, as two hosts:
    each worker keeps the session cookies it has verified (app.platform.sessions.RememberingCookieSessions)."""
    factories.make_user(email="reader@example.kg")
    db.session.commit()
    with gunicorn_servers(app.config["SQLALCHEMY_DATABASE_URI"], count=2, workers=2) as bases:
        yield bases


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(base: str, path: str, cookies: dict[str, str]) -> int:
    request = urllib.request.Request(base + path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    try:
        return urllib.request.build_opener(_NoRedirects).open(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_logged_out_session_is_refused_by_every_worker_on_every_host(two_hosts):
    first, second = two_hosts
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = csrf_token_from(browser.open(first + "/login").read().decode())
    browser.open(urllib.request.Request(first + "/login", data=urllib.parse.urlencode(
        {"email": "reader@example.kg", "password": factories.PASSWORD, "remember": "y",
         "csrf_token": token}).encode()), timeout=30)
    taken = {c.name: c.value for c in jar}
    assert {"session", "remember_token"} <= set(taken)
    copies = [taken, {"session": taken["session"]}, {"remember_token": taken["remember_token"]}]
    # Before logout the copies work everywhere: each worker that answers verifies and keeps them.
    for base in (first, second):
        for _ in range(4):
            assert [_status(base, path, cookies) for cookies in copies for path in ("/dashboard", "/api/v1/me")] \
                == [200] * 6
    token = csrf_token_from(browser.open(second + "/logout").read().decode())
    browser.open(urllib.request.Request(second + "/logout", data=urllib.parse.urlencode(
        {"csrf_token": token}).encode()), timeout=30)
    for base in (first, second):
        for _ in range(4):
            assert [_status(base, path, cookies) for cookies in copies for path in ("/dashboard", "/api/v1/me")] \
                == [302, 401] * 3
