"""The coordinators' report: figures by institution and region, checked on a small fixed data set."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Course, Region
from app.services import coordinator, enrolment
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
def course(make_course):
    return make_course(modules={"01-pre.md": PRE, "02-post.md": POST},
                       manifest=factories.SAMPLE_MANIFEST.replace("hours: 2", "hours: 5"))


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
        factories.take_quiz(user, pre, before, f"pre-{user.id}")
        factories.take_quiz(user, post, after, f"post-{user.id}")
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


@pytest.fixture
def three_places(course):
    """Learners at KNU (Bishkek), at OshSU (Osh) and at no institution, each enrolled once."""
    knu = factories.make_institution("KNU", Region.BISHKEK)
    oshsu = factories.make_institution("OshSU", Region.OSH_CITY)
    for inst in (knu, oshsu, None):
        enrolment.enrol(factories.make_user(institution=inst), course)
    db.session.commit()
    return knu, oshsu


def coordinator_with(*institutions, all_institutions=False):
    user = factories.make_user(role="coordinator")
    coordinator.set_coordinator_scope(user, institutions=list(institutions), all_institutions=all_institutions)
    db.session.commit()
    return user


def report_rows(client) -> list[list[str]]:
    data = client.get("/admin/reports.csv").data.decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(data)) if row]


def test_a_coordinator_sees_only_the_institutions_given_to_them(client, auth, three_places):
    knu, oshsu = three_places
    user = coordinator_with(knu)
    auth.login(user.email)
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "KNU" in page and "OshSU" not in page
    rows = report_rows(client)
    names = [row[0] for row in rows]
    assert "KNU" in names and "OshSU" not in names
    assert "Без учреждения" not in names  # the learners of no institution are nobody's to see
    total = next(row for row in rows if row[0] == "Итого")
    assert total[2:4] == ["1", "1"]  # one learner, one enrolment: KNU's alone
    assert [row[0] for row in rows[rows.index(total) + 2:]] == ["Бишкек"]  # the regions table: Bishkek only


def test_a_coordinator_given_nothing_sees_nothing_until_given_all(client, auth, three_places):
    user = coordinator_with()
    auth.login(user.email)
    page = client.get("/admin/reports").get_data(as_text=True)
    assert "KNU" not in page and "OshSU" not in page and "Вам пока не назначено ни одного учреждения" in page
    assert coordinator.coordinator_report(coordinator.Filters(institutions=frozenset())).total.learners == 0

    coordinator.set_coordinator_scope(db.session.get(type(user), user.id), institutions=[], all_institutions=True)
    db.session.commit()
    names = [row[0] for row in report_rows(client)]
    assert {"KNU", "OshSU", "Без учреждения"} <= set(names)


def test_admins_see_every_institution_and_instructors_none(client, auth, three_places):
    auth.login(role="admin")
    assert {"KNU", "OshSU", "Без учреждения"} <= {row[0] for row in report_rows(client)}
    auth.logout()
    auth.login(role="instructor")
    assert client.get("/admin/reports").status_code == 403
    assert client.get("/admin/reports.csv").status_code == 403


def test_an_admin_gives_a_coordinator_institutions_and_a_new_role_takes_them_away(client, auth, post_form,
                                                                                    three_places):
    knu, oshsu = three_places
    coord = factories.make_user(role="coordinator", name="Гүлнара")
    learner = factories.make_user(name="Learner")
    db.session.commit()
    admin = auth.login(role="admin")
    assert "Пока не видит ни одного учреждения" in client.get(f"/admin/users?q={coord.email}").get_data(as_text=True)
    url = f"/admin/users/{coord.id}/institutions"
    page = client.get(url).get_data(as_text=True)
    assert 'type="checkbox"' in page and "KNU" in page
    assert post_form(url, {"institutions": [str(knu.id), str(oshsu.id)]}).status_code == 302
    db.session.expire_all()
    assert coordinator.coordinator_scope(coord) == {knu.id, oshsu.id}
    assert "Видит 2 учреждения" in client.get(f"/admin/users?q={coord.email}").get_data(as_text=True)
    # An id that is not an institution is refused; the scope stays.
    assert post_form(url, {"institutions": ["999"]}).status_code == 200
    db.session.expire_all()
    assert coordinator.coordinator_scope(coord) == {knu.id, oshsu.id}
    # Only coordinators have a scope.
    response = client.get(f"/admin/users/{learner.id}/institutions")
    assert response.status_code == 302 and coordinator.coordinator_scope(learner) == frozenset()
    # Made a learner and a coordinator again, they start from nothing.
    post_form(f"/admin/users/{coord.id}/role", {"role": "learner"}, token_page="/admin/users")
    post_form(f"/admin/users/{coord.id}/role", {"role": "coordinator"}, token_page="/admin/users")
    db.session.expire_all()
    assert coordinator.coordinator_scope(coord) == frozenset() and admin.role.value == "admin"


def test_cli_makes_a_coordinator_and_gives_them_institutions(runner, three_places):
    from app.models import User

    knu, _ = three_places
    result = runner.invoke(args=["users", "create", "--email", "coord@example.kg", "--role", "coordinator",
                                 "--password", factories.PASSWORD])
    assert result.exit_code == 0, result.output
    user = factories.find_user("coord@example.kg")
    assert coordinator.coordinator_scope(user) == frozenset()
    result = runner.invoke(args=["users", "set-institutions", "--email", "coord@example.kg", "--institution", "knu"])
    assert result.exit_code == 0 and "KNU" in result.output
    assert coordinator.coordinator_scope(user) == {knu.id}
    result = runner.invoke(args=["users", "set-institutions", "--email", "coord@example.kg", "--institution", "Nowhere"])
    assert result.exit_code == 1 and coordinator.coordinator_scope(user) == {knu.id}
    result = runner.invoke(args=["users", "set-institutions", "--email", "coord@example.kg", "--all"])
    assert result.exit_code == 0 and coordinator.coordinator_scope(user) is None

    learner = factories.make_user()
    db.session.commit()
    result = runner.invoke(args=["users", "set-institutions", "--email", learner.email, "--all"])
    assert result.exit_code == 1 and "not coordinator" in result.output
    result = runner.invoke(args=["users", "set-role", "--email", "coord@example.kg", "--role", "learner"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).coordinates_all_institutions is False


def test_cli_account_commands_say_what_they_did_and_refuse_an_unknown_email(runner):
    created = runner.invoke(args=["users", "create", "--email", "new@example.kg", "--role", "coordinator",
                                  "--password", factories.PASSWORD])
    user = factories.find_user("new@example.kg")
    assert created.exit_code == 0
    assert created.output.splitlines() == [
        f"Created coordinator new@example.kg (id {user.id}).",
        "They see no institution yet: give them some with `flask users set-institutions`."]
    learner = runner.invoke(args=["users", "set-role", "--email", "new@example.kg", "--role", "learner"])
    assert learner.output.splitlines() == ["new@example.kg is now learner."]
    again = runner.invoke(args=["users", "set-role", "--email", "new@example.kg", "--role", "coordinator"])
    assert again.output.splitlines()[1].startswith("They see no institution yet")
    for command in (["set-role", "--role", "admin", "--email"], ["set-institutions", "--all", "--email"],
                    ["reset-link"]):
        refused = runner.invoke(args=["users", *command, "nobody@example.kg"])
        assert refused.exit_code == 1 and "No account with the email nobody@example.kg." in refused.output


def test_the_menu_shows_coordinators_their_reports_on_pages_kept_for_everyone(client, auth, course):
    """The catalog is kept per worker for each kind of reader (kept_page): a coordinator must not
    be served the copy a learner's visit made, whose menu has no reports."""
    auth.login(role="learner")
    client.get("/courses")
    assert 'href="/admin/reports"' not in client.get("/courses").get_data(as_text=True)
    auth.logout()
    auth.login(role="coordinator")
    client.get("/courses")
    page = client.get("/courses").get_data(as_text=True)
    assert 'href="/admin/reports"' in page and 'href="/admin/"' not in page and 'href="/teach/"' not in page


@pytest.mark.parametrize("role", ["learner", "instructor", "coordinator", "admin"])
def test_the_api_describes_every_role(client, auth, role):
    """/api/v1/me names the role; the OpenAPI document must list each one, the coordinator too."""
    from tests.integration.test_api_schema import assert_conforms

    auth.login(role=role)
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.get_json()["role"] == role
    assert_conforms("GET", "/api/v1/me", response)
