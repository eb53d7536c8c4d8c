"""Each worker's copy of the curriculum follows the database: a sync is seen by every worker at once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import select, text, update

from app.extensions import db
from app import caching
from app.models import Course, Module, Question, Revision
from app.services import curriculum
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
    assert revision() > first


def test_the_module_page_shows_a_resynced_text_in_the_same_worker(app, client, tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    assert NEW_TEXT not in client.get("/courses/sample-course/intro").get_data(as_text=True)
    kept = app.extensions["sabak_kept"]["curriculum"]
    edit_lesson(folder)
    sync(folder)
    page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert NEW_TEXT in page
    assert app.extensions["sabak_kept"]["curriculum"] is not kept


def test_a_retired_course_disappears_from_the_copy(app, client, tmp_path):
    folder = factories.write_course(tmp_path)
    sync(folder)
    assert client.get("/courses/sample-course/intro").status_code == 200
    sync_all([], commit=db.session.commit, rollback=db.session.rollback, retire_missing=True)
    assert db.session.scalar(select(Course.retired_at).where(Course.slug == "sample-course")) is not None
    assert client.get("/courses/sample-course/intro").status_code == 404


def test_a_request_that_writes_keeps_nothing_it_read_after_its_write(app, client, tmp_path):
    """A write bumps the revision inside its transaction at once (the trigger), so a request that
    is not a GET and reads the curriculum after writing it keeps nothing: what it read may still
    be rolled back."""
    folder = factories.write_course(tmp_path)
    sync(folder)
    client.get("/courses/sample-course/intro")
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "boolean"))
    before = revision()
    with app.test_request_context("/anything", method="POST"):
        caching.curriculum_revision()  # read at the start of the request, as the user's row does
        module = db.session.get(Module, module_id)
        module.body_html = "<p>never committed</p>"
        db.session.flush()
        assert revision() > before
        assert curriculum.module(module_id).body_html == "<p>never committed</p>"
        kept = app.extensions["sabak_kept"]["curriculum"].stores
        assert all(module_id not in {k[0] for k in store} for name, store in kept.items() if name.endswith(".module"))
        db.session.rollback()
    g.__dict__.clear()
    assert revision() == before
    assert "never committed" not in client.get("/courses/sample-course/boolean").get_data(as_text=True)


def _set_title(kind: str, table: str, value: str, where_id: int) -> None:
    """Change a row's title (a question's ident) by the ORM, a Core UPDATE or raw SQL, and commit."""
    column = "ident" if table == "quiz_questions" else "title"
    model = {"courses": Course, "course_modules": Module, "quiz_questions": Question}[table]
    if kind == "orm":
        setattr(db.session.get(model, where_id), column, value)
    elif kind == "core":
        db.session.execute(update(model.__table__).where(model.__table__.c.id == where_id).values({column: value}))
    else:
        db.session.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"), {"value": value, "id": where_id})
    db.session.commit()


@pytest.mark.parametrize("table", ["courses", "course_modules", "quiz_questions"])
@pytest.mark.parametrize("kind", ["orm", "core", "sql"])
def test_every_kind_of_write_to_every_curriculum_table_is_seen_at_once(app, client, tmp_path, table, kind):
    """The triggers bump the revision whatever wrote the row: the ORM, a Core statement, raw SQL."""
    sync(factories.write_course(tmp_path))
    ids = {"courses": db.session.scalar(select(Course.id)),
           "course_modules": db.session.scalar(select(Module.id).where(Module.slug == "boolean")),
           "quiz_questions": db.session.scalar(select(Question.id).where(Question.module_id == Module.id,
                                                                         Module.slug == "boolean"))}
    read = {"courses": lambda: curriculum.course("sample-course").title,
            "course_modules": lambda: next(m.title for m in curriculum.outline(ids["courses"]) if m.slug == "boolean"),
            "quiz_questions": lambda: curriculum.questions(ids["course_modules"])[0].ident}[table]

    def seen() -> str:
        with app.test_request_context("/"):
            try:
                return read()
            finally:
                g.__dict__.clear()

    seen()  # kept
    before = revision()
    _set_title(kind, table, f"Новое имя ({kind})", ids[table])
    assert revision() > before
    assert seen() == f"Новое имя ({kind})"
    assert client.get("/courses/sample-course/boolean").status_code == 200


@pytest.mark.parametrize("table", ["courses", "course_modules", "quiz_questions"])
def test_inserts_and_deletes_bump_the_revision_too(app, tmp_path, table):
    sync(factories.write_course(tmp_path))
    before = revision()
    row = db.session.execute(text(f"SELECT * FROM {table} ORDER BY id DESC LIMIT 1")).mappings().one()
    db.session.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": row["id"]})
    assert revision() > before
    after_delete = revision()
    values = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in row.items()}
    db.session.execute(text(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"),
                       values)
    assert revision() > after_delete
    db.session.rollback()
    assert revision() == before


def test_a_statement_that_changes_no_row_bumps_nothing(app, tmp_path):
    sync(factories.write_course(tmp_path))
    before = revision()
    db.session.execute(text("UPDATE courses SET title = 'x' WHERE id = -1"))
    db.session.commit()
    assert revision() == before


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
    """The main menu is rendered once per endpoint, role and language (kept_static)."""
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


def test_a_kept_page_refuses_an_own_piece_holding_a_form(app, client, tmp_path):
    """A form's CSRF token is a slot of its own; inside a reader's own piece it would be kept
    with the piece for the next reader. Rendering such a page for keeping fails loudly."""
    from flask import render_template_string

    from app.caching import kept_page

    with app.test_request_context("/courses"):
        def render():
            return render_template_string('<main>{{ own("mine") }}</main>')

        with pytest.raises(ValueError, match="holds a form"):
            kept_page(("test",), render, own={"mine": lambda: render_template_string(
                '<form><input name="csrf_token" value="{{ csrf_token() }}"></form>')})
        g.__dict__.clear()


def test_an_enrolled_reader_gets_the_kept_catalog_without_a_render(app, client, auth, tmp_path):
    """The catalog is rendered once; a reader enrolled in one of its courses then gets the kept page
    with their own card swapped in, though no visitor has seen that course's card yet."""
    from flask import template_rendered

    from app.services import enrolment

    sync(factories.write_course(tmp_path))
    sync(factories.write_course(tmp_path, "other-course"))
    learner = auth.login(role="learner")
    enrolment.enrol(learner, db.session.scalar(select(Course).where(Course.slug == "sample-course")))
    db.session.commit()
    client.get("/courses")  # the welcome message: rendered for this request alone
    first = client.get("/courses").get_data(as_text=True)  # rendered, and kept
    rendered: list[str] = []

    def note(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(note, app)
    try:
        again = client.get("/courses").get_data(as_text=True)
    finally:
        template_rendered.disconnect(note, app)
    assert "learn/catalog.html" not in rendered
    assert again.replace(csrf_token_of(again), "T") == first.replace(csrf_token_of(first), "T")
    assert "/courses/sample-course" in again and "/courses/other-course" in again


def csrf_token_of(html: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(html)
