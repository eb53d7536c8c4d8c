"""One access rule for teaching (cohorts.teaches), asked by every page, report, queue and the API,
and the ledger's rule that an approval brings the certificates its hours reach (ledger.review)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Certificate, Course, Question, Track
from app.models.people import Role
from app.services import attempts, certificates, cohorts, ledger
from app.services.sync import sync_all
from tests import factories
from tests.conftest import Auth

ESSAY_QUIZ = factories.QUIZ.replace(
    "```quiz\n", "```quiz\n// [id:essay-1]\nExplain in your own words why AND narrows a search. {}\n\n")
ENTRY_TITLE = "Семинар о правилах доступа"


@pytest.mark.parametrize("role, listed, teaches", [
    (Role.ADMIN, False, True),  # an admin teaches every cohort
    (Role.ADMIN, True, True),
    (Role.INSTRUCTOR, True, True),
    (Role.INSTRUCTOR, False, False),
    (Role.COORDINATOR, False, False),  # a coordinator is not an instructor
    (Role.COORDINATOR, True, False),  # ... even if listed (say, a role changed since)
    (Role.LEARNER, False, False),
    (Role.LEARNER, True, False),
])
def test_who_teaches_a_cohort(role, listed, teaches):
    class Person:
        pass

    person = Person()
    person.role = role
    assert cohorts.teaches(person, listed=listed) is teaches


@pytest.fixture
def world(app, tmp_path):
    folder = factories.write_course(tmp_path / "a", modules={"01-intro.md": factories.LESSON, "02-boolean.md": ESSAY_QUIZ})
    other = factories.write_course(tmp_path / "b", "other-course")
    assert sync_all([folder, other], commit=db.session.commit, rollback=db.session.rollback).ok
    course = db.session.scalar(select(Course).where(Course.slug == "sample-course"))
    owner = factories.make_user(role="instructor")
    colleague = factories.make_user(role="instructor")
    cohort = cohorts.create_cohort(owner, name="Группа по правилам", term=None, institution_id=None)
    cohorts.assign_course(cohort, course.id)
    cohorts.add_instructor(cohort, colleague.email)
    theirs = cohorts.create_cohort(factories.make_user(role="instructor"), name="Чужая", term=None, institution_id=None)
    cohorts.assign_course(theirs, course.id)
    learner = factories.make_user()
    db.session.commit()
    cohorts.join(learner, cohort.join_code)
    quiz = next(m for m in course.modules if m.slug == "boolean")
    ids = {q.ident: q.id for q in db.session.scalars(select(Question).where(Question.module_id == quiz.id))}
    attempts.submit(learner, quiz, {ids["essay-1"]: "Оба слова.", ids["bool-and"]: "0"}, "rule-essay")
    ledger.record_external(learner, title=ENTRY_TITLE, provider="Библиотека", activity_date=date(2026, 1, 15),
                           hours=3, track=None)
    db.session.commit()
    people = {"owner": owner, "colleague": colleague, "outsider": factories.make_user(role="instructor"),
              "admin": factories.make_user(role="admin"), "coordinator": factories.make_user(role="coordinator"),
              "learner": factories.make_user()}
    db.session.commit()
    essay = db.session.scalar(select(Answer).where(Answer.status == "pending"))
    return {"course": course, "cohort": cohort, "theirs": theirs, "learner": learner, "people": people,
            "essay": essay.id}


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "admin", "coordinator", "learner"])
def test_every_teaching_surface_answers_by_the_one_rule(app, world, who):
    person, cohort, course = world["people"][who], world["cohort"], world["course"]
    allowed = cohorts.teaches(person, listed=who in ("owner", "colleague"))
    assert allowed is (who in ("owner", "colleague", "admin"))
    client = app.test_client()
    Auth(client).login(person.email)
    base = f"/teach/cohorts/{cohort.id}"
    pages = [base, f"{base}/courses/{course.slug}", f"{base}/courses/{course.slug}/matrix.csv",
             f"{base}/courses/{course.slug}/items", f"{base}/courses/{course.slug}/gain",
             f"{base}/courses/{course.slug}/learners/{world['learner'].id}",
             f"/api/v1/teach/cohorts/{cohort.id}/courses/{course.slug}/progress"]
    for path in pages:
        assert client.get(path).status_code == (200 if allowed else 403), path
    # The queues list the learner's essay and external entry exactly for those who teach them.
    if who in ("coordinator", "learner"):
        assert client.get("/teach/grading").status_code == 403 and client.get("/teach/ledger").status_code == 403
    else:
        assert (f"/teach/grading/{world['essay']}" in client.get("/teach/grading").get_data(as_text=True)) is allowed
        assert client.get(f"/teach/grading/{world['essay']}").status_code == (200 if allowed else 403)
        assert (ENTRY_TITLE in client.get("/teach/ledger").get_data(as_text=True)) is allowed


def test_the_api_matrix_refuses_as_the_page_does(client, world):
    """The JSON matrix goes through the page's check (cohorts.cohort_row_for): the same 403 and
    404, in the same order; a course the cohort does not run is named as such."""
    mine, theirs, course = world["cohort"], world["theirs"], world["course"]
    Auth(client).login(world["people"]["owner"].email)
    cases = {
        (mine.id, course.slug): 200, (mine.id, "other-course"): 404, (mine.id, "no-such-course"): 404,
        (theirs.id, course.slug): 403, (theirs.id, "no-such-course"): 403, (999999, course.slug): 404,
    }
    no_course = client.get("/api/v1/courses/no-such-course").get_json()["error"]["message"]
    for (cohort_id, slug), status in cases.items():
        page = client.get(f"/teach/cohorts/{cohort_id}/courses/{slug}")
        api = client.get(f"/api/v1/teach/cohorts/{cohort_id}/courses/{slug}/progress")
        assert (page.status_code, api.status_code) == (status, status), (cohort_id, slug)
        if status == 404 and cohort_id == mine.id:
            # The message the API gives for a course that does not exist, in the reader's language.
            assert api.get_json()["error"]["message"] == no_course


@pytest.fixture
def track(app):
    db.session.add(Track(slug="librarian-ce", title={"ru": "Повышение квалификации", "en": "Librarian CE"},
                         summary={}, content_hash="x",
                         levels=[{"id": "basic", "title": {"ru": "Базовый", "en": "Basic"}, "hours": 10}]))
    db.session.commit()


@pytest.mark.parametrize("approve", [True, False])
def test_approving_an_entry_brings_the_level_its_hours_reach(app, track, approve):
    """The rule lives in the service: whoever approves (a page, a command, a test) issues the
    level certificate, and a rejection issues nothing."""
    learner, admin = factories.make_user(), factories.make_user(role="admin")
    entry = ledger.record_external(learner, title="Курс в другой библиотеке", provider="НБ КР",
                                   activity_date=date(2026, 2, 1), hours=12, track="librarian-ce")
    db.session.commit()
    reviewed = certificates.review_entry(admin, entry.id, approve=approve, reason="" if approve else "Нет программы.")
    db.session.commit()
    levels = db.session.scalars(select(Certificate).where(Certificate.user_id == learner.id,
                                                          Certificate.kind == "track-level")).all()
    assert reviewed.status == ("approved" if approve else "rejected")
    assert [c.level for c in levels] == (["basic"] if approve else [])
