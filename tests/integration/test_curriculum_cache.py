"""Each worker's copy of the curriculum follows the database: a sync is seen by every worker at once."""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Course, Module, Revision
from app.services import curriculum_cache
from app.services.sync import sync_all
from tests import factories
from tests.conftest import ROOT, statements_run
from tests.servers import gunicorn_servers

NEW_TEXT = "Новый абзац после правки файла."


def sync(folder: Path):
    report = sync_all([folder], commit=db.session.commit, rollback=db.session.rollback)
    assert report.ok, report
    return report


def revision() -> int:
    return db.session.scalar(select(Revision.value).where(Revision.name == "curriculum")) or 0


def edit_lesson(folder: Path) -> None:
    lesson = next(folder.glob("01-*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + f"\n{NEW_TEXT}\n", encoding="utf-8")


def test_a_sync_that_changes_a_course_bumps_the_revision_and_an_unchanged_one_does_not(app, tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    first = revision()
    assert first >= 1
    sync(folder)
    assert revision() == first
    edit_lesson(folder)
    sync(folder)
    assert revision() == first + 1  # once per transaction, however many rows it changed


def test_the_module_page_shows_a_resynced_text_in_the_same_worker(app, client, tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    assert NEW_TEXT not in client.get("/courses/sample-course/intro").get_data(as_text=True)
    kept = app.extensions["sabak_curriculum"]["copy"]
    edit_lesson(folder)
    sync(folder)
    page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert NEW_TEXT in page
    assert app.extensions["sabak_curriculum"]["copy"] is not kept


def test_a_retired_course_disappears_from_the_copy(app, client, tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    assert client.get("/courses/sample-course/intro").status_code == 200
    sync_all([], commit=db.session.commit, rollback=db.session.rollback, retire_missing=True)
    assert db.session.scalar(select(Course.retired_at).where(Course.slug == "sample-course")) is not None
    assert client.get("/courses/sample-course/intro").status_code == 404


def test_a_rolled_back_change_leaves_no_copy_behind(app, client, tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    client.get("/courses/sample-course/intro")
    before = revision()
    module = db.session.scalar(select(Module).where(Module.slug == "intro"))
    module.body_html = "<p>never committed</p>"
    db.session.flush()  # bumps the revision inside this transaction
    assert revision() == before + 1
    inside = curriculum_cache.current()
    assert inside.module(module.id).body_html == "<p>never committed</p>"
    assert app.extensions["sabak_curriculum"]["copy"] is not inside  # not kept for other requests
    db.session.rollback()
    assert revision() == before
    assert "never committed" not in client.get("/courses/sample-course/intro").get_data(as_text=True)


def test_direct_edits_to_curriculum_rows_are_seen_too(app, client, tmp_path):
    """Not only the sync: any ORM write to a course, module or question bumps the revision."""
    folder = factories.write_course(tmp_path)
    sync(folder)
    assert "Правленый заголовок" not in client.get("/courses/sample-course/intro").get_data(as_text=True)
    course = db.session.scalar(select(Course).where(Course.slug == "sample-course"))
    course.title = "Правленый заголовок"
    db.session.commit()
    assert "Правленый заголовок" in client.get("/courses/sample-course/intro").get_data(as_text=True)


def test_a_signed_in_reader_gets_the_revision_with_their_own_row_and_sees_a_resync(app, client, auth, tmp_path):
    """Signed in, the revision comes with the user's row (accounts.load_user_from_cookie_id):
    no statement of its own, and still the resynced text on the next request."""
    folder = factories.write_course(tmp_path)
    sync(folder)
    auth.login(factories.make_user(email="reader@example.kg").email)
    assert NEW_TEXT not in client.get("/courses/sample-course/intro").get_data(as_text=True)
    edit_lesson(folder)
    sync(folder)
    with statements_run() as statements:
        page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert NEW_TEXT in page
    assert any("FROM users" in s and "revisions" in s for s in statements)
    assert not any(s.lstrip().startswith("SELECT revisions.value") for s in statements)


def test_a_request_that_changes_the_curriculum_forgets_the_revision_it_read_with_the_user(app, tmp_path):
    from app.services.accounts import load_user_from_cookie_id, start_session

    sync(factories.write_course(tmp_path))
    user = factories.make_user(email="editor@example.kg")
    cookie_id = start_session(user).get_id()
    db.session.commit()
    before = revision()
    with app.test_request_context():
        assert load_user_from_cookie_id(cookie_id) is not None  # notes `before`
        course = db.session.scalar(select(Course).where(Course.slug == "sample-course"))
        course.title = "Правленый заголовок"
        db.session.commit()  # bumps the revision
        copy = curriculum_cache.current()
        assert copy.revision == before + 1
        assert copy.course("sample-course").title == "Правленый заголовок"


@pytest.fixture
def two_servers(app, tmp_path):
    """Two gunicorn servers over the one database, as on two hosts: each a single long-lived
    worker (no --max-requests), which keeps its copy of the curriculum between requests."""
    folder = factories.write_course(tmp_path / "courses")
    sync(folder)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with gunicorn_servers(url, count=2) as bases:
        yield bases, folder, dict(os.environ, SABAK_ENV="testing", DATABASE_URL=url)


def _page(base: str) -> tuple[str, str]:
    """The sample lesson as one server shows it, and the process that answered."""
    with urllib.request.urlopen(base + "/courses/sample-course/intro", timeout=30) as r:
        text = r.read().decode()
    with urllib.request.urlopen(base + "/healthz", timeout=30) as r:
        return r.headers.get("X-Sabak-Worker"), text


def test_every_server_sees_a_sync_run_by_another_process(two_servers):
    bases, folder, env = two_servers
    before = [_page(base) for base in bases for _ in range(3)]
    assert all(NEW_TEXT not in text for _, text in before)  # each server has read (and kept) the course
    edit_lesson(folder)
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run([str(flask), "--app", "wsgi", "courses", "sync", str(folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    after = [_page(base) for base in bases for _ in range(3)]
    assert all(NEW_TEXT in text for _, text in after)
    # The same two processes answered before and after: they dropped their copies, no restart.
    assert {worker for worker, _ in after} == {worker for worker, _ in before} and len({w for w, _ in after}) == 2

def _card(html: str, slug: str) -> str:
    start = html.index(f'href="/courses/{slug}"')
    return html[start:html.index("</li>", start)]


def test_kept_catalog_cards_show_each_reader_their_own_status_and_language(app, client, tmp_path):
    from app.services import enrolment
    from tests.conftest import Auth

    sync(factories.write_course(tmp_path))
    course = db.session.scalar(select(Course).where(Course.slug == "sample-course"))
    enrolled = factories.make_user(email="enrolled@example.kg", locale="en")
    factories.make_user(email="browsing@example.kg", locale="en")
    enrolment.enrol(enrolled, course)
    db.session.commit()
    auth = Auth(client)
    auth.login("enrolled@example.kg")
    mine = _card(client.get("/courses").get_data(as_text=True), "sample-course")
    assert "Enrolled: 0 of 2 done" in mine and "2 modules" in mine
    auth.logout()
    auth.login("browsing@example.kg")
    theirs = _card(client.get("/courses").get_data(as_text=True), "sample-course")
    assert "Enrolled" not in theirs and "2 modules" in theirs
    stranger = app.test_client()  # a new browser: no session, Russian from Accept-Language
    russian = _card(stranger.get("/courses", headers={"Accept-Language": "ru"}).get_data(as_text=True), "sample-course")
    assert "2 модуля" in russian and "2 modules" not in russian


def test_the_kept_menu_follows_the_page_the_role_and_the_language(app, client):
    """The main menu is rendered once per endpoint, role and language (static_fragment)."""
    from tests.conftest import Auth

    def menu(path: str, **kwargs) -> str:
        html = client.get(path, **kwargs).get_data(as_text=True)
        return html[html.index('<ul class="nav">'):html.index("</ul>", html.index('<ul class="nav">'))]

    anonymous = menu("/courses", headers={"Accept-Language": "en"})
    assert 'href="/courses" aria-current="page"' in anonymous and "Log in" in anonymous
    assert "Войти" in menu("/courses", headers={"Accept-Language": "ru"})
    auth = Auth(client)
    auth.login(factories.make_user(email="learner@example.kg", locale="en").email)
    assert 'href="/courses" aria-current="page"' in menu("/courses")
    learner_dashboard = menu("/dashboard")
    assert 'href="/dashboard" aria-current="page"' in learner_dashboard and 'href="/courses" aria-current' not in learner_dashboard
    assert "Teaching" not in learner_dashboard and "Log out" in learner_dashboard
    auth.logout()
    auth.login(factories.make_user(role="instructor", email="teacher@example.kg", locale="en").email)
    assert "Teaching" in menu("/dashboard")
