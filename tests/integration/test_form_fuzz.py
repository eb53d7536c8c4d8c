"""Every form of the app, fuzzed with hypothesis: generated text (NUL and other control
characters, bytes that are not UTF-8, lone surrogates as their UTF-8 bytes, numbers that are not
finite, huge strings) posted as the right role with a valid CSRF token, and every search page's
query string likewise.

The property: never a 5xx, and input the rule refuses (app/input_rule.py) gets a 400 and changes
nothing in the database. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL, where NUL in
text was a 500.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.input_rule import FORBIDDEN, MAX_FIELD_CHARS
from app.models import (Answer, ApiToken, Attempt, Certificate, Cohort, CohortInstructor, CohortMember,
                        LedgerEntry, Question, User)
from app.services import attempts, cohorts, ledger
from tests import factories
from tests.conftest import csrf_token_from
from tests.integration.test_api import MODULES

EXAMPLES = 20

# -- what is posted ----------------------------------------------------------------------------

HOSTILE_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)  # surrogates too
VALUE = st.one_of(
    HOSTILE_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(max_size=30).map(str.encode),
    st.binary(max_size=12),
    st.sampled_from([b"", b"0", b"1", b"-1", b"3,5", b"NaN", b"nan", b"Infinity", b"-inf", b"1e400", b"sNaN",
                     b"9" * 40, b"2026-02-30", b"0000-01-01", b"true", b"\x00", b"%00", b"\xc0\x80",
                     b"\xed\xa0\x80", "Бишкек".encode(), b"<script>alert(1)</script>"]),
    st.integers(1, 3).map(lambda n: b"x" * (MAX_FIELD_CHARS + n)),
)


def refused(raw: bytes) -> bool:
    """Whether the input rule must refuse this value (or this field name)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return bool(FORBIDDEN.search(text)) or len(text) > MAX_FIELD_CHARS


def urlencoded(fields: dict[str, bytes]) -> bytes:
    return "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v)}" for k, v in fields.items()).encode()


# -- the world the forms act on ----------------------------------------------------------------

@dataclass
class World:
    clients: dict  # role -> a signed-in test client (None: anonymous)
    paths: dict  # name -> path with the real ids in it
    question_ids: list[int]


@pytest.fixture
def world(keyed_app, make_course, signed_in):
    keyed_app.config.update(RATELIMIT_ENABLED=False)  # the limits answer 429 long before the examples run out
    course = make_course(modules=MODULES)
    short_course = make_course("short-course", modules={"01-intro.md": factories.LESSON})
    learner = factories.make_user(role="learner")
    instructor = factories.make_user(role="instructor")
    admin = factories.make_user(role="admin")
    other = factories.make_user(role="learner")
    institution = factories.make_institution()
    cohort = factories.make_cohort(instructor, course, "Группа 1", None)
    cohorts.join(learner, cohort.join_code)
    types = next(m for m in course.modules if m.slug == "types")
    essay_id = db.session.scalar(select(Question.id).where(Question.ident == "essay"))
    attempts.submit(learner, types, {essay_id: "Моё эссе."}, "fuzz-essay")
    answer_id = db.session.scalar(select(Answer.id).where(Answer.question_id == essay_id))
    entry = ledger.record_external(learner, title="Семинар", provider="Библиотека",
                                   activity_date=date.today() - timedelta(days=2), hours=2, track=None)
    factories.complete_course(learner, short_course)
    cert = db.session.scalar(select(Certificate))
    assert cert is not None
    clients = {"learner": signed_in(learner), "instructor": signed_in(instructor), "admin": signed_in(admin),
               None: keyed_app.test_client()}
    paths = {"cohort": f"/teach/cohorts/{cohort.id}", "answer": f"/teach/grading/{answer_id}",
             "entry": f"/teach/ledger/{entry.id}", "user": f"/admin/users/{other.id}/role",
             "cert": f"/admin/certificates/{cert.id}", "institution": f"/admin/institutions/{institution.id}",
             "scope": f"/admin/users/{other.id}/institutions", "reset": "/reset-password/not-a-link"}
    ids = list(db.session.scalars(select(Question.id).join(Question.module).where(Question.module_id == types.id)))
    return World(clients, paths, ids)


MODELS = (User, ApiToken, Attempt, Answer, Cohort, CohortInstructor, CohortMember, LedgerEntry, Certificate)


def snapshot() -> tuple:
    """What a form could change: how many rows of each kind, and the people's editable columns."""
    db.session.rollback()
    counts = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in MODELS)
    people = tuple(db.session.execute(select(User.id, User.name, User.locale, User.role, User.password_hash,
                                             User.institution_id).order_by(User.id)))
    graded = tuple(db.session.execute(select(Answer.id, Answer.fraction, Answer.grader_comment).order_by(Answer.id)))
    reviewed = tuple(db.session.execute(select(LedgerEntry.id, LedgerEntry.status, LedgerEntry.title)
                                        .order_by(LedgerEntry.id)))
    cohort_rows = tuple(db.session.execute(select(Cohort.id, Cohort.name, Cohort.term).order_by(Cohort.id)))
    certs = tuple(db.session.execute(select(Certificate.id, Certificate.revoked_at).order_by(Certificate.id)))
    return counts, people, graded, reviewed, cohort_rows, certs


# -- the forms ---------------------------------------------------------------------------------

@dataclass
class Form:
    role: str | None
    path: str  # with {cohort}-style names from World.paths
    fields: tuple[str, ...]
    page: str | None = None  # where the form (and its CSRF token) is shown, when not at ``path``
    fixed: tuple[tuple[str, str], ...] = ()  # fields sent as they are (a button's name)


FORMS = [
    Form(None, "/register", ("name", "email", "password", "confirm", "institution", "locale")),
    Form(None, "/login", ("email", "password", "remember")),
    Form("learner", "/profile", ("name", "institution", "locale")),
    Form("learner", "/profile/password", ("pw-current", "pw-new", "pw-confirm"), page="/profile"),
    Form("learner", "/profile/tokens", ("token_name",), page="/profile"),
    Form("learner", "/language", ("locale", "next"), page="/profile"),
    Form("learner", "/cohorts/join", ("code",), page="/dashboard"),
    Form("learner", "/credentials/external", ("title", "provider", "activity_date", "hours", "track")),
    Form("learner", "/courses/sample-course/enrol", (), page="/courses/sample-course"),
    Form("instructor", "/teach/cohorts/new", ("name", "term", "institution")),
    Form("instructor", "{cohort}/courses", ("course",), page="{cohort}"),
    Form("instructor", "{cohort}/instructors", ("email",), page="{cohort}"),
    Form("instructor", "{answer}", ("score", "comment")),
    Form("instructor", "{entry}", ("reason",), page="/teach/ledger", fixed=(("reject", "1"),)),
    Form("admin", "{user}", ("role",), page="/admin/users"),
    Form("admin", "{cert}/revoke", ("reason",), page="/admin/certificates"),
    Form(None, "/forgot-password", ("email",), page="/login"),
    Form(None, "{reset}", ("new", "confirm"), page="/login"),
    Form("admin", "/admin/institutions", ("name", "kind", "region")),
    Form("admin", "{institution}", ("name", "kind", "region")),
    Form("admin", "{institution}/merge", ("target",), page="{institution}", fixed=(("merge_submit", "1"),)),
    Form("admin", "{scope}", ("all_institutions", "institutions"), page="/admin/users"),
]


def _fuzz_form(world: World, form: Form, statuses: Counter) -> None:
    client = world.clients[form.role]
    path = form.path.format(**world.paths)
    page = (form.page or form.path).format(**world.paths)
    token = csrf_token_from(client.get(page).get_data(as_text=True))

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(values=st.fixed_dictionaries({name: VALUE for name in form.fields}),
           extra=st.dictionaries(st.sampled_from(["x", "q1", "name\x00", "csrf_token2"]), VALUE, max_size=1))
    def run(values, extra):
        fields = {**values, **{k: v.encode() for k, v in form.fixed}, **extra, "csrf_token": token.encode()}
        hostile = any(refused(k.encode("utf-8", "surrogatepass")) or refused(v) for k, v in fields.items())
        before = snapshot() if hostile else None
        response = client.post(path, data=urlencoded(fields), content_type="application/x-www-form-urlencoded")
        statuses[response.status_code] += 1
        assert response.status_code < 500, (path, fields)
        if hostile:
            assert response.status_code == 400, (path, fields, response.status_code)
            assert snapshot() == before, (path, fields)

    run()


@pytest.mark.parametrize("form", FORMS, ids=[f.path for f in FORMS])
def test_every_form_survives_generated_input_and_refused_input_stores_nothing(world, form):
    statuses: Counter = Counter()
    _fuzz_form(world, form, statuses)
    assert statuses[400], statuses  # the rule was met, not only the form's own validation


@pytest.mark.parametrize("step", ["attempts", "review", "quiz"])
def test_the_quiz_form_survives_generated_answers(world, step):
    """Every question's field, a field for a question of no quiz or of another one, and the key,
    sent to each step of a quiz: the submission, its review page and the way back to the
    questions (these two store nothing)."""
    client = world.clients["learner"]
    path = f"/courses/sample-course/types/{step}"
    names = [f"q{i}" for i in world.question_ids] + [f"q{i}-{n}" for i in world.question_ids for n in (0, 1, 7)]
    token = csrf_token_from(client.get("/courses/sample-course/types").get_data(as_text=True))
    statuses: Counter = Counter()

    @settings(max_examples=EXAMPLES * 3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(answers=st.dictionaries(st.sampled_from(names + ["q999999", "q0", "q1-x"]), VALUE, max_size=6),
           key=st.one_of(st.from_regex(r"\A[A-Za-z0-9._:-]{1,64}\Z").map(str.encode), VALUE))
    def run(answers, key):
        fields = {**answers, "attempt_key": key, "csrf_token": token.encode()}
        before = snapshot()
        response = client.post(path, data=urlencoded(fields), content_type="application/x-www-form-urlencoded")
        statuses[response.status_code] += 1
        assert response.status_code < 500, fields
        if response.status_code != 302 or step != "attempts":  # only a stored attempt's redirect stores
            assert snapshot() == before, (fields, response.status_code)
        if any(refused(v) for v in fields.values()):
            assert response.status_code == 400, fields

    run()
    assert statuses[302] or statuses[400] or (step != "attempts" and statuses[200]), statuses


def test_the_evidence_upload_survives_generated_names_and_fields(world):
    client = world.clients["learner"]
    token = csrf_token_from(client.get("/credentials/external").get_data(as_text=True))
    statuses: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(title=VALUE, filename=VALUE)
    def run(title, filename):
        filename = re.sub(rb'["\r\n]', b"", filename)  # they would end the part's header, as no browser sends
        boundary = b"fuzzboundary"
        parts = [(b'name="csrf_token"', token.encode()), (b'name="title"', title), (b'name="provider"', b"X"),
                 (b'name="hours"', b"2"), (b'name="activity_date"', b"2026-01-05"),
                 (b'name="evidence"; filename="' + filename + b'"', b"%PDF-1.4")]
        body = b"".join(b"--" + boundary + b"\r\nContent-Disposition: form-data; " + head + b"\r\n\r\n" + value
                        + b"\r\n" for head, value in parts) + b"--" + boundary + b"--\r\n"
        before = snapshot()
        response = client.post("/credentials/external", data=body,
                               content_type="multipart/form-data; boundary=fuzzboundary")
        statuses[response.status_code] += 1
        assert response.status_code < 500, (title, filename)
        if refused(title) or refused(filename):
            assert response.status_code == 400, (title, filename)
            assert snapshot() == before

    run()
    assert statuses[400], statuses


SEARCHES = [
    (None, "/courses", ("q", "language", "audience", "track")),
    ("admin", "/admin/users", ("q", "role", "page")),
    ("admin", "/admin/reports", ("start", "end", "track")),
    ("admin", "/admin/certificates", ("q",)),
    ("instructor", "/teach/", ("archived",)),
    ("instructor", "{cohort}/courses/sample-course", ("sort", "page")),
    ("learner", "/login", ("next",)),
]


@pytest.mark.parametrize("role, path, names", SEARCHES, ids=[s[1] for s in SEARCHES])
def test_every_search_page_survives_generated_query_strings(world, role, path, names):
    client = world.clients[role]
    path = path.format(**world.paths)
    statuses: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(values=st.fixed_dictionaries({name: VALUE.filter(lambda v: len(v) < 5000) for name in names}))
    def run(values):
        response = client.get(path + "?" + urlencoded(values).decode())
        statuses[response.status_code] += 1
        assert response.status_code < 500, (path, values)
        if any(refused(v) for v in values.values()):
            assert response.status_code == 400, (path, values)

    run()
    assert statuses[400], statuses


def test_the_forms_listed_are_every_form_of_the_app(app):
    """A new POST route must be added to the fuzzing (or to the few that take no fields)."""
    no_fields = {"/logout", "/courses/<slug>/leave", "/courses/<slug>/<module_slug>/done",
                 "/profile/tokens/<int:token_id>/revoke", "/admin/courses",
                 "/admin/certificates/<int:cert_id>/reissue", "/teach/cohorts/<int:cohort_id>/archive",
                 "/teach/cohorts/<int:cohort_id>/code", "/teach/cohorts/<int:cohort_id>/courses/<int:course_id>/remove",
                 "/teach/cohorts/<int:cohort_id>/members/<int:user_id>/remove",
                 "/profile/sessions/end-all", "/admin/users/<int:user_id>/reset-link",
                 "/admin/institutions/<int:institution_id>/delete",
                 "/admin/institutions/import",  # a file: tests/integration/test_institutions.py sends bad ones
                 "/courses/<slug>/<module_slug>/attempts", "/courses/<slug>/<module_slug>/review",
                 "/courses/<slug>/<module_slug>/quiz",  # these three: the quiz test above
                 "/credentials/external"}  # its own test
    fuzzed = {re.sub(r"\{(\w+)\}", lambda m: {"cohort": "/teach/cohorts/<int:cohort_id>",
                                                "answer": "/teach/grading/<int:answer_id>",
                                                "entry": "/teach/ledger/<int:entry_id>",
                                                "user": "/admin/users/<int:user_id>/role",
                                                "cert": "/admin/certificates/<int:cert_id>",
                                                "institution": "/admin/institutions/<int:institution_id>",
                                                "scope": "/admin/users/<int:user_id>/institutions",
                                                "reset": "/reset-password/<token>"}[m[1]], f.path)
              for f in FORMS}
    fuzzed = {p.replace("sample-course", "<slug>") for p in fuzzed}
    posts = {rule.rule for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.rule.startswith("/api/")}
    assert posts <= fuzzed | no_fields, posts - fuzzed - no_fields
