"""CSRF, rate limiting, cookies, headers and production settings."""
from __future__ import annotations

import time

import pytest

from app import create_app
from app.extensions import db
from config import ProductionConfig
from tests import factories


def test_a_post_without_csrf_token_gets_400(client):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    response = client.post("/login", data={"email": "learner@example.kg", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302  # and nobody was logged in


def test_every_form_on_the_main_pages_carries_a_csrf_token(client, auth):
    auth.login(role="admin")
    for path in ["/", "/profile", "/logout", "/admin/users"]:
        html = client.get(path).get_data(as_text=True)
        assert html.count('<form method="post"') <= html.count('name="csrf_token"'), path


def test_the_sixth_failed_login_in_a_minute_gets_429(client, auth):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    token = auth.csrf()
    bad = {"email": "learner@example.kg", "password": "wrong password", "csrf_token": token}
    for attempt in range(5):
        assert client.post("/login", data=bad).status_code == 200, attempt
    response = client.post("/login", data=bad)
    assert response.status_code == 429
    # Even the right password waits out the window: that is what stops guessing.
    good = dict(bad, password=factories.PASSWORD)
    assert client.post("/login", data=good).status_code == 429


def test_successful_logins_do_not_use_up_the_limit(client, auth):
    factories.make_user(email="learner@example.kg")
    db.session.commit()
    for _ in range(8):
        auth.login("learner@example.kg")
        auth.logout()


def test_rate_limit_counters_live_in_the_database(client, auth):
    from app.models import RateLimitCounter

    token = auth.csrf()
    client.post("/login", data={"email": "x@example.kg", "password": "nope nope", "csrf_token": token})
    counters = db.session.query(RateLimitCounter).all()
    assert len(counters) == 1 and counters[0].count == 1


def test_session_cookie_flags(client):
    response = client.get("/login")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def _session_cookie(response) -> str:
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    return header.split(";", 1)[0].split("=", 1)[1]


def test_a_remembered_session_cookie_is_still_checked_for_age_and_tampering(app, client, auth, monkeypatch):
    """Workers remember the session cookies they have verified (RememberingCookieSessions): a
    remembered cookie still expires with the session's lifetime, and any other text is checked."""
    auth.login(role="learner")
    signed_in = client.get_cookie("session").value
    raw = app.test_client(use_cookies=False)
    for _ in range(2):  # verified, then remembered
        assert raw.get("/api/v1/me", headers={"Cookie": f"session={signed_in}"}).status_code == 200
    tampered = signed_in[:-2] + ("A" if signed_in[-2] != "A" else "B") + signed_in[-1]
    assert raw.get("/api/v1/me", headers={"Cookie": f"session={tampered}"}).status_code == 401
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + app.permanent_session_lifetime.total_seconds() + 60)
    assert raw.get("/api/v1/me", headers={"Cookie": f"session={signed_in}"}).status_code == 401


def test_each_request_gets_its_own_copy_of_a_remembered_session(app):
    """A request that changes its session (here: a message flashed before a redirect) changes
    nothing for the next request sending the same cookie."""
    raw = app.test_client(use_cookies=False)
    cookie = _session_cookie(raw.get("/login"))  # an anonymous session holding a CSRF token
    headers = {"Cookie": f"session={cookie}"}
    assert raw.get("/courses", headers=headers).status_code == 200  # verified, and now remembered
    flashed = {"Cookie": f"session={_session_cookie(raw.get('/dashboard', headers=headers))}"}
    raw.get("/dashboard", headers=flashed)  # adds a second message to the first one's list
    message = "Войдите, чтобы открыть эту страницу."
    assert message not in raw.get("/courses", headers=headers).get_data(as_text=True)
    assert raw.get("/courses", headers=flashed).get_data(as_text=True).count(message) == 1


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_personal_pages_are_not_kept_by_caches_and_public_ones_may_be(client, auth):
    assert "no-store" not in client.get("/courses").headers.get("Cache-Control", "")
    auth.login(role="learner")
    for path in ("/dashboard", "/courses", "/profile"):
        assert client.get(path).headers["Cache-Control"] == "private, no-store", path
    auth.logout()
    assert "no-store" not in client.get("/courses").headers.get("Cache-Control", "")


def test_pages_have_no_inline_script_or_style(client, auth):
    auth.login(role="admin")
    for path in ["/", "/dashboard", "/profile", "/admin/users", "/teach/"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and " onclick=" not in html, path


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("SABAK_BASE_URL", "https://sabak.example.kg")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "dev")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_production_is_the_default_environment(monkeypatch):
    monkeypatch.delenv("SABAK_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app()


def test_secure_cookies_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "y" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    monkeypatch.setenv("SABAK_BASE_URL", "https://sabak.example.kg")
    config = ProductionConfig()
    config.validate()
    assert config.SESSION_COOKIE_SECURE


def test_connections_are_pinged_only_where_a_server_can_drop_them(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "z" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.db")
    assert ProductionConfig().SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is False
    monkeypatch.setenv("DATABASE_URL", "postgresql://sabak@db.example/sabak")
    config = ProductionConfig()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")
    assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True


def test_sqlite_connections_get_wal_foreign_keys_and_caches(monkeypatch, tmp_path):
    from sqlalchemy import text

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/pragmas.db")
    with app.app_context(), db.engine.connect() as conn:
        pragma = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                  for name in ("journal_mode", "foreign_keys", "synchronous", "cache_size", "mmap_size")}
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1,
                      "cache_size": -32768, "mmap_size": 268435456}


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_api_errors_are_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401
    assert client.get("/api/v1/nothing-here").get_json()["error"]["status"] == 404
