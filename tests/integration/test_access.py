"""Walk every registered route as anonymous, learner, instructor and admin.

Each endpoint must be declared here (or belong to /teach or /admin, which are declared by their
blueprint); a new route without a declared access level fails this test, so nobody can add an
unguarded page by accident.
"""
from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests import factories
from tests.conftest import csrf_token_from

PUBLIC, LOGIN, INSTRUCTOR, ADMIN = "public", "login", "instructor", "admin"
BLUEPRINT_ACCESS = {"teach": INSTRUCTOR, "admin": ADMIN}
ENDPOINT_ACCESS = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "learn.index": PUBLIC,
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
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
    "api.my_progress": LOGIN,
    "api.my_attempts": LOGIN,
    "auth.create_token": LOGIN,
    "auth.revoke_token": LOGIN,
}
RANK = {"anonymous": 0, "learner": 1, "instructor": 2, "admin": 3}
NEEDED = {PUBLIC: 0, LOGIN: 1, INSTRUCTOR: 2, ADMIN: 3}
PLACEHOLDER = {"int": "1", "string": "x", "path": "x/y.png", "default": "x"}


def access_of(endpoint: str) -> str:
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


@pytest.mark.parametrize("who", ["anonymous", "learner", "instructor", "admin"])
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
            allowed = RANK[who] >= NEEDED[level]
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


def test_inactive_accounts_cannot_log_in(client, auth):
    user = factories.make_user(email="gone@example.kg")
    user.is_active_account = False
    db.session.commit()
    response = client.post("/login", data={
        "email": "gone@example.kg", "password": factories.PASSWORD, "csrf_token": auth.csrf()})
    assert response.status_code == 200 and client.get("/dashboard").status_code == 302
