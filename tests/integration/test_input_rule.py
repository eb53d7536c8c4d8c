"""The one input rule (app/input_rule.py) and the quiz submission's own rules, through the real app.

Each refusal is checked for what it says and for what it leaves behind: nothing. On PostgreSQL
(TEST_DATABASE_URL) the same requests were 500s before the rule, as NUL cannot be stored there.
"""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, Attempt, Cohort, LedgerEntry, User
from app.services import enrolment
from app.services import tokens as token_service
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories import question_id as qid
from tests.integration.test_api import MODULES

ATTEMPTS = "/api/v1/courses/sample-course/modules/types/attempts"


@pytest.fixture
def course(make_course):
    return make_course(modules=MODULES)


@pytest.fixture
def learner(auth, course):
    """A learner signed in on the test client and enrolled in the sample course."""
    user = auth.login(role="learner")
    enrolment.enrol(user, course)
    db.session.commit()
    return user


@pytest.fixture
def bearer(learner):
    _row, plaintext = token_service.create_token(learner, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}", "Accept-Language": "en"}


def count(model) -> int:
    db.session.rollback()  # see what the requests committed, not this session's old snapshot
    return factories.count_rows(model)


def message(response) -> str:
    if response.is_json:
        return response.get_json()["error"]["message"]
    return response.get_data(as_text=True)


def names(response, field: str) -> bool:
    """The refusal names the field (in any of the three languages' quotation marks)."""
    text = message(response)
    return f"“{field}”" in text or f"«{field}»" in text


def quiz_form(client, module: str = "boolean") -> dict:
    html = client.get(f"/courses/sample-course/{module}").get_data(as_text=True)
    key = re.search(r'name="attempt_key" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_token_from(html), "attempt_key": key}


# -- item 1: a deeply nested JSON body ------------------------------------------------------

def test_a_json_body_nested_a_thousand_deep_is_a_400_not_a_recursion_error(client, bearer):
    body = '{"answers": {"num": ' + "[" * 1000 + "]" * 1000 + "}}"
    assert len(body) < 2100
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 400
    assert "nested more than 32 levels" in message(response)
    assert count(Attempt) == 0


def test_depth_is_counted_outside_strings(client, bearer):
    """Brackets inside a string are text, not nesting: a shallow body full of them is read."""
    body = json.dumps({"answers": {"sa": "[{" * 200}})
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 201, message(response)


# -- item 2: NUL, control characters, invalid UTF-8 ------------------------------------------

HOSTILE = ["bad\x00name", "bell\x07", "esc\x1b[31m"]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_profile_name_with_a_control_character_is_refused(client, learner, post_form, text):
    response = post_form("/profile", {"name": text, "institution": "0", "locale": "en"})
    assert response.status_code == 400
    assert names(response, "name") and "NUL" in message(response)
    db.session.rollback()
    assert db.session.get(User, learner.id).name.startswith("Test User")


def test_a_token_name_with_nul_is_refused_and_no_token_is_made(client, learner, post_form):
    before = count(ApiToken)
    response = post_form("/profile/tokens", {"token_name": "laptop\x00"}, token_page="/profile")
    assert response.status_code == 400 and names(response, "token_name")
    assert count(ApiToken) == before


def test_an_external_learning_title_with_nul_is_refused_form_and_multipart(client, learner):
    fields = {"title": "Семинар\x00", "provider": "Библиотека", "hours": "2", "track": "",
              "activity_date": (date.today() - timedelta(days=1)).isoformat()}
    token = csrf_token_from(client.get("/credentials/external").get_data(as_text=True))
    plain = client.post("/credentials/external", data={**fields, "csrf_token": token})
    upload = client.post("/credentials/external", data={
        **fields, "csrf_token": token, "evidence": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
        content_type="multipart/form-data")
    bad_name = client.post("/credentials/external", data={
        **fields, "title": "Семинар", "csrf_token": token, "evidence": (io.BytesIO(b"%PDF-1.4"), "a\x00.pdf")},
        content_type="multipart/form-data")
    assert [r.status_code for r in (plain, upload, bad_name)] == [400, 400, 400]
    assert names(plain, "title") and names(upload, "title") and names(bad_name, "evidence")
    assert count(LedgerEntry) == 0


def test_a_cohort_name_with_nul_is_refused(client, auth, course, post_form):
    auth.login(role="instructor")
    response = post_form("/teach/cohorts/new", {"name": "Группа\x00 1", "term": "", "institution": "0"})
    assert response.status_code == 400
    assert count(Cohort) == 0


def test_quiz_answers_with_nul_are_refused_in_the_form_and_the_api(client, learner, bearer):
    form = {**quiz_form(client, "types"), f"q{qid('sa')}": "Бишкек\x00"}
    assert client.post("/courses/sample-course/types/attempts", data=form).status_code == 400
    for text in ("Бишкек\x00", "Бишкек\ud800"):  # a lone surrogate can only come as a JSON escape
        body = json.dumps({"answers": {"sa": text}})
        response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
        assert response.status_code == 400 and names(response, "sa")
    assert count(Attempt) == 0


def test_invalid_utf8_in_a_form_field_is_refused_not_stored_as_other_text(client, learner, post_form):
    """Werkzeug would keep %FF as the text "%FF" (urlencoded) or make it U+FFFD (multipart)."""
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    urlencoded = client.post("/profile", data=f"csrf_token={token}&name=Ann%FF&institution=0&locale=en",
                             content_type="application/x-www-form-urlencoded")
    raw_bytes = client.post("/profile", data=f"csrf_token={token}&name=Ann".encode() + b"\xff&institution=0",
                            content_type="application/x-www-form-urlencoded")
    boundary = "xyz"
    multipart = client.post("/profile", data=(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n").encode() + b"Ann\xff\r\n"
        + f"--{boundary}--\r\n".encode(), content_type=f"multipart/form-data; boundary={boundary}")
    assert [r.status_code for r in (urlencoded, raw_bytes, multipart)] == [400, 400, 400]
    assert names(urlencoded, "name") and names(multipart, "name") and "UTF-8" in message(raw_bytes)
    db.session.rollback()
    assert db.session.get(User, learner.id).name.startswith("Test User")


def test_invalid_utf8_or_nul_in_a_query_string_is_refused(client, course):
    assert client.get("/courses?q=%FF").status_code == 400
    assert client.get("/courses?q=a%00b").status_code == 400
    assert client.get("/api/v1/courses?q=a%00b").status_code == 400
    assert client.get("/courses?q=%D0%BF%D0%BE%D0%B8%D1%81%D0%BA").status_code == 200  # "поиск"


def test_the_refusal_is_in_the_readers_language(client, learner, post_form):
    texts = {}
    for locale in ("ru", "ky", "en"):
        client.post("/language", data={"locale": locale, "csrf_token": csrf_token_from(
            client.get("/profile").get_data(as_text=True))})
        texts[locale] = message(post_form("/profile", {"name": "a\x00", "institution": "0", "locale": locale}))
    said = {re.search(r"</h1>\s*<p>([^<]*)</p>", t).group(1) for t in texts.values()}
    assert len(said) == 3 and all("name" in text for text in said), said


def test_an_overlong_field_is_refused(client, learner, bearer):
    body = json.dumps({"answers": {"essay": "x" * 100_001}})
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 400 and "longer than 100000" in message(response)
    assert count(Attempt) == 0


def test_tabs_and_line_breaks_are_text(client, learner, bearer):
    body = json.dumps({"answers": {"essay": "Первый абзац.\r\n\tВторой абзац."}})
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 201, message(response)


def test_a_path_segment_with_nul_or_an_id_beyond_the_columns_names_nothing(client, auth, course):
    auth.login(role="admin")
    for path in ("/join/AB%00CD", "/certificates/X%00", "/courses/sample%00course",
                 "/teach/cohorts/99999999999999999999999", "/teach/grading/2147483648",
                 "/api/v1/courses/sample%00course", "/api/v1/teach/cohorts/99999999999999999999/courses/x/progress"):
        assert client.get(path).status_code == 404, path


def test_a_redirect_target_with_a_line_break_or_no_address_falls_back_to_the_default(client, learner, post_form):
    """Tab and line breaks pass the input rule (they are text), but never into a Location header;
    a target that is no address (an unclosed IPv6 host) was a 500. Found by test_form_fuzz."""
    for target in ("/dashboard\r\nSet-Cookie: x=1", "/dashboard\n", "\t/dashboard", "http://[", "//[x"):
        response = post_form("/language", {"locale": "en", "next": target}, token_page="/profile")
        assert response.status_code == 302 and response.location == "/", target


# -- item 3: numbers that are not finite -----------------------------------------------------

@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 400])
def test_json_numbers_that_are_not_finite_are_refused(client, bearer, number):
    body = '{"answers": {"num": %s}}' % number
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 400
    assert number[:20] in message(response)
    assert count(Attempt) == 0


@pytest.mark.parametrize("text", ["1e400", "-1e400", "1" + "0" * 400])
def test_a_numerical_answer_written_too_large_is_refused_by_the_form_and_the_api(client, learner, bearer, text):
    form = {**quiz_form(client, "types"), f"q{qid('num')}": text}
    assert client.post("/courses/sample-course/types/attempts", data=form).status_code == 400
    body = json.dumps({"answers": {"num": text}})
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 400 and "finite" in message(response)
    assert count(Attempt) == 0


# -- item 4: the quiz form and the API apply the same rules ----------------------------------

def test_the_form_refuses_an_answer_to_another_modules_question(client, learner):
    form = {**quiz_form(client, "boolean"), f"q{qid('bool-tf')}": "true", f"q{qid('sa')}": "Бишкек"}
    response = client.post("/courses/sample-course/boolean/attempts", data=form)
    assert response.status_code == 400
    assert f"q{qid('sa')}" in message(response)
    assert count(Attempt) == 0


@pytest.mark.parametrize("field", ["q999999", "q999999-0"])
def test_the_form_refuses_an_answer_to_a_question_that_does_not_exist(client, learner, field):
    form = {**quiz_form(client, "boolean"), field: "x"}
    assert client.post("/courses/sample-course/boolean/attempts", data=form).status_code == 400
    assert count(Attempt) == 0


def test_the_form_refuses_a_matching_item_the_question_does_not_have(client, learner):
    form = {**quiz_form(client, "types"), f"q{qid('match')}-7": "продавать"}
    assert client.post("/courses/sample-course/types/attempts", data=form).status_code == 400
    assert count(Attempt) == 0


@pytest.mark.parametrize("key", ["k" * 100_000, "k" * 65, "", "ключ", "a b", "a/b"])
def test_the_form_and_the_api_refuse_the_same_attempt_keys(client, learner, bearer, key):
    form = {**quiz_form(client, "boolean"), "attempt_key": key, f"q{qid('bool-tf')}": "true"}
    assert client.post("/courses/sample-course/boolean/attempts", data=form).status_code == 400
    body = json.dumps({"idempotency_key": key, "answers": {"tf": True}})
    response = client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer)
    assert response.status_code == 400 and "idempotency_key" in message(response)
    assert count(Attempt) == 0


def test_a_key_used_for_another_module_is_refused_by_the_form_and_the_api(client, learner, bearer):
    form = {**quiz_form(client, "boolean"), "attempt_key": "shared-key", f"q{qid('bool-tf')}": "true"}
    assert client.post("/courses/sample-course/boolean/attempts", data=form).status_code == 302
    again = {**quiz_form(client, "types"), "attempt_key": "shared-key"}
    assert client.post("/courses/sample-course/types/attempts", data=again).status_code == 409
    body = json.dumps({"idempotency_key": "shared-key", "answers": {}})
    assert client.post(ATTEMPTS, data=body, content_type="application/json", headers=bearer).status_code == 409
    assert count(Attempt) == 1


def test_a_valid_form_still_records_its_attempt(client, learner):
    form = {**quiz_form(client, "types"), f"q{qid('sa')}": "Бишкек", f"q{qid('num')}": "3,5",
            f"q{qid('match')}-0": "информировать"}
    response = client.post("/courses/sample-course/types/attempts", data=form)
    assert response.status_code == 302, message(response)
    assert count(Attempt) == 1


# -- item 5: unsupported methods -------------------------------------------------------------

def _sample_path(rule) -> str:
    values = {name: 1 if type(conv).__name__.endswith("IntegerConverter") else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


@pytest.mark.parametrize("method", ["TRACE", "FOO", "PATCH"])
def test_every_address_answers_an_unsupported_method_with_405_and_allow(app, client, auth, method):
    """Every route of the app, signed in (so login and role checks would run if they could)."""
    auth.login(role="admin")
    checked = 0
    for rule in app.url_map.iter_rules():
        if method in rule.methods or rule.endpoint == "static":
            continue
        path = _sample_path(rule)
        allowed = set(app.url_map.bind("localhost").allowed_methods(path))  # what routing knows
        assert allowed >= rule.methods
        response = client.open(path, method=method)
        assert response.status_code == 405, (path, response.status_code)
        assert set(response.headers["Allow"].split(", ")) == allowed, path
        checked += 1
    assert checked > 60


def test_options_keeps_flasks_answer(client):
    response = client.open("/login", method="OPTIONS")
    assert response.status_code == 200 and "POST" in response.headers["Allow"]


@pytest.mark.parametrize("value", ["NaN", "sNaN", "-Infinity", "inf"])
def test_number_fields_refuse_what_decimal_reads_but_no_form_means(client, auth, value):
    """The hours of external learning: a field error, not a 500, and nothing stored."""
    auth.login(role="learner")
    page = client.get("/credentials/external").get_data(as_text=True)
    response = client.post("/credentials/external", data={
        "title": "Семинар", "provider": "Библиотека", "activity_date": "2026-01-10", "hours": value,
        "csrf_token": csrf_token_from(page)})
    assert response.status_code in (200, 400)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0
