"""Every route, every method, with the real ids of someone else's objects.

test_access.py checks each route's access level with placeholder ids. This sweep builds a world
in which one learner (the owner) has something behind every id a route takes: an enrolment,
attempts with an essay, an API token, external learning with evidence, a certificate, a place in a
cohort taught by one instructor. Then each of the other people who might try (nobody, another
learner, an instructor who does not teach that cohort, an admin) calls every route and method
with those ids and a plausible, valid form. What must hold:

- nobody but an admin gets the owner's private data back (the owner's name may appear only on the
  public certificate pages, which exist to show it);
- nobody but an admin changes anything that is not their own (their own enrolment, attempts,
  session and the like are theirs to change);
- nobody gets a 5xx.

A route this test does not know how to fill fails it, so a new route is swept from the start.
"""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Attempt, Certificate, LedgerEntry, Module, Question
from app.services import certificates, cohorts, enrolment, progress, tokens
from tests import factories
from tests.conftest import Auth, csrf_token_from

OWNER_NAME = "Owner Жылдыз Q7name"
OWNER_EMAIL = "owner-q7@example.kg"
ESSAY_TEXT = "OWNER-ESSAY-Q7 boolean operators narrow the search"
TOKEN_NAME = "OWNER-TOKEN-Q7"
EXTERNAL_TITLE = "OWNER-EXTERNAL-Q7 seminar"
EVIDENCE_MARKER = b"OWNER-EVIDENCE-Q7"
# Not private: whoever holds the join code may join and see the group's name (the sweep uses the
# real code, so joining is the one change a stranger may make to the cohort, as its member).
COHORT_NAME = "OWNER-COHORT-Q7"
# What belongs to the owner and must not reach anybody else (an admin excepted).
PRIVATE = (OWNER_EMAIL, ESSAY_TEXT, TOKEN_NAME, EXTERNAL_TITLE, EVIDENCE_MARKER.decode())
# Pages that exist to show a certificate's holder to anyone who has its code.
SHOWS_HOLDER = {"ledger.verify", "ledger.certificate_pdf", "ledger.certificate_json"}

LIBRARIAN = factories.SAMPLE_MANIFEST.replace("audience: students", "audience: librarians").replace(
    "track: information-literacy", "track: librarian-ce")
ESSAY_QUIZ = factories.QUIZ.replace(
    "```quiz\n", "```quiz\n// [id:essay-1]\nExplain why AND narrows a search. {}\n\n")
# Tables whose rows record the visit itself (rate-limit counters, sessions) rather than anybody's data.
VISIT_TABLES = {"rate_limit_counters", "user_sessions"}
# Columns that move with any change elsewhere (revisions, timestamps of the visit).
VISIT_COLUMNS = {"learning_revision", "last_login_at", "last_used_at"}


@pytest.fixture
def world(keyed_app, make_course, signed_in):
    cert_course = make_course("cert-course", manifest=LIBRARIAN, modules={"01-intro.md": factories.LESSON})
    course = make_course("quiz-course", modules={"01-intro.md": factories.LESSON, "02-boolean.md": ESSAY_QUIZ})
    module = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.slug.contains("boolean")))

    institution = factories.make_institution("OWNER-INSTITUTION-Q7")
    other_institution = factories.make_institution()
    owner = factories.make_user(email=OWNER_EMAIL, name=OWNER_NAME, institution=institution)
    teacher = factories.make_user(role="instructor")
    enrolment.enrol(owner, cert_course)
    progress.mark_done(owner, cert_course.modules[0])  # completes it: a certificate
    enrolment.enrol(owner, course)
    factories.take_quiz(owner, module, {"essay-1": ESSAY_TEXT, "bool-and": "0"}, "owner-key-1")
    cohort = factories.make_cohort(teacher, course, COHORT_NAME, "2026")
    db.session.commit()
    cohorts.join(owner, cohort.join_code)
    token, _plaintext = tokens.create_token(owner, TOKEN_NAME)
    db.session.commit()

    owner_client = signed_in(owner)
    page = owner_client.get("/credentials/external").get_data(as_text=True)
    sent = owner_client.post("/credentials/external", data={
        "title": EXTERNAL_TITLE, "provider": "Library", "activity_date": "2026-01-15", "hours": "3",
        "track": "", "csrf_token": csrf_token_from(page),
        "evidence": (io.BytesIO(b"%PDF-1.4\n" + EVIDENCE_MARKER + b"\n%%EOF\n"), "evidence.pdf"),
    }, content_type="multipart/form-data")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]

    essay = db.session.scalar(select(Answer).join(Question).where(Question.ident == "essay-1"))
    values = {
        "cohort_id": cohort.id,
        "user_id": owner.id,
        "answer_id": essay.id,
        "entry_id": db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.source == "external")),
        "token_id": token.id,
        "cert_id": db.session.scalar(select(Certificate.id).where(Certificate.user_id == owner.id)),
        "course_id": course.id,
        "slug": course.slug,
        "module_slug": module.slug,
        "module": module.slug,
        "number": 1,
        "filename": "x.png",
        "certificate_code": db.session.scalar(select(Certificate.code).where(Certificate.user_id == owner.id)),
        "join_code": cohort.join_code,
        "teacher_email": teacher.email,
        "institution_id": institution.id,
        "other_institution_id": other_institution.id,
        "multikey": certificates.public_keys()[0],
        "name": "credentials-v2.jsonld",
        # A password-reset link is a secret sent to its owner: the sweep tries one that is not.
        "token": "not-a-real-reset-token",
        "institution_id": _institution_id(),
    }
    return values


def _institution_id() -> int:
    """An institution for the admin's institution pages (the sweep's value for <institution_id>)."""
    from app.models.people import InstitutionKind, Region
    from app.services import institutions

    institution = institutions.add_institution("Библиотека для проверки доступа", InstitutionKind.LIBRARY, Region.BISHKEK)
    db.session.commit()
    return institution.id


# What a plausible attacker would post to each form: valid values, so that a missing check shows
# as a change instead of hiding behind a validation error.
FORM_DATA = {
    "admin.change_role": {"role": "admin"},
    "admin.revoke_certificate": {"reason": "taken over"},
    "teach.add_instructor": {"email": "intruder@example.kg"},
    "teach.assign_course": {"course": "{course_id}"},
    "teach.grade": {"score": "100", "comment": "taken over"},
    "teach.review_entry": {"approve": "Approve", "reason": ""},
    "teach.new_cohort": {"name": "Intruder cohort", "term": "", "institution": "0"},
    "learn.join_cohort": {"code": "{join_code}"},
    "learn.submit_attempt": {"attempt_key": "intruder-1"},
    "learn.review_attempt": {"attempt_key": "intruder-1"},
    "ledger.external": {"title": "Intruder", "provider": "x", "activity_date": "2026-01-01", "hours": "2"},
    "auth.profile": {"name": "Intruder", "locale": "en", "institution": "0"},
    "auth.create_token": {"token_name": "intruder"},
    "auth.forgot_password": {"email": OWNER_EMAIL},
    "admin.institutions": {"name": "Intruder institute", "kind": "university", "region": "bishkek"},
    "admin.edit_institution": {"name": "Renamed by an intruder", "kind": "library", "region": "osh"},
    "admin.merge_institution": {"target": "{other_institution_id}", "merge_submit": "Merge"},
    "admin.coordinator_scope": {"all_institutions": "y"},
    "auth.reset_password": {"new": "intruder-password-1", "confirm": "intruder-password-1"},
}
# The session the sweep walks with must stay: these would end or replace it (tested elsewhere).
SESSION_CHANGING = {("auth.logout", "POST"), ("auth.set_language", "POST"), ("auth.login", "POST"),
                    ("auth.register", "POST"), ("auth.change_password", "POST")}


def url_for_rule(rule, values) -> str:
    def fill(match):
        name = match.group(2)
        if name == "code":  # two kinds of code: a certificate's, and a cohort's join code
            return str(values["join_code" if rule.endpoint.startswith("learn.join") else "certificate_code"])
        assert name in values, f"{rule.endpoint}: teach this sweep a real value for <{name}>"
        return str(values[name])

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def snapshot(actor_id: int | None) -> dict[str, set]:
    """Every row of every table, less the actor's own rows and what records the visit itself."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in VISIT_TABLES:
            continue
        columns = [c for c in table.columns if c.name not in VISIT_COLUMNS]
        rows = db.session.execute(select(*columns)).all()
        names = [c.name for c in columns]
        kept = set()
        for row in rows:
            record = dict(zip(names, row))
            if actor_id is not None and (actor_id in (record.get("user_id"), record.get("created_by_id"))
                                         or (table.name == "users" and record["id"] == actor_id)):
                continue
            kept.add(tuple(sorted((k, repr(v)) for k, v in record.items())))
        state[table.name] = kept
    # An actor's answers belong to the actor's attempts.
    if actor_id is not None:
        answers, attempts_ = Answer.__table__, Attempt.__table__
        theirs = {repr(i) for i in db.session.scalars(
            select(answers.c.id).join(attempts_, attempts_.c.id == answers.c.attempt_id)
            .where(attempts_.c.user_id == actor_id))}
        state[answers.name] = {row for row in state[answers.name] if dict(row)["id"] not in theirs}
    db.session.rollback()
    return state


def changed(before: dict, after: dict) -> dict:
    return {name: (before[name] ^ after[name]) for name in before if before[name] != after[name]}


@pytest.mark.parametrize("who", ["anonymous", "learner", "outside_instructor", "admin"])
def test_nobody_reaches_or_changes_another_users_objects(app, world, who):
    client = app.test_client()
    actor_id = None
    if who != "anonymous":
        role = {"learner": "learner", "outside_instructor": "instructor", "admin": "admin"}[who]
        actor_id = Auth(client).login(role=role).id
    token = csrf_token_from(client.get("/login" if who == "anonymous" else "/profile").get_data(as_text=True))
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        url = url_for_rule(rule, world)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (rule.endpoint, method) in SESSION_CHANGING:
                continue
            before = snapshot(actor_id)
            if method == "GET":
                response = client.get(url)
            else:
                data = {k: v.format(**world) for k, v in FORM_DATA.get(rule.endpoint, {}).items()}
                if rule.endpoint == "learn.submit_attempt":
                    qids = db.session.scalars(select(Question.id)).all()
                    data.update({f"q{q}": "0" for q in qids})
                response = client.open(url, method=method, data={**data, "csrf_token": token},
                                       headers={"X-CSRFToken": token})
            where = f"{who} {method} {url} ({rule.endpoint}) -> {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where}: server error")
                continue
            if who == "admin":
                continue  # an admin may see and change everything; only errors count
            body = response.get_data().decode("utf-8", "replace")
            leaked = [marker for marker in PRIVATE if marker in body]
            if OWNER_NAME in body and rule.endpoint not in SHOWS_HOLDER:
                leaked.append("the owner's name")
            if leaked and response.status_code < 400:
                problems.append(f"{where}: shows {leaked}")
            difference = changed(before, snapshot(actor_id))
            if difference:
                problems.append(f"{where}: changed {sorted(difference)}")
    assert not problems, "\n".join(problems)


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id" and value]


@pytest.mark.parametrize("who", ["owner", "teacher", "admin"])
def test_no_page_repeats_an_id(app, world, who):
    """An id names one element (labels, skip links and ARIA point at it): every page the owner,
    their teacher and an admin can open, filled with real objects, uses each id once."""
    client = app.test_client()
    if who == "owner":
        Auth(client).login(OWNER_EMAIL)
    elif who == "teacher":
        Auth(client).login(world["teacher_email"])
    else:
        Auth(client).login(role="admin")
    problems, pages = [], 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        response = client.get(url_for_rule(rule, world))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        parser = _Ids()
        parser.feed(response.get_data(as_text=True))
        repeated = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
        if repeated:
            problems.append(f"{rule.endpoint}: {repeated}")
    assert pages > 10 and not problems, "\n".join(problems)
