"""The coordinators' report: figures by institution and region, checked on a small fixed data set."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Course, Question, Region
from app.services import attempts, coordinator, enrolment, progress
from app.services.sync import sync_all
from tests import factories
from tests.conftest import csrf_token_from

PRE = """---
title: Входной тест
kind: pretest
quiz:
  pass_mark: 0
  attempts: 1
---
# Входной тест

```quiz
// [id:pre-1]
2 + 2 = 4. {TRUE}

// [id:pre-2]
2 + 3 = 6. {FALSE}
```
"""
POST = PRE.replace("Входной тест", "Итоговый тест").replace("pretest", "posttest").replace("pre-", "post-")


@pytest.fixture
def course(app, tmp_path):
    manifest = factories.SAMPLE_MANIFEST.replace("hours: 2", "hours: 5")
    folder = factories.write_course(tmp_path, modules={"01-pre.md": PRE, "02-post.md": POST}, manifest=manifest)
    assert sync_all([folder], commit=db.session.commit, rollback=db.session.rollback).ok
    return db.session.scalar(select(Course))


def take(user, module, answers: list[str], key: str):
    questions = attempts.active_questions(module)
    attempts.submit_attempt(user, module, {q.id: a for q, a in zip(questions, answers)}, key)


def test_figures_by_institution_and_region(course, client, auth):
    knu = factories.make_institution("KNU", Region.BISHKEK)
    oshsu = factories.make_institution("OshSU", Region.OSH_CITY)
    pre, post = course.modules
    # Both tests ask "2 + 2 = 4" (TRUE) and "2 + 3 = 6" (FALSE), so answers ["true", "false"] are
    # both right. KNU: learner A answers pre ["true", "true"] = 50%, post ["true", "false"] = 100%,
    # g = (100 - 50) / (100 - 50) = 1.0; learner B pre ["false", "true"] = 0%, post ["true", "true"]
    # = 50%, g = (50 - 0) / (100 - 0) = 0.5. Both pass both modules (the posttest copies the
    # pretest's pass_mark of 0), so both complete: 2 x 5 h = 10 h.
    # OshSU: learner C only enrols (no tests), learner D has no enrolment at all.
    a = factories.make_user(institution=knu)
    b = factories.make_user(institution=knu)
    c = factories.make_user(institution=oshsu)
    factories.make_user(institution=oshsu)
    for user, before, after in ((a, ["true", "true"], ["true", "false"]), (b, ["false", "true"], ["true", "true"])):
        enrolment.enrol(user, course)
        take(user, pre, before, f"pre-{user.id}")
        take(user, post, after, f"post-{user.id}")
    enrolment.enrol(c, course)
    db.session.commit()
    report = coordinator.coordinator_report(coordinator.Filters())
    rows = {r.key: r for r in report.institutions}
    knu_row, osh_row = rows["KNU"], rows["OshSU"]
    assert (knu_row.learners, knu_row.enrolments, knu_row.completions, knu_row.hours) == (2, 2, 2, 10.0)
    assert sorted(knu_row.gains) == [0.5, 1.0] and knu_row.mean_gain == 0.75  # (1.0 + 0.5) / 2
    assert (osh_row.learners, osh_row.enrolments, osh_row.completions, osh_row.mean_gain) == (2, 1, 0, None)
    regions = {r.key: r for r in report.regions}
    assert regions["bishkek"].completions == 2 and regions["osh-city"].enrolments == 1
    assert report.total.enrolments == 3 and report.total.hours == 10.0

    # A period before everything shows no activity (learners are counted regardless).
    empty = coordinator.coordinator_report(coordinator.Filters(date(2020, 1, 1), date(2020, 12, 31)))
    assert sum(r.enrolments for r in empty.institutions) == 0
    assert coordinator.coordinator_report(coordinator.Filters(track="librarian-ce")).total.enrolments == 0

    auth.login(role="admin")
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "KNU" in page and "OshSU" in page
    data = client.get("/admin/reports.csv").data
    assert data.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    knu_csv = next(row for row in table if row and row[0] == "KNU")
    assert knu_csv[2:8] == ["2", "2", "2", "10", "0.750", "2"]


def test_admin_sync_page_runs_the_sync(client, auth, app, tmp_path):
    factories.write_course(tmp_path / "courses")
    app.config["COURSES_DIR"] = str(tmp_path / "courses")
    auth.login(role="admin")
    page = client.get("/admin/courses").get_data(as_text=True)
    result = client.post("/admin/courses", data={"csrf_token": csrf_token_from(page)}).get_data(as_text=True)
    assert "sample-course: created" in result
    assert db.session.scalar(select(Course.slug)) == "sample-course"
