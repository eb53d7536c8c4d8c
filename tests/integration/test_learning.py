"""The learning loop through the real pages: catalog, enrolment, lessons, quizzes, progress."""
from __future__ import annotations

import re
import time

from sqlalchemy import select

from app import caching
from app.extensions import db
from app.models import Attempt, Enrolment, ModuleProgress, Question
from tests import factories
from tests.conftest import csrf_token_from, statements_run
from tests.factories import question_id as qid


def quiz_form(client, path="/courses/sample-course/boolean"):
    html = client.get(path).get_data(as_text=True)
    key = re.search(r'name="attempt_key" value="([0-9a-f]+)"', html).group(1)
    return html, {"csrf_token": csrf_token_from(html), "attempt_key": key}


def submit(client, data, path="/courses/sample-course/boolean"):
    return client.post(path + "/attempts", data=data)


def enrol(client):
    html = client.get("/courses/sample-course").get_data(as_text=True)
    return client.post("/courses/sample-course/enrol", data={"csrf_token": csrf_token_from(html)})


def test_catalog_lists_and_filters_courses(client, course):
    page = client.get("/courses").get_data(as_text=True)
    assert "Поиск информации" in page and "Короткий курс о поиске." in page
    assert "Поиск информации" not in client.get("/courses?language=en").get_data(as_text=True)
    assert "Поиск информации" in client.get("/courses?audience=students&track=information-literacy").get_data(as_text=True)
    assert "Поиск информации" not in client.get("/courses?audience=librarians").get_data(as_text=True)


def test_course_page_shows_modules_and_outcomes(client, course):
    page = client.get("/courses/sample-course").get_data(as_text=True)
    assert "Составлять поисковый запрос" in page
    assert page.index("Введение") < page.index("Булевы операторы")
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get("/courses/sample-course/no-such-module").status_code == 404


def test_anonymous_visitors_read_lessons_but_see_no_quiz_form(client, course):
    page = client.get("/courses/sample-course/boolean").get_data(as_text=True)
    assert "Оператор AND сужает поиск." in page
    assert "attempt_key" not in page


def test_the_quiz_page_never_contains_answers_or_feedback(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    html, _ = quiz_form(client)
    assert 'name="q' in html  # the form is there
    for secret in ["Верно: оба слова", "OR даёт больше", "NOT исключает", "Подумайте ещё раз", "Верно.",
                   "#", "=AND", "~OR", "feedback", "correct"]:
        # The form's own fragment (#quiz-errors, where a page sent back with errors opens) is no key.
        assert secret not in html.split('<section class="quiz"')[1].replace('#quiz-errors"', '"'), secret


def test_fail_read_feedback_then_pass(client, auth, course):
    learner = auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    wrong = submit(client, {**form, f"q{qid('bool-and')}": "1", f"q{qid('bool-tf')}": "false"})
    assert wrong.status_code == 302
    result = client.get(wrong.location).get_data(as_text=True)
    assert "OR даёт больше результатов" in result   # the chosen answer's feedback
    assert "Подумайте ещё раз." in result           # true/false feedback for the side picked
    assert "Верно: оба слова" not in result         # the key's feedback is not revealed
    assert db.session.scalar(select(Attempt)).score == 0
    _, form = quiz_form(client)
    right = submit(client, {**form, f"q{qid('bool-and')}": "0", f"q{qid('bool-tf')}": "true"})
    page = client.get(right.location).get_data(as_text=True)
    assert "100" in page
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id,
                                                         ModuleProgress.best_score.is_not(None)))
    assert row.best_score == 100 and row.done_at is not None and row.attempt_count == 2


def test_unanswered_questions_count_as_wrong(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    response = submit(client, {**form, f"q{qid('bool-and')}": "0"})
    attempt = db.session.scalar(select(Attempt))
    assert response.status_code == 302 and attempt.score == 50.0
    assert [a.status for a in attempt.answers] == ["correct", "unanswered"]


def test_submitting_the_same_form_twice_records_one_attempt(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    data = {**form, f"q{qid('bool-and')}": "0"}
    first, second = submit(client, data), submit(client, data)
    assert first.location == second.location
    assert db.session.query(Attempt).count() == 1


def test_each_answer_keeps_its_question_snapshot_as_json(client, auth, course):
    # The snapshots are written as JSON text encoded once per worker (EncodedJSON): they must
    # read back as the question's data, not as a string holding it.
    from app.models import Answer

    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    submit(client, {**form, f"q{qid('bool-and')}": "0"})
    answers = db.session.scalars(select(Answer).order_by(Answer.position)).all()
    assert len(answers) == 2
    for answer in answers:
        question = db.session.get(Question, answer.question_id)
        assert isinstance(answer.question_snapshot, dict) and answer.question_snapshot == question.data
        assert answer.rendered_snapshot == question.rendered


def test_after_leaving_a_new_attempt_is_refused_but_a_resent_form_finds_its_own(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    data = {**form, f"q{qid('bool-and')}": "0"}
    first = submit(client, data)
    html = client.get("/courses/sample-course").get_data(as_text=True)
    client.post("/courses/sample-course/leave", data={"csrf_token": csrf_token_from(html)})
    assert submit(client, data).location == first.location  # the same form again: its result
    assert submit(client, {**data, "attempt_key": "sent-after-leaving"}).status_code == 403
    assert db.session.query(Attempt).count() == 1


def test_a_quiz_submission_without_its_csrf_token_is_refused(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    response = submit(client, {"attempt_key": form["attempt_key"], f"q{qid('bool-and')}": "0"})
    assert response.status_code == 400
    assert db.session.query(Attempt).count() == 0


def test_an_attempt_counts_once_keeps_the_best_score_and_creates_the_progress_row(client, auth, course):
    from app.models import Module
    from app.services import attempts

    learner = auth.login(role="learner")
    enrol(client)
    module = db.session.scalar(select(Module).where(Module.slug == "boolean"))
    mine = select(ModuleProgress).where(ModuleProgress.user_id == learner.id, ModuleProgress.module_id == module.id)
    assert db.session.scalar(mine) is None  # never opened: the first attempt makes the row
    right, wrong = {qid("bool-and"): "0", qid("bool-tf"): "true"}, {qid("bool-and"): "1", qid("bool-tf"): "false"}
    first = attempts.submit(learner, module, wrong, "key-1")
    db.session.commit()
    again = attempts.submit(learner, module, wrong, "key-1")  # the same form sent twice
    db.session.commit()
    assert again.id == first.id
    assert (db.session.scalar(mine).attempt_count, db.session.scalar(mine).best_score) == (1, 0.0)
    attempts.submit(learner, module, right, "key-2")
    attempts.submit(learner, module, wrong, "key-3")
    db.session.commit()
    db.session.expire_all()
    row = db.session.scalar(mine)
    assert (row.attempt_count, row.best_score, row.done_at is not None) == (3, 100.0, True)
    assert db.session.query(Attempt).filter_by(user_id=learner.id).count() == 3


def test_the_attempt_limit_is_enforced(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    for _ in range(3):
        _, form = quiz_form(client)
        submit(client, {**form, f"q{qid('bool-and')}": "1"})
    html = client.get("/courses/sample-course/boolean").get_data(as_text=True)
    assert "attempt_key" not in html  # no form any more
    response = submit(client, {"csrf_token": csrf_token_from(html), "attempt_key": "a-fresh-key",
                               f"q{qid('bool-and')}": "0"})
    assert response.status_code == 302  # back to the module, with a message
    assert db.session.query(Attempt).count() == 3


def test_a_bad_answer_format_is_explained_and_nothing_is_stored(client, auth, make_course):
    numeric = factories.QUIZ.replace("```quiz\n", "```quiz\n// [id:year]\nIn which year? {#2016:0}\n\n")
    make_course(modules={"02-boolean.md": numeric})
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    response = submit(client, {**form, f"q{qid('year')}": "two thousand"})
    assert response.status_code == 400
    assert 'aria-invalid' in response.get_data(as_text=True) or "has-error" in response.get_data(as_text=True)
    assert db.session.query(Attempt).count() == 0
    _, form = quiz_form(client)
    ok = submit(client, {**form, f"q{qid('year')}": " 2016,0 "})  # decimal comma accepted
    assert ok.status_code == 302
    assert db.session.scalar(select(Attempt)).answers[0].status == "correct"


def test_only_enrolled_learners_submit(client, auth, course):
    auth.login(role="learner")
    html = client.get("/courses/sample-course/boolean").get_data(as_text=True)
    response = client.post("/courses/sample-course/boolean/attempts", data={
        "csrf_token": csrf_token_from(html), "attempt_key": "abc", f"q{qid('bool-and')}": "0"})
    assert response.status_code == 403


def test_lesson_done_then_course_complete_then_dashboard(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Поиск информации" in dashboard and "0\xa0%" in dashboard  # Russian: a no-break space
    html = client.get("/courses/sample-course/intro").get_data(as_text=True)
    client.post("/courses/sample-course/intro/done", data={"csrf_token": csrf_token_from(html)})
    _, form = quiz_form(client)
    submit(client, {**form, f"q{qid('bool-and')}": "0", f"q{qid('bool-tf')}": "true"})
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.completed_at is not None
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "100\xa0%" in dashboard
    history = client.get("/attempts").get_data(as_text=True)
    assert "Булевы операторы" in history


def test_a_quiz_module_cannot_be_marked_done_by_hand(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    html = client.get("/courses/sample-course/boolean").get_data(as_text=True)
    client.post("/courses/sample-course/boolean/done", data={"csrf_token": csrf_token_from(html)})
    assert db.session.scalar(select(ModuleProgress).where(ModuleProgress.done_at.is_not(None))) is None


def test_leaving_keeps_progress_and_enrolling_again_resumes(client, auth, course):
    auth.login(role="learner")
    enrol(client)
    html = client.get("/courses/sample-course/intro").get_data(as_text=True)
    client.post("/courses/sample-course/intro/done", data={"csrf_token": csrf_token_from(html)})
    html = client.get("/courses/sample-course").get_data(as_text=True)
    client.post("/courses/sample-course/leave", data={"csrf_token": csrf_token_from(html)})
    assert db.session.scalar(select(Enrolment)).left_at is not None
    enrol(client)
    assert db.session.scalar(select(Enrolment)).left_at is None
    assert db.session.scalar(select(ModuleProgress).where(ModuleProgress.done_at.is_not(None))) is not None


def test_another_learners_result_is_not_visible(app, client, auth, course, signed_in):
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    url = submit(client, {**form, f"q{qid('bool-and')}": "0"}).location
    other = signed_in(role="learner")
    assert other.get(url).status_code == 404


def test_reading_a_module_records_the_learners_place_once(client, auth, course):
    learner = auth.login(role="learner")
    client.get("/courses/sample-course/intro")  # not enrolled yet: nothing is recorded
    assert db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id)) is None
    enrol(client)
    client.get("/courses/sample-course/intro")
    db.session.expire_all()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    row = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == learner.id))
    intro = course.modules[0]
    assert enrolment.last_module_id == intro.id and enrolment.last_seen_at is not None
    assert row.module_id == intro.id and row.visited_at is not None and row.done_at is None
    seen = (enrolment.last_seen_at, enrolment.updated_at, row.updated_at)
    client.get("/courses/sample-course/intro")  # the same place again: no write at all
    db.session.expire_all()
    assert (enrolment.last_seen_at, enrolment.updated_at, row.updated_at) == seen
    client.get("/courses/sample-course/boolean")
    db.session.expire_all()
    assert enrolment.last_module_id == course.modules[1].id
    assert "Булевы операторы" in client.get("/dashboard").get_data(as_text=True)  # "continue" leads there


def _page(client, path="/courses/sample-course/intro"):
    html = client.get(path).get_data(as_text=True)
    return html, csrf_token_from(html)


def assert_served_as_rendered(app, client, path, served, token, last_key=None):
    """A page is kept for ``path`` (its key ending with ``last_key`` when given), and what
    ``client`` was served equals what rendering the page afresh for them gives, tokens aside.
    Returns the fresh render and its token."""
    pages = app.extensions["sabak_kept"]["curriculum"].stores["pages"]
    assert any(last_key is None or key[-1] == last_key for key in pages)
    caching.forget_all()
    fresh, fresh_token = _page(client, path)
    assert served.replace(token, "TOKEN") == fresh.replace(fresh_token, "TOKEN")
    return fresh, fresh_token


def test_readers_in_the_same_state_share_a_lesson_page_each_with_their_own_token(app, client, auth, course,
                                                                                 signed_in):
    """A lesson's page is rendered once for each state of its readers and kept (kept_page): a
    second learner in the same state gets exactly what rendering for them gives, with their own
    CSRF token in the forms, and that token works."""
    first = auth.login(role="learner")
    client.get(enrol(client).location)  # shows (and so ends) the "enrolled" message
    kept_for_first, first_token = _page(client)
    second = factories.make_user(name="Второй Читатель")
    other = signed_in(second)
    html = other.get("/courses/sample-course").get_data(as_text=True)
    other.get(other.post("/courses/sample-course/enrol", data={"csrf_token": csrf_token_from(html)}).location)
    served, second_token = _page(other)
    assert second_token != first_token and first_token not in served
    assert "Второй Читатель" not in served and first.email not in served

    fresh, fresh_token = assert_served_as_rendered(app, other, "/courses/sample-course/intro", served, second_token)
    assert kept_for_first.replace(first_token, "TOKEN") == fresh.replace(fresh_token, "TOKEN")

    response = other.post("/courses/sample-course/intro/done", data={"csrf_token": second_token})
    assert response.status_code == 302
    other.get(response.location)
    done = db.session.scalar(select(ModuleProgress.done_at).where(ModuleProgress.user_id == second.id))
    assert done is not None
    finished = "Вы прошли этот модуль"
    assert finished in _page(other)[0]  # a new state: a page of its own
    assert finished not in _page(client)[0] and "Отметить как пройденный" in _page(client)[0]


def test_a_shared_lesson_page_keeps_each_readers_menu_language_and_messages(app, client, auth, course, signed_in):
    """What the page shows of the reader besides the lesson (the menu of their role, their
    language, a message flashed to them) is never served to another reader."""
    auth.login(role="instructor")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Сообщение только для меня")]
    instructor_page, _ = _page(client)
    assert "Сообщение только для меня" in instructor_page and "Преподавание" in instructor_page
    instructor_page, _ = _page(client)  # the message was shown once; this page is kept
    assert "Сообщение только для меня" not in instructor_page and "Преподавание" in instructor_page
    learner = signed_in(role="learner")
    learner.get("/courses")  # shows (and so ends) the welcome message
    learner_page, _ = _page(learner)
    assert "Преподавание" not in learner_page and "Сообщение только для меня" not in learner_page
    token = csrf_token_from(learner_page)
    learner.post("/language", data={"csrf_token": token, "locale": "en", "next": "/"})
    english, _ = _page(learner)
    assert 'lang="en"' in english and "Courses" in english
    assert 'html lang="ru"' in _page(client)[0]


def test_the_catalog_is_kept_with_a_hole_for_each_readers_own_cards(app, client, auth, course, signed_in):
    """The catalog without filters is one page for every reader but for their status on each
    card (kept_page with an own piece): each reader sees their own badges, exactly as rendering the
    page for them gives, and a filtered catalog is rendered for its request."""
    auth.login(role="learner")
    client.get("/courses")  # shows (and so ends) the welcome message
    client.get(enrol(client).location)
    mine, _ = _page(client, "/courses")
    assert "Вы записаны: пройдено 0 из 2" in mine
    other = signed_in(role="learner")
    other.get("/dashboard")
    theirs, their_token = _page(other, "/courses")
    assert "Вы записаны" not in theirs and "Поиск информации" in theirs
    assert_served_as_rendered(app, other, "/courses", theirs, their_token, "catalog")
    mine_again, _ = _page(client, "/courses")
    assert "Вы записаны: пройдено 0 из 2" in mine_again
    assert "Поиск информации" not in _page(client, "/courses?language=en")[0]


def test_dashboard_course_cards_are_shared_by_learners_at_the_same_point_only(app, client, auth, course, signed_in):
    """A course's card on the dashboard is kept per point in the course (CourseProgress.fragment_key):
    when one learner moves on, their card changes and the other's does not."""
    auth.login(role="learner")
    client.get(enrol(client).location)
    other = signed_in(role="learner")
    html = other.get("/courses/sample-course").get_data(as_text=True)
    other.get(other.post("/courses/sample-course/enrol", data={"csrf_token": csrf_token_from(html)}).location)

    def card(c):
        page = c.get("/dashboard").get_data(as_text=True)
        return re.search(r'<ul class="course-progress">(.*?)</ul>', page, re.S).group(1)

    assert card(client) == card(other) and "/courses/sample-course/intro" in card(client)
    other.get("/courses/sample-course/boolean")  # both are at the quiz now: the place to continue from
    html = client.get("/courses/sample-course/boolean").get_data(as_text=True)
    assert card(client) == card(other) and "/courses/sample-course/boolean" in card(client)
    client.post("/courses/sample-course/intro/done", data={"csrf_token": csrf_token_from(html)})
    client.get("/courses/sample-course/boolean")  # shows (and so ends) the "marked as done" message
    mine, theirs = card(client), card(other)
    assert "Пройдено модулей: 1 из 2" in mine and "/courses/sample-course/boolean" in mine
    assert "Пройдено модулей: 0 из 2" in theirs and "/courses/sample-course/boolean" in theirs


def test_the_dashboard_is_kept_with_holes_for_each_learners_own_parts(app, client, auth, course, signed_in):
    """The dashboard is one page for every learner but for their greeting, courses, groups and
    latest attempts (kept_page with own pieces): each learner sees only their own, exactly as
    rendering the page for them gives."""
    from app.services import cohorts

    teacher = factories.make_user(role="instructor", email="teacher@example.kg")
    group = cohorts.create_cohort(teacher, name="Группа Альфа", term="осень", institution_id=None)
    db.session.commit()
    auth.login(email=factories.make_user(name="Первая Ученица").email)
    client.get("/dashboard")  # shows (and so ends) the welcome message
    client.get(enrol(client).location)
    _html, form = quiz_form(client)
    client.get(submit(client, {**form, f"q{qid('bool-and')}": "0"}).location)
    mine, _ = _page(client, "/dashboard")
    assert "Первая Ученица" in mine and "Булевы операторы</a>:" in mine and "Группа Альфа" not in mine

    second = factories.make_user(name="Второй Ученик")
    other = signed_in(second)
    other.get("/dashboard")
    cohorts.join(second, group.join_code)
    db.session.commit()
    theirs, their_token = _page(other, "/dashboard")
    assert "Второй Ученик" in theirs and "Группа Альфа (осень)" in theirs
    assert "Первая Ученица" not in theirs and "Булевы операторы</a>:" not in theirs
    assert "Поиск информации" not in theirs  # the first learner's course card
    assert_served_as_rendered(app, other, "/dashboard", theirs, their_token, "dashboard")
    again, _ = _page(client, "/dashboard")
    assert "Первая Ученица" in again and "Группа Альфа" not in again and "Второй Ученик" not in again


def test_a_learners_own_dashboard_parts_are_kept_until_their_data_name_or_language_changes(app, client, auth, course):
    """The greeting with the courses, and the latest attempts, are kept per learner under their
    learning revision (app.caching.kept_for_learner): a reload with nothing changed does less work than the
    first view after a change, and each change, whoever makes it, is on the next view exactly as
    a fresh render shows it."""
    from sqlalchemy import text

    learner = auth.login(email=factories.make_user(name="Кайрат").email)
    client.get("/dashboard")  # shows (and so ends) the welcome message
    client.get(enrol(client).location)
    _page(client, "/dashboard")
    with statements_run() as reload:
        page, token = _page(client, "/dashboard")
    assert "Кайрат" in page and "Пройдено модулей: 0 из 2" in page and "Булевы операторы</a>:" not in page

    _html, form = quiz_form(client)
    client.get(submit(client, {**form, f"q{qid('bool-and')}": "0", f"q{qid('bool-tf')}": "true"}).location)
    with statements_run() as after_change:
        page, token = _page(client, "/dashboard")
    assert "Булевы операторы</a>:" in page and "Пройдено модулей: 1 из 2" in page
    # Keeping shows only as work not done, so here the count is the point: not which statements.
    assert len(reload) < len(after_change), (reload, after_change)
    assert_served_as_rendered(app, client, "/dashboard", page, token, "dashboard")

    db.session.execute(text("DELETE FROM quiz_attempts WHERE user_id = :u"), {"u": learner.id})  # not through Sabak
    db.session.commit()
    page, token = _page(client, "/dashboard")
    assert "Булевы операторы</a>:" not in page
    assert_served_as_rendered(app, client, "/dashboard", page, token, "dashboard")

    learner.name, learner.locale = "Кайрат Асанов", "en"
    db.session.commit()
    page, token = _page(client, "/dashboard")
    assert "Hello, Кайрат Асанов" in page and "1 of 2 modules done" in page
    assert_served_as_rendered(app, client, "/dashboard", page, token, "dashboard")

    course.title = "Поиск и оценка"  # bumps the curriculum revision, not the learner's
    db.session.commit()
    assert "Поиск и оценка" in _page(client, "/dashboard")[0]


def test_a_sessions_signed_csrf_token_is_reused_and_still_accepted(app, client, auth, course):
    """Kept pages reuse the token signed for the session's raw token (app.platform.csrf.signed_csrf_token):
    the same token on the next view, accepted by the form; with a time limit on tokens, nothing
    is reused, since the signing time then matters."""
    auth.login(role="learner")
    client.get(enrol(client).location)
    first = _page(client)[1]
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    assert app.extensions["sabak_signed_csrf"][raw] == first
    assert _page(client)[1] == first
    time.sleep(1.1)  # a token signed anew now would differ (it carries the time in seconds)
    assert f'name="csrf_token" value="{first}"' in client.get("/dashboard").get_data(as_text=True)  # csrf_token()
    response = client.post("/courses/sample-course/intro/done", data={"csrf_token": first})
    assert response.status_code == 302
    assert db.session.scalar(select(ModuleProgress.done_at)) is not None
    app.extensions.pop("sabak_signed_csrf", None)
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    _page(client)
    assert not app.extensions.get("sabak_signed_csrf")


def test_a_damaged_quiz_form_is_refused_with_the_errors_status_and_a_reason(client, auth, course):
    # The form's refusals share app/errors.py's refusal_response with the API: the status is the
    # service error's own, the words the form's.
    auth.login(role="learner")
    enrol(client)
    _, form = quiz_form(client)
    bad_key = submit(client, {**form, "attempt_key": "has spaces", f"q{qid('bool-and')}": "0"})
    assert bad_key.status_code == 400
    assert "ключ попытки отсутствует или неверен" in bad_key.get_data(as_text=True)
    unknown = submit(client, {**form, "q999999": "0"})
    assert unknown.status_code == 400
    assert "которого нет в этом тесте (q999999)" in unknown.get_data(as_text=True)
    assert db.session.query(Attempt).count() == 0
