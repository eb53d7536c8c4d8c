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

    def login(self, email: str | None = None, password: str = factories.PASSWORD, role: str | None = None,
              remember: bool = False):
        """Sign in as ``email``, or as a new user of ``role``; returns the user."""
        if role is not None:
            user = factories.make_user(role=role)
            db.session.commit()
            email = user.email
        data = {"email": email, "password": password, "csrf_token": self.csrf()}
        if remember:
            data["remember"] = "y"
        response = self.client.post("/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return factories.find_user(email)

    def logout(self):
        token = self.csrf("/logout") if self.client.get("/logout").status_code == 200 else ""
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def signed_in(app):
    """Builder: another browser (a new test client) signed in through the login form, as ``user``
    or as a new user of ``role``: ``other = signed_in(role="learner")``."""

    def sign_in(user=None, *, role: str | None = None, password: str = factories.PASSWORD,
                remember: bool = False):
        browser = app.test_client()
        Auth(browser).login(user.email if user is not None else None, password, role=role, remember=remember)
        return browser

    return sign_in


@pytest.fixture
def make_course(app, tmp_path):
    """Builder: write a course folder under the test's tmp dir, sync it, return its ``Course``.
    Arguments as ``factories.write_course``'s: ``make_course(modules={"01-intro.md": LESSON})``,
    ``make_course("lib-course", manifest=LIBRARIAN_MANIFEST)``."""

    def make(slug: str = "sample-course", **write):
        return factories.make_course(tmp_path / "courses", slug, **write)

    return make


@pytest.fixture
def course(make_course):
    """The sample course (a lesson and a two-question quiz), synced. A module that needs another
    course defines its own ``course`` fixture in one line with ``make_course``."""
    return make_course()


@pytest.fixture
def librarian_course(keyed_app, make_course):
    """A one-lesson course for librarians, 8 hours towards the librarian-ce track (which exists):
    completing it issues a signed certificate and credits the hours."""
    course = make_course("lib-course", manifest=factories.LIBRARIAN_MANIFEST, modules={"01-intro.md": factories.LESSON})
    factories.make_librarian_track()
    db.session.commit()
    return course


@pytest.fixture
def keyed_app(app):
    """The app signing credentials with a fresh key, under https://sabak.example.kg."""
    factories.give_signing_key(app)
    return app


@pytest.fixture
def post_form(client):
    """POST a form the way a browser does: first GET the page for its CSRF token."""

    def post(path: str, data: dict, token_page: str | None = None, **kwargs):
        token = csrf_token_from(client.get(token_page or path).get_data(as_text=True))
        return client.post(path, data={**data, "csrf_token": token}, **kwargs)

    return post
