"""Shared fixtures: a fresh real database per test, the app, its client and CLI runner.

The database is a SQLite file in the test's tmp dir, or the PostgreSQL named by
TEST_DATABASE_URL (tests/run_suite.sh starts a throw-away cluster for that).
"""
from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g, request_started
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def database_url(tmp_path: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


def _fresh_g(sender, **extra) -> None:
    # The fixture keeps one app context open so tests can use the database directly; Flask then
    # reuses it for every test request, and `g` (Flask-WTF's cached CSRF token, the login-failure
    # flag) would leak from one request to the next. A real server starts each request clean.
    g.__dict__.clear()


@pytest.fixture
def app(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url(tmp_path))
    request_started.connect(_fresh_g, app)
    with app.app_context():
        reset_database()  # PostgreSQL is shared between tests: start from nothing
        db.create_all()
        yield app
        db.session.remove()
        reset_database()
        db.engine.dispose()


def reset_database() -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextmanager
def statements_run():
    """The SQL statements sent to the database while the block runs, as a list filled in."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    """Log a test client in and out through the real forms (with real CSRF tokens)."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        return csrf_token_from(self.client.get(path).get_data(as_text=True))

    def login(self, email: str | None = None, password: str = factories.PASSWORD, role: str | None = None):
        if role is not None:
            user = factories.make_user(role=role)
            db.session.commit()
            email = user.email
        response = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": self.csrf()}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return factories.find_user(email)

    def logout(self):
        token = self.csrf("/logout") if self.client.get("/logout").status_code == 200 else ""
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def post_form(client):
    """POST a form the way a browser does: first GET the page for its CSRF token."""

    def post(path: str, data: dict, token_page: str | None = None, **kwargs):
        token = csrf_token_from(client.get(token_page or path).get_data(as_text=True))
        return client.post(path, data={**data, "csrf_token": token}, **kwargs)

    return post
