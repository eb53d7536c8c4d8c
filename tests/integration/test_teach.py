"""Instructors: cohorts, joining, the progress matrix, CSV, essays, and who may see what."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app import caching
from app.extensions import db
from app.models.base import utcnow
from app.models import Answer, Attempt, Cohort, CohortMember, Enrolment
from app.services import attempts, cohorts, enrolment
from tests import factories
from tests.conftest import csrf_token_from, statements_run
from tests.factories import question_id as qid

ESSAY_QUIZ = factories.QUIZ.replace(
    "```quiz\n", "```quiz\n// [id:essay-1]\nExplain in your own words why AND narrows a search. {}\n\n")


@pytest.fixture
def course(make_course):
    return make_course(modules={"01-intro.md": factories.LESSON, "02-boolean.md": ESSAY_QUIZ})


def make_cohort(owner, course, name="История, 1 курс") -> Cohort:
    """The cohort committed, as the instructor's form leaves it."""
    cohort = factories.make_cohort(owner, course, name)
    db.session.commit()
    return cohort


def test_instructor_creates_cohort_learner_joins_with_code(client, auth, course, app, signed_in):
    instructor = auth.login(role="instructor")
    page = client.get("/teach/cohorts/new").get_data(as_text=True)
    response = client.post("/teach/cohorts/new", data={
        "name": "Журналистика, 2 курс", "term": "Осень 2026", "institution": "0", "csrf_token": csrf_token_from(page)})
    cohort = db.session.scalar(select(Cohort))
    assert response.status_code == 302 and cohort.name == "Журналистика, 2 курс"
    page = client.get(f"/teach/cohorts/{cohort.id}").get_data(as_text=True)
    assert cohort.join_code in page
    client.post(f"/teach/cohorts/{cohort.id}/courses", data={"course": str(course.id), "csrf_token": csrf_token_from(page)})
    assert [cc.course_id for cc in cohort.courses] == [course.id]

    learner_client = signed_in(role="learner")
    dashboard = learner_client.get("/dashboard").get_data(as_text=True)
    joined = learner_client.post("/cohorts/join", data={"code": cohort.join_code.lower(),
                                                        "csrf_token": csrf_token_from(dashboard)})
    assert joined.status_code == 302
    member = db.session.scalar(select(CohortMember))
    assert member is not None
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == member.user_id)) is not None
    assert "Поиск информации" in learner_client.get("/dashboard").get_data(as_text=True)
    assert instructor.id in [i.user_id for i in cohort.instructors]


def test_the_join_link_asks_before_joining(client, auth, course):
    owner = factories.make_user(role="instructor")
    cohort = make_cohort(owner, course)
    auth.login(role="learner")
    page = client.get(f"/join/{cohort.join_code}")
    assert page.status_code == 200 and "История, 1 курс" in page.get_data(as_text=True)
    assert db.session.scalar(select(CohortMember)) is None  # a GET changes nothing
    assert client.get("/join/NOSUCHCODE").status_code == 404


def test_wrong_and_archived_codes_are_refused(client, auth, course):
    owner = factories.make_user(role="instructor")
    cohort = make_cohort(owner, course)
    cohorts.set_archived(cohort, True)
    db.session.commit()
    auth.login(role="learner")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    client.post("/cohorts/join", data={"code": cohort.join_code, "csrf_token": csrf_token_from(dashboard)})
    client.post("/cohorts/join", data={"code": "WRONG123", "csrf_token": csrf_token_from(dashboard)})
    assert db.session.scalar(select(CohortMember)) is None


def learners_with_attempts(cohort, course, count):
    boolean = [m for m in course.modules if m.slug == "boolean"][0]
    learners = []
    for n in range(count):
        learner = factories.make_user(name=f"Слушатель {n:03d}")
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=learner.id))
        enrolment.enrol(learner, course)
        attempts.submit(learner, boolean, {qid("bool-and"): str(n % 3), qid("bool-tf"): "true",
                                            qid("essay-1"): "Потому что оба слова обязательны."}, f"k{n}")
        learners.append(learner)
    db.session.commit()
    return learners


def test_matrix_csv_and_drill_down(client, auth, course):
    instructor = auth.login(role="instructor")
    cohort = make_cohort(instructor, course)
    learners = learners_with_attempts(cohort, course, 3)
    page = client.get(f"/teach/cohorts/{cohort.id}/courses/{course.slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and all(l.name in html for l in learners)
    by_score = client.get(f"/teach/cohorts/{cohort.id}/courses/{course.slug}?sort=score").get_data(as_text=True)
    assert by_score.index("Слушатель 000") < by_score.index("Слушатель 001")  # AND (right) beats OR
    csv_response = client.get(f"/teach/cohorts/{cohort.id}/courses/{course.slug}/matrix.csv")
    assert csv_response.mimetype == "text/csv"
    raw = csv_response.data
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel needs the BOM to read Cyrillic
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[1][0] == "Слушатель 000"
    detail = client.get(f"/teach/cohorts/{cohort.id}/courses/{course.slug}/learners/{learners[1].id}")
    assert detail.status_code == 200 and "OR" in detail.get_data(as_text=True)


def test_matrix_cells_kept_by_the_worker_follow_the_language(client, auth, course):
    """Each distinct cell is rendered once per worker and language (worker_memo): switching the
    language shows the other language's cells, and switching back the first's."""
    instructor = auth.login(role="instructor")
    cohort = make_cohort(instructor, course)
    learners_with_attempts(cohort, course, 2)
    url = f"/teach/cohorts/{cohort.id}/courses/{course.slug}"

    def cells(html):
        return re.findall(r'<td class="cell-[a-z-]+">(.*?)</td>', html, re.S)

    russian = cells(client.get(url).get_data(as_text=True))
    assert russian and any("попыт" in c for c in russian) and not any("attempt" in c for c in russian)
    client.post("/language", data={"csrf_token": csrf_token_from(client.get(url).get_data(as_text=True)),
                                   "locale": "en", "next": url})
    english = cells(client.get(url).get_data(as_text=True))
    assert len(english) == len(russian) and any("attempt" in c for c in english)
    assert not any("попыт" in c for c in english)
    client.post("/language", data={"csrf_token": csrf_token_from(client.get(url).get_data(as_text=True)),
                                   "locale": "ru", "next": url})
    assert cells(client.get(url).get_data(as_text=True)) == russian


def test_the_matrix_shows_fifty_learners_a_page_and_ranks_and_sums_the_whole_cohort(client, auth, course):
    from app.services import reports

    instructor = auth.login(role="instructor")
    cohort = make_cohort(instructor, course)
    learners = learners_with_attempts(cohort, course, 61)
    gone = db.session.scalar(select(CohortMember).where(CohortMember.user_id == learners[-1].id))
    gone.removed_at = utcnow()  # left the cohort: in no page and no total
    db.session.commit()
    base = f"/teach/cohorts/{cohort.id}/courses/{course.slug}"

    def names(path):
        html = client.get(path).get_data(as_text=True)
        return html, re.findall(r">(Слушатель \d{3})</a>", html)

    first, shown = names(base)
    assert shown == [f"Слушатель {n:03d}" for n in range(50)]
    assert 'rel="next"' in first and 'rel="prev"' not in first and "page=2" in first
    assert "1–50" in first and "60" in first
    second, shown = names(base + "?page=2")
    assert shown == [f"Слушатель {n:03d}" for n in range(50, 60)]
    assert 'rel="prev"' in second and 'rel="next"' not in second and "51–60" in second
    assert names(base + "?page=99")[1] == shown  # past the end: the last page
    assert names(base + "?page=0")[1][0] == "Слушатель 000"
    # Sorted by score, the twenty learners who chose the right answer (n % 3 == 0) lead on page 1.
    _html, by_score = names(base + "?sort=score")
    assert by_score[:20] == [f"Слушатель {n:03d}" for n in range(0, 60, 3)]
    # The totals row counts every learner, whatever the page shows.
    full = reports.progress_matrix(cohort, course)
    paged = reports.progress_matrix(cohort, course, page=2)
    assert len(full.rows) == 60 and len(paged.rows) == 10 and paged.learner_count == 60
    assert [(t.done, t.attempted, t.mean_best) for t in paged.totals] == \
           [(t.done, t.attempted, t.mean_best) for t in full.totals]
    assert full.totals[1].attempted == 60
    assert [r.learner.name for r in paged.rows] == [r.learner.name for r in full.rows[50:]]
    assert [r.cells for r in paged.rows] == [r.cells for r in full.rows[50:]]
    # The CSV is the whole cohort in one file.
    rows = list(csv.reader(io.StringIO(client.get(base + "/matrix.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 61


def test_the_matrix_numbers_in_the_json_api(client, auth, course, app, signed_in):
    instructor = auth.login(role="instructor")
    cohort = make_cohort(instructor, course)
    learners_with_attempts(cohort, course, 3)
    from tests.integration.test_api_schema import assert_conforms

    path = f"/api/v1/teach/cohorts/{cohort.id}/courses/{course.slug}/progress?sort=score"
    response = client.get(path)
    assert_conforms("GET", path, response)
    data = response.get_json()
    page = reports_matrix(cohort, course)
    assert [l["name"] for l in data["learners"]] == [r.learner.name for r in page.rows]
    assert [[c["best_score"] for c in l["cells"]] for l in data["learners"]] == \
           [[c.best_score for c in r.cells] for r in page.rows]
    assert data["totals"][1]["attempted"] == 3
    other = signed_in(role="instructor")
    assert other.get(f"/api/v1/teach/cohorts/{cohort.id}/courses/{course.slug}/progress").status_code == 403
    learner = signed_in(role="learner")
    assert learner.get(f"/api/v1/teach/cohorts/{cohort.id}/courses/{course.slug}/progress").status_code == 403


def reports_matrix(cohort, course):
    from app.services import reports

    return reports.progress_matrix(cohort, course, "score")


def test_essay_grading_updates_the_learners_result(client, auth, course, app):
    instructor = auth.login(role="instructor")
    cohort = make_cohort(instructor, course)
    learner = learners_with_attempts(cohort, course, 1)[0]
    attempt = db.session.scalar(select(Attempt))
    assert attempt.is_pending and attempt.score == pytest.approx(200 / 3, abs=0.01)  # 2 of 3, essay waits
    queue = client.get("/teach/grading").get_data(as_text=True)
    essay = db.session.scalar(select(Answer).where(Answer.status == "pending"))
    assert f"/teach/grading/{essay.id}" in queue
    form = client.get(f"/teach/grading/{essay.id}").get_data(as_text=True)
    assert "Потому что оба слова обязательны." in form
    client.post(f"/teach/grading/{essay.id}", data={"score": "50", "comment": "Хорошо, но добавьте пример.",
                                                     "csrf_token": csrf_token_from(form)})
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert not attempt.is_pending and attempt.score == pytest.approx(250 / 3, abs=0.01)
    learner_client = app.test_client()
    type(auth)(learner_client).login(learner.email)
    result = learner_client.get(f"/courses/{course.slug}/boolean/attempts/1").get_data(as_text=True)
    assert "Хорошо, но добавьте пример." in result
    assert "/teach/grading/" not in client.get("/teach/grading").get_data(as_text=True)


def test_instructors_outside_the_cohort_are_refused(client, auth, course):
    owner = factories.make_user(role="instructor")
    cohort = make_cohort(owner, course)
    learner = learners_with_attempts(cohort, course, 1)[0]
    essay = db.session.scalar(select(Answer).where(Answer.status == "pending"))
    auth.login(role="instructor")
    token = csrf_token_from(client.get("/teach/").get_data(as_text=True))
    base = f"/teach/cohorts/{cohort.id}"
    for path in [base, f"{base}/courses/{course.slug}", f"{base}/courses/{course.slug}/matrix.csv",
                 f"{base}/courses/{course.slug}/learners/{learner.id}", f"/teach/grading/{essay.id}",
                 f"{base}/courses/{course.slug}/items", f"{base}/courses/{course.slug}/gain"]:
        assert client.get(path).status_code in (403, 404), path
    for path in [f"{base}/archive", f"{base}/code", f"{base}/courses", f"{base}/instructors",
                 f"{base}/members/{learner.id}/remove", f"{base}/courses/{course.id}/remove",
                 f"/teach/grading/{essay.id}"]:
        assert client.post(path, data={"csrf_token": token, "score": "100"}).status_code in (403, 404), path
    assert "История" not in client.get("/teach/").get_data(as_text=True)
    db.session.refresh(cohort)
    assert cohort.archived_at is None and essay.status == "pending"


def test_a_co_instructor_gets_access(client, auth, course):
    owner = auth.login(role="instructor")
    cohort = make_cohort(owner, course)
    colleague = factories.make_user(role="instructor", email="colleague@example.kg")
    db.session.commit()
    page = client.get(f"/teach/cohorts/{cohort.id}").get_data(as_text=True)
    client.post(f"/teach/cohorts/{cohort.id}/instructors", data={"email": "Colleague@example.kg",
                                                                  "csrf_token": csrf_token_from(page)})
    assert cohorts.cohort_for(colleague, cohort.id) is cohort


def count_queries(app, func):
    with statements_run() as statements:
        func()
    return len(statements)


def test_report_queries_do_not_grow_with_the_cohort(client, auth, course, app):
    instructor = auth.login(role="instructor")
    small = make_cohort(instructor, course, "Small")
    large = make_cohort(instructor, course, "Large")
    learners_with_attempts(small, course, 10)
    learners_with_attempts(large, course, 200)
    warm = make_cohort(instructor, course, "Warm-up")
    for suffix in ["", "/matrix.csv", "/items", "/gain"]:  # fills the worker's curriculum copy
        client.get(f"/teach/cohorts/{warm.id}/courses/{course.slug}{suffix}")
    for kept in (False, True):  # the reports built, then (the matrices) kept by the worker
        counts = {}
        for cohort in (small, large):
            for suffix in ["", "/matrix.csv", "/items", "/gain"]:
                path = f"/teach/cohorts/{cohort.id}/courses/{course.slug}{suffix}"
                db.session.expire_all()
                n = count_queries(app, lambda: client.get(path))
                counts.setdefault(suffix, []).append(n)
        for suffix, (n_small, n_large) in counts.items():
            assert n_small == n_large, (kept, suffix, counts)


def test_a_kept_matrix_is_served_until_a_member_their_progress_or_the_course_changes(client, auth, course, app):
    """The report is kept per worker under its members' learning revisions (app.caching.kept_while): a
    reload reads only the members; any change to what it shows is in the next view, whoever
    made it, plain SQL included."""
    from sqlalchemy import text

    from app.models import Module
    from app.services import reports

    instructor = auth.login(role="instructor")
    cohort = make_cohort(instructor, course)
    learners = learners_with_attempts(cohort, course, 3)
    path = f"/teach/cohorts/{cohort.id}/courses/{course.slug}"

    def fresh():
        return reports._matrix_parts.uncached(reports.cohort_stamp(cohort.id), cohort.id, course.id, "score", None,
                                              reports.MATRIX_PAGE_SIZE)

    def shown():
        m = reports_matrix(cohort, course)
        return m.rows, m.totals, m.learner_count, m.completed

    assert shown() == fresh()[:4]
    with app.test_request_context(path):  # a GET: only GETs keep or serve (app.caching)
        kept = reports_matrix(cohort, course).rows
        assert reports_matrix(cohort, course).rows is kept  # nothing changed: the same kept rows
    assert reports_matrix(cohort, course).rows is not kept  # outside a request: built afresh
    client.get(path)
    with statements_run() as reload:
        assert client.get(path).status_code == 200

    assert "12,5" not in client.get(path).get_data(as_text=True)
    db.session.execute(text("UPDATE module_progress SET best_score = 12.5 WHERE user_id = :u"), {"u": learners[0].id})
    db.session.commit()
    assert shown() == fresh()[:4]
    assert 12.5 in [c.best_score for row in reports_matrix(cohort, course).rows for c in row.cells]
    with statements_run() as after_change:
        assert "12,5" in client.get(path).get_data(as_text=True)  # Russian decimals
    # The kept report shows only as work not done: the count is the point, not which statements.
    assert len(reload) < len(after_change), "the kept report was not used"

    learners[1].name = "Переименованный слушатель"
    db.session.commit()
    assert "Переименованный слушатель" in client.get(path).get_data(as_text=True)

    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == learners[2].id))
    member.removed_at = utcnow()
    db.session.commit()
    assert reports_matrix(cohort, course).learner_count == 2 and shown() == fresh()[:4]

    module = db.session.scalar(select(Module).where(Module.slug == "boolean"))
    module.title = "Новое название модуля"
    db.session.commit()
    assert "Новое название модуля" in [m.title for m in reports_matrix(cohort, course).modules]
    served = client.get(path).get_data(as_text=True)
    assert "Новое название модуля" in served
    cohort.name = "Переименованная группа"  # shown around the report, in the page kept for all
    db.session.commit()
    served = client.get(path).get_data(as_text=True)
    assert "Переименованная группа" in served
    caching.forget_all()
    assert client.get(path).get_data(as_text=True) == served  # exactly as a fresh render


def test_the_reports_access_check_answers_as_the_other_teach_pages(client, auth, course, make_course, signed_in):
    """The matrix and its CSV check access in one statement (cohorts.cohort_row_for): the same
    403 and 404, in the same order, as the pages that load the cohort (the question analysis)."""
    make_course("other-course")
    mine = make_cohort(auth.login(role="instructor"), course)
    theirs = make_cohort(factories.make_user(role="instructor"), course, "Чужая группа")
    cases = {
        (mine.id, course.slug): 200, (mine.id, "other-course"): 404, (mine.id, "no-such-course"): 404,
        (theirs.id, course.slug): 403, (theirs.id, "no-such-course"): 403, (999999, course.slug): 404,
    }
    for (cohort_id, slug), status in cases.items():
        for suffix in ("", "/matrix.csv", "/items"):
            path = f"/teach/cohorts/{cohort_id}/courses/{slug}{suffix}"
            assert client.get(path).status_code == status, path
    admin = signed_in(role="admin")
    assert admin.get(f"/teach/cohorts/{theirs.id}/courses/{course.slug}").status_code == 200
