"""The JSON API v1 through the test client: every endpoint, every error status, both ways to log in.

Every JSON response these tests receive is also validated against the OpenAPI document (see
``api`` below), so the document and the code cannot drift apart.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attempt, Question
from app.services import tokens as token_service
from tests import factories
from tests.conftest import csrf_token_from
from tests.integration.test_api_schema import assert_conforms

ALL_TYPES_QUIZ = """\
---
title: Все типы
minutes: 15
quiz:
  pass_mark: 50
---
# Все типы вопросов

```quiz
// [id:mc]
Какой оператор сужает поиск? {
  =AND#MC-FEEDBACK-RIGHT
  ~OR#MC-FEEDBACK-WRONG
}

// [id:mr]
Что помогает проверить источник? {
  ~%50%Автор#MR-FEEDBACK-A
  ~%50%Дата#MR-FEEDBACK-B
  ~%-100%Цвет#MR-FEEDBACK-C
}

// [id:tf]
OR расширяет поиск. {TRUE#TF-FEEDBACK-WRONG#TF-FEEDBACK-RIGHT}

// [id:sa]
Столица Кыргызстана? {=Бишкек#SA-FEEDBACK}

// [id:num]
Сколько будет 2,5 + 1? {#3.5:0#NUM-FEEDBACK}

// [id:match]
Сопоставьте. {
  =Энциклопедия -> информировать
  =Реклама -> продавать
}

// [id:essay]
Опишите ваш поиск. {}

// [id:desc]
Прочитайте задания внимательно.
```
"""

MODULES = {**factories.SAMPLE_MODULES, "03-types.md": ALL_TYPES_QUIZ}
# Feedback texts, the short answer's key, the numerical answer and the negative weight.
SECRETS = ["FEEDBACK", "Бишкек", "3.5", "-100", "%"]
QUIZ_KEYS = {"course", "module", "pass_mark", "attempts_allowed", "attempts_used", "attempts_left", "best_score",
             "idempotency_key", "questions", "id", "number", "type", "stem_html", "choices", "index", "html",
             "items", "options"}


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


@pytest.fixture
def course(make_course):
    return make_course(modules=MODULES)


class Api:
    """The test client speaking JSON; every response is checked against the OpenAPI document."""

    def __init__(self, client, token: str | None = None, csrf: str | None = None):
        self.client, self.token, self.csrf = client, token, csrf

    def call(self, method: str, path: str, body=None, *, raw: str | None = None, headers=None, status=None):
        headers = {"Accept-Language": "en", **(headers or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.csrf:
            headers["X-CSRFToken"] = self.csrf
        kwargs = {"headers": headers}
        if raw is not None:
            kwargs.update(data=raw, content_type="application/json")
        elif body is not None:
            kwargs["json"] = body
        response = self.client.open("/api/v1" + path, method=method, **kwargs)
        assert_conforms(method, "/api/v1" + path, response)
        if status is not None:
            assert response.status_code == status, response.get_data(as_text=True)
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


def make_token(role: str = "learner"):
    user = factories.make_user(role=role)
    _row, plaintext = token_service.create_token(user, "tests")
    db.session.commit()
    return user, plaintext


@pytest.fixture
def api(client):
    """A learner authenticated by a personal API token."""
    user, plaintext = make_token()
    api = Api(client, plaintext)
    api.user = user
    return api


@pytest.fixture
def anon(client):
    return Api(client)


def quiz_path(module: str = "boolean") -> str:
    return f"/courses/sample-course/modules/{module}"


def error_message(response) -> str:
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == response.status_code
    return body["error"]["message"]


# -- catalog ---------------------------------------------------------------------------------

def test_list_courses_is_public_and_filters(anon, course):
    courses = anon.get("/courses", status=200).get_json()["courses"]
    assert [c["slug"] for c in courses] == ["sample-course"]
    card = courses[0]
    assert card["title"] == "Поиск информации" and card["module_count"] == 3 and card["pass_mark"] == 70
    assert card["audience"] == "students" and card["track"] == "information-literacy" and card["hours"] == 2
    assert "my_status" not in card
    assert anon.get("/courses?language=en").get_json() == {"courses": []}
    assert anon.get("/courses?audience=librarians").get_json() == {"courses": []}
    assert len(anon.get("/courses?language=ru&audience=students&track=information-literacy").get_json()["courses"]) == 1
    assert anon.get("/courses?track=other").get_json() == {"courses": []}


def test_list_courses_shows_my_status_when_authenticated(api, course):
    assert api.get("/courses").get_json()["courses"][0]["my_status"] == "not-enrolled"
    api.post("/courses/sample-course/enrolment", status=201)
    assert api.get("/courses").get_json()["courses"][0]["my_status"] == "enrolled"


def test_course_detail_with_modules(anon, api, course):
    data = anon.get("/courses/sample-course", status=200).get_json()
    assert data["outcomes"] == ["Составлять поисковый запрос"] and data["translations"] == []
    assert [(m["slug"], m["position"], m["has_quiz"]) for m in data["modules"]] == [
        ("intro", 1, False), ("boolean", 2, True), ("types", 3, True)]
    assert "my_status" not in data and "my_status" not in data["modules"][0]
    mine = api.get("/courses/sample-course").get_json()
    assert mine["my_status"] == "not-enrolled"
    assert mine["modules"][1]["my_status"] == "not-started" and mine["modules"][1]["my_best_score"] is None


def test_unknown_course_and_module_are_404(api, course):
    assert "no such course" in error_message(api.get("/courses/nope", status=404))
    assert "no such course" in error_message(api.get("/courses/nope/modules/boolean/quiz", status=404))
    assert "no such module" in error_message(api.get(quiz_path("nope") + "/quiz", status=404))
    assert "no such module" in error_message(api.post(quiz_path("nope") + "/attempts", {"answers": {}}, status=404))
    api.post("/courses/nope/enrolment", status=404)
    api.get("/no/such/endpoint", status=404)


# -- enrolment -------------------------------------------------------------------------------

def test_enrol_and_leave(api, course):
    first = api.post("/courses/sample-course/enrolment", status=201).get_json()
    assert first["course"] == "sample-course" and first["enrolled_at"].endswith("Z")
    api.post("/courses/sample-course/enrolment", status=200)
    assert api.delete("/courses/sample-course/enrolment", status=204).get_data() == b""
    assert api.get("/courses/sample-course").get_json()["my_status"] == "left"
    api.get(quiz_path() + "/quiz", status=403)
    api.post("/courses/sample-course/enrolment", status=201)
    api.get(quiz_path() + "/quiz", status=200)


# -- quiz --------------------------------------------------------------------------------------

def test_quiz_needs_login_and_enrolment(anon, api, course):
    assert error_message(anon.get(quiz_path() + "/quiz", status=401))
    assert "Enrol" in error_message(api.get(quiz_path() + "/quiz", status=403))
    api.post("/courses/sample-course/enrolment")
    assert "no quiz" in error_message(api.get(quiz_path("intro") + "/quiz", status=404))


def test_quiz_json_contains_questions_but_no_answers_or_feedback(api, course):
    api.post("/courses/sample-course/enrolment")
    quiz = api.get(quiz_path("types") + "/quiz", status=200).get_json()
    assert quiz["pass_mark"] == 50 and quiz["attempts_allowed"] is None and quiz["attempts_used"] == 0
    by_id = {q["id"]: q for q in quiz["questions"]}
    assert list(by_id) == ["mc", "mr", "tf", "sa", "num", "match", "essay", "desc"]
    assert [c["index"] for c in by_id["mc"]["choices"]] == [0, 1] and "AND" in by_id["mc"]["choices"][0]["html"]
    assert len(by_id["mr"]["choices"]) == 3
    assert [i["index"] for i in by_id["match"]["items"]] == [0, 1]
    assert sorted(by_id["match"]["options"]) == ["информировать", "продавать"]
    for ident in ("tf", "sa", "num", "essay", "desc"):
        assert set(by_id[ident]) == {"id", "number", "type", "stem_html"}, ident
    assert keys_of(quiz) <= QUIZ_KEYS, keys_of(quiz) - QUIZ_KEYS
    text = json.dumps(quiz, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in text, secret
    # Stored data really holds these secrets, so their absence above is meaningful.
    stored = json.dumps([q.rendered | q.data for q in db.session.scalars(select(Question))], ensure_ascii=False)
    assert "MC-FEEDBACK-RIGHT" in stored and "Бишкек" in stored and "SA-FEEDBACK" in stored


# -- attempts ----------------------------------------------------------------------------------

def test_submit_every_question_type(api, course):
    api.post("/courses/sample-course/enrolment")
    answers = {"mc": 0, "mr": [0, 1], "tf": True, "sa": "бишкек", "num": "3,5",
               "match": {"0": "информировать", "1": "продавать"}, "essay": "Я искал в каталоге."}
    result = api.post(quiz_path("types") + "/attempts", {"answers": answers}, status=201).get_json()
    statuses = {a["question_id"]: a["status"] for a in result["answers"]}
    assert statuses == {"mc": "correct", "mr": "correct", "tf": "correct", "sa": "correct", "num": "correct",
                        "match": "correct", "essay": "pending", "desc": "ungraded"}
    assert result["number"] == 1 and result["pending"] is True and result["auto_score"] == 100.0
    assert result["submitted_at"].endswith("Z") and result["course"] == "sample-course" and result["module"] == "types"
    feedback = {a["question_id"]: a["feedback_html"] for a in result["answers"]}
    assert "MC-FEEDBACK-RIGHT" in feedback["mc"][0] and "TF-FEEDBACK-RIGHT" in feedback["tf"][0]


def test_wrong_answers_get_the_feedback_for_what_was_chosen(api, course):
    api.post("/courses/sample-course/enrolment")
    result = api.post(quiz_path() + "/attempts", {"answers": {"bool-and": 1, "bool-tf": False}}, status=201).get_json()
    assert result["passed"] is False and result["score"] == 0.0
    assert [a["status"] for a in result["answers"]] == ["incorrect", "incorrect"]
    assert "OR даёт больше" in result["answers"][0]["feedback_html"][0]


def test_pass_then_progress_and_attempts(api, course):
    api.post("/courses/sample-course/enrolment")
    result = api.post(quiz_path() + "/attempts", {"answers": {"bool-and": 0, "bool-tf": True}}, status=201).get_json()
    assert result["passed"] is True and result["score"] == 100.0 and result["pass_mark"] == 60
    progress = api.get("/me/progress", status=200).get_json()["courses"]
    assert len(progress) == 1
    entry = progress[0]
    assert entry["course"] == "sample-course" and entry["modules_total"] == 3 and entry["modules_done"] == 1
    assert entry["percent"] == 33 and entry["completed_at"] is None
    assert {m["slug"]: (m["status"], m["best_score"]) for m in entry["modules"]} == {
        "intro": ("not-started", None), "boolean": ("done", 100.0), "types": ("not-started", None)}
    raw = api.get("/me/progress", status=200).get_data()
    assert "Булевы операторы".encode() in raw and b"\\u04" not in raw  # UTF-8 text, not escapes
    assert list(entry) == ["course", "title", "modules_total", "modules_done", "percent", "enrolled_at",
                           "completed_at", "modules"]  # in the serializer's order
    attempts = api.get("/me/attempts", status=200).get_json()["attempts"]
    assert attempts == [{"course": "sample-course", "module": "boolean", "number": 1, "score": 100.0, "auto_score": 100.0,
                         "passed": True, "pending": False, "submitted_at": result["submitted_at"]}]
    detail = api.get("/courses/sample-course").get_json()
    assert detail["modules"][1]["my_status"] == "done" and detail["modules"][1]["my_best_score"] == 100.0


def test_progress_is_valid_json_whatever_the_titles_hold(api, make_course):
    """The progress answer is written from pieces (serializers.my_progress): quotes, backslashes,
    control characters and markup in titles come back exactly as stored."""
    manifest = factories.SAMPLE_MANIFEST.replace("title: Поиск информации", 'title: "Курс \\"в кавычках\\" \\\\ </script>"')
    lesson = factories.LESSON.replace("title: Введение", 'title: "Строка\\tс табуляцией, \\\\n и \\"цитатой\\""')
    course = make_course("odd-titles", manifest=manifest, modules={"01-intro.md": lesson})
    api.post("/courses/odd-titles/enrolment", status=201)
    module = course.modules[0]
    assert '"' in course.title and "\\" in course.title and "\t" in module.title  # the test means what it says
    entry = api.get("/me/progress", status=200).get_json()["courses"][0]
    assert entry["title"] == course.title
    assert entry["modules"] == [{"slug": module.slug, "title": module.title, "status": "not-started", "best_score": None}]


def test_progress_and_attempts_are_empty_for_a_new_user_and_need_login(anon, api, course):
    assert api.get("/me/progress", status=200).get_json() == {"courses": []}
    assert api.get("/me/attempts", status=200).get_json() == {"attempts": []}
    anon.get("/me/progress", status=401)
    anon.get("/me/attempts", status=401)
    anon.get("/me", status=401)
    me = api.get("/me", status=200).get_json()
    assert me["email"] == api.user.email and me["role"] == "learner"


def test_the_same_idempotency_key_returns_the_same_attempt(api, course):
    api.post("/courses/sample-course/enrolment")
    body = {"idempotency_key": "retry-1", "answers": {"bool-and": 0}}
    first = api.post(quiz_path() + "/attempts", body, status=201).get_json()
    again = api.post(quiz_path() + "/attempts", body, status=200).get_json()
    assert again == first
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 1
    # A key is generated when absent: two submissions are two attempts.
    api.post(quiz_path() + "/attempts", {"answers": {}}, status=201)
    assert api.post(quiz_path() + "/attempts", {"answers": {}}, status=201).get_json()["number"] == 3
    # A key already used on another quiz is a conflict, not someone else's result.
    assert "another quiz" in error_message(
        api.post(quiz_path("types") + "/attempts", {"idempotency_key": "retry-1", "answers": {}}, status=409))


def test_attempt_limit_is_409(api, course):
    api.post("/courses/sample-course/enrolment")
    for n in range(3):
        api.post(quiz_path() + "/attempts", {"answers": {"bool-and": 1}}, status=201)
    assert "all attempts" in error_message(api.post(quiz_path() + "/attempts", {"answers": {}}, status=409))
    assert api.get(quiz_path() + "/quiz").get_json()["attempts_left"] == 0


def test_module_without_quiz_is_409(api, course):
    api.post("/courses/sample-course/enrolment")
    assert "no quiz" in error_message(api.post(quiz_path("intro") + "/attempts", {"answers": {}}, status=409))


def test_not_enrolled_is_403_and_anonymous_is_401(anon, api, course):
    assert "Enrol" in error_message(api.post(quiz_path() + "/attempts", {"answers": {}}, status=403))
    anon.post(quiz_path() + "/attempts", {"answers": {}}, status=401)
    anon.post("/courses/sample-course/enrolment", status=401)
    anon.delete("/courses/sample-course/enrolment", status=401)


@pytest.mark.parametrize("answers, question", [
    ({"mc": "many"}, "mc"), ({"mc": 7}, "mc"), ({"mr": [0, 9]}, "mr"), ({"tf": "perhaps"}, "tf"),
    ({"sa": 12}, "sa"), ({"num": "twelve"}, "num"), ({"match": "информировать"}, "match"),
    ({"essay": ["a", "b"]}, "essay"),
])
def test_a_bad_answer_format_is_400_naming_the_question(api, course, answers, question):
    api.post("/courses/sample-course/enrolment")
    message = error_message(api.post(quiz_path("types") + "/attempts", {"answers": answers}, status=400))
    assert f"question {question}:" in message
    assert db.session.scalar(select(db.func.count()).select_from(Attempt)) == 0


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '{"answers": [1]}', '{"answers": {}, "idempotency_key": 5}',
                                 '{"answers": {}, "idempotency_key": "has spaces"}', '{"answers": {"nope": 1}}'])
def test_a_malformed_body_is_400(api, course, raw):
    api.post("/courses/sample-course/enrolment")
    assert error_message(api.post(quiz_path() + "/attempts", raw=raw, status=400))


def test_a_refused_submission_says_why_with_the_errors_own_status(api, course):
    api.post("/courses/sample-course/enrolment")
    path = quiz_path() + "/attempts"
    assert error_message(api.post(path, {"answers": {}, "idempotency_key": "has spaces"}, status=400)) == \
        "idempotency_key must be 1 to 64 letters, digits or . _ : -"
    assert error_message(api.post(path, {"answers": {"nope": 1}}, status=400)) == \
        "There is no question nope in this quiz."
    assert error_message(api.post("/courses/sample-course/modules/nowhere/attempts", {"answers": {}},
                                  status=404))


# -- cookie authentication and CSRF ----------------------------------------------------------

def test_cookie_session_works_and_unsafe_requests_need_the_csrf_header(client, auth, course):
    auth.login(role="learner")
    cookie = Api(client)
    assert cookie.get("/me", status=200).get_json()["role"] == "learner"
    assert "expired" in error_message(cookie.post("/courses/sample-course/enrolment", status=400))
    cookie.call("POST", "/courses/sample-course/enrolment", headers={"X-CSRFToken": "forged"}, status=400)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    with_csrf = Api(client, csrf=token)
    with_csrf.post("/courses/sample-course/enrolment", status=201)
    with_csrf.post(quiz_path() + "/attempts", {"answers": {"bool-and": 0}}, status=201)
    cookie.post(quiz_path() + "/attempts", {"answers": {"bool-and": 0}}, status=400)
    with_csrf.delete("/courses/sample-course/enrolment", status=204)


def test_bearer_requests_need_no_csrf_and_set_no_cookie(api, course):
    response = api.post("/courses/sample-course/enrolment", status=201)
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in api.get("/me").headers
    assert api.get("/me").headers["Cache-Control"] == "private, no-store"


def test_an_invalid_or_revoked_token_is_401_even_on_public_endpoints(client, course):
    user, plaintext = make_token()
    api = Api(client, plaintext)
    api.get("/me", status=200)
    token_service.revoke_token(user, token_service.list_tokens(user)[0].id)
    db.session.commit()
    assert "revoked" in error_message(api.get("/me", status=401))
    api.get("/courses", status=401)
    Api(client, "sbk_" + "x" * 43).get("/courses", status=401)
    Api(client, "garbage").get("/me", status=401)
    Api(client).get("/courses", status=200)


def test_a_token_of_an_inactive_account_is_refused(client, course):
    user, plaintext = make_token()
    user.is_active_account = False
    db.session.commit()
    Api(client, plaintext).get("/me", status=401)


def test_a_bearer_token_with_someone_elses_cookie_is_refused(client, auth, course):
    me = auth.login(role="learner")
    _other, plaintext = make_token()
    assert "revoked" in error_message(Api(client, plaintext).get("/me", status=401))
    _row, own = token_service.create_token(me, "mine")
    db.session.commit()
    # The logged-in user's own token is fine, and with it no CSRF header is needed.
    assert Api(client, own).get("/me", status=200).get_json()["id"] == me.id
    Api(client, own).post("/courses/sample-course/enrolment", status=201)


def test_tokens_only_work_under_the_api(client, course):
    _user, plaintext = make_token()
    response = client.get("/dashboard", headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 302 and "/login" in response.location


def test_openapi_document_is_served(anon):
    doc = anon.get("/openapi.json", status=200).get_json()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}


@pytest.mark.parametrize("raw, says", [('{"answers": {"num": NaN}}', "NaN"), ('{"answers": {"mc": Infinity}}', "Infinity"),
                                       ('{"answers": {"match": {"0": [1, {"a": null}]}}}', "question"),
                                       ('{"answers": {"mr": "0,x"}}', "question")])
def test_odd_json_values_are_400_not_500(api, course, raw, says):
    """Non-finite numbers are refused by the input rule, wrong shapes by the grader; both name it."""
    api.post("/courses/sample-course/enrolment")
    message = error_message(api.post(quiz_path("types") + "/attempts", raw=raw, status=400))
    assert says in message
