"""Walk every registered route as anonymous, learner, instructor, coordinator and admin.

Each endpoint must be declared here (or belong to /teach or /admin, which are declared by their
blueprint); a new route without a declared access level fails this test, so nobody can add an
unguarded page by accident. The levels are not a ladder: a coordinator is not an instructor, and
an instructor sees no coordinators' reports; only admins hold every role.
"""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import csrf_token_from

PUBLIC, LOGIN, INSTRUCTOR, COORDINATOR, ADMIN = "public", "login", "instructor", "coordinator", "admin"
BLUEPRINT_ACCESS = {"teach": INSTRUCTOR, "admin": ADMIN}
ENDPOINT_ACCESS = {
    # The only pages of the admin blueprint a coordinator may open: the reports.
    "admin.reports": COORDINATOR,
    "admin.reports_csv": COORDINATOR,
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "learn.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.set_language": PUBLIC,
    "learn.catalog": PUBLIC,
    "learn.course": PUBLIC,
    "learn.module": PUBLIC,
    "learn.media": PUBLIC,
    "learn.dashboard": LOGIN,
    "learn.attempt_history": LOGIN,
    "learn.attempt_result": LOGIN,
    "learn.enrol": LOGIN,
    "learn.leave": LOGIN,
    "learn.mark_done": LOGIN,
    "learn.submit_attempt": LOGIN,
    "learn.review_attempt": LOGIN,
    "learn.edit_answers": LOGIN,
    "learn.join_link": LOGIN,
    "api.cohort_progress": INSTRUCTOR,
    "ledger.index": LOGIN,
    "ledger.external": LOGIN,
    "ledger.evidence": LOGIN,
    "ledger.transcript_csv": LOGIN,
    "ledger.transcript_pdf": LOGIN,
    "ledger.verify": PUBLIC,
    "ledger.certificate_pdf": PUBLIC,
    "ledger.certificate_json": PUBLIC,
    "ledger.issuer": PUBLIC,
    "ledger.issuer_key": PUBLIC,
    "ledger.context": PUBLIC,
    "ledger.status_list": PUBLIC,
    "learn.join_cohort": LOGIN,
    "auth.profile": LOGIN,
    "auth.change_password": LOGIN,
    "auth.sign_out_everywhere": LOGIN,
    "api.me": LOGIN,
    "api.openapi": PUBLIC,
    "api.courses": PUBLIC,
    "api.course": PUBLIC,
    "api.enrol": LOGIN,
    "api.leave": LOGIN,
    "api.quiz": LOGIN,
    "api.submit_attempt": LOGIN,
    "api.attempt": LOGIN,
    "api.my_progress": LOGIN,
    "api.my_attempts": LOGIN,
    "api.my_credit": LOGIN,
    "auth.create_token": LOGIN,
    "auth.revoke_token": LOGIN,
}
ROLES = ("anonymous", "learner", "instructor", "coordinator", "admin")
ALLOWED = {
    PUBLIC: set(ROLES),
    LOGIN: {"learner", "instructor", "coordinator", "admin"},
    INSTRUCTOR: {"instructor", "admin"},
    COORDINATOR: {"coordinator", "admin"},
    ADMIN: {"admin"},
}
PLACEHOLDER = {"int": "1", "string": "x", "path": "x/y.png", "default": "x"}


def access_of(endpoint: str) -> str:
    if endpoint in ENDPOINT_ACCESS:
        return ENDPOINT_ACCESS[endpoint]
    blueprint = endpoint.split(".")[0]
    if blueprint in BLUEPRINT_ACCESS:
        return BLUEPRINT_ACCESS[blueprint]
    assert endpoint in ENDPOINT_ACCESS, f"declare the access level of new endpoint {endpoint!r} in this test"
    return ENDPOINT_ACCESS[endpoint]


def concrete_url(rule) -> str:
    def fill(match):
        converter = match.group(1) or "default"
        return PLACEHOLDER.get(converter, "x")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def all_rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


@pytest.mark.parametrize("who", ROLES)
def test_every_route_enforces_its_access_level(app, client, auth, who):
    if who != "anonymous":
        auth.login(role=who)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    checked = 0
    for rule in all_rules(app):
        level = access_of(rule.endpoint)
        url = concrete_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule.endpoint in ("auth.logout", "auth.sign_out_everywhere", "auth.set_language") and method == "POST":
                continue  # these change the session the walk depends on; tested elsewhere
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
            status = response.status_code
            allowed = who in ALLOWED[level]
            where = f"{who} {method} {url} ({rule.endpoint}, {level})"
            if allowed:
                assert status not in (401, 403), f"{where}: refused with {status}"
                assert status < 500, f"{where}: server error"
            elif who == "anonymous":
                expected = 401 if url.startswith("/api/") else 302
                assert status == expected, f"{where}: expected {expected}, got {status}"
                if status == 302:
                    assert "/login" in response.location
            else:
                assert status == 403, f"{where}: expected 403, got {status}"
            checked += 1
    assert checked >= len(ENDPOINT_ACCESS)


def test_a_learner_gets_403_on_every_admin_and_teach_route(app, client, auth):
    auth.login(role="learner")
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    guarded = [r for r in all_rules(app) if r.rule.startswith(("/admin", "/teach"))]
    assert guarded
    for rule in guarded:
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            response = client.open(concrete_url(rule), method=method, data={"csrf_token": token})
            assert response.status_code == 403, (method, rule.rule)


def test_a_coordinator_gets_403_everywhere_in_admin_and_teach_but_the_reports(app, client, auth):
    """User administration (users, roles, institutions, scopes), certificates, course sync and
    teaching are closed to coordinators; the two report endpoints are the declared exception."""
    from app.admin import COORDINATOR_ENDPOINTS

    auth.login(role="coordinator")
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    guarded = [r for r in all_rules(app) if r.rule.startswith(("/admin", "/teach", "/api/cohorts"))]
    opened = {r.endpoint for r in guarded if access_of(r.endpoint) == COORDINATOR}
    assert opened == COORDINATOR_ENDPOINTS == {"admin.reports", "admin.reports_csv"}
    assert {"admin.users", "admin.change_role", "admin.coordinator_scope", "admin.institution_list",
            "admin.certificates_list", "admin.revoke_certificate", "admin.courses"} <= {r.endpoint for r in guarded}
    for rule in guarded:
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            response = client.open(concrete_url(rule), method=method, data={"csrf_token": token})
            if rule.endpoint in COORDINATOR_ENDPOINTS:
                assert response.status_code == 200, (method, rule.rule)
            else:
                assert response.status_code == 403, (method, rule.rule)


def test_inactive_accounts_cannot_log_in(client, auth):
    user = factories.make_user(email="gone@example.kg")
    user.is_active_account = False
    db.session.commit()
    response = client.post("/login", data={
        "email": "gone@example.kg", "password": factories.PASSWORD, "csrf_token": auth.csrf()})
    assert response.status_code == 200 and client.get("/dashboard").status_code == 302
