"""A quiz on a phone: the summary before grading, errors that lead to their question, and where a
module sits in its course (#25 items 2 and 5, orientation)."""
from __future__ import annotations

import re

import pytest

from app.models import Attempt
from tests import factories
from tests.conftest import csrf_token_from
from tests.factories import question_id as qid

QUIZ = """\
---
title: Числа и пары
minutes: 15
quiz:
  pass_mark: 60
  attempts: 3
---
# Числа и пары

```quiz
// [id:num-1]
Сколько книг в списке? {#150}

// [id:pick-1]
Какой оператор сужает поиск? {=AND ~OR ~NOT}

// [id:match-1]
Сопоставьте. {
  =AND -> сужает
  =OR -> расширяет
  =NOT -> исключает
}

// [id:tf-1]
OR расширяет поиск. {TRUE}
```
"""
PATH = "/courses/sample-course/numbers"
READING = "/courses/sample-course/reading"


@pytest.fixture
def course(make_course):
    return make_course(modules={"01-intro.md": factories.LESSON, "02-boolean.md": factories.QUIZ,
                                "03-numbers.md": QUIZ, "04-reading.md": factories.LESSON.replace("Введение", "Чтение")})


def attempts() -> int:
    return factories.count_rows(Attempt)


def enrolled_form(client, auth, path=PATH):
    auth.login(role="learner")
    html = client.get("/courses/sample-course").get_data(as_text=True)
    client.post("/courses/sample-course/enrol", data={"csrf_token": csrf_token_from(html)})
    html = client.get(path).get_data(as_text=True)
    key = re.search(r'name="attempt_key" value="([0-9a-f]+)"', html)
    key = key.group(1) if key else None
    return html, {"csrf_token": csrf_token_from(html), "attempt_key": key}


def test_the_quiz_goes_to_a_summary_first_that_grades_nothing(client, auth, course):
    html, data = enrolled_form(client, auth)
    assert f'action="{PATH}/review#quiz-errors"' in html
    pick = qid("pick-1")
    response = client.post(PATH + "/review", data={**data, f"q{pick}": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and attempts() == 0
    assert "Вы ответили на 1 из 4 вопросов." in page
    assert page.count("Нет ответа") == 3 and page.count("Ответ дан") == 1
    # The answers ride on to the submission, which is the unchanged route.
    assert f'action="{PATH}/attempts"' in page
    assert f'<input type="hidden" name="q{pick}" value="0">' in page
    assert f'<input type="hidden" name="attempt_key" value="{data["attempt_key"]}">' in page
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    carried["csrf_token"] = csrf_token_from(page)
    submitted = client.post(PATH + "/attempts", data=carried)
    assert submitted.status_code == 302 and attempts() == 1
    # The same form sent again (the back button) records nothing new.
    assert client.post(PATH + "/attempts", data=carried).status_code == 302 and attempts() == 1


def test_back_to_the_questions_keeps_every_answer(client, auth, course):
    _html, data = enrolled_form(client, auth)
    num, match = qid("num-1"), qid("match-1")
    answers = {**data, f"q{num}": "150", f"q{match}-0": "расширяет"}
    review = client.post(PATH + "/review", data=answers).get_data(as_text=True)
    assert f'formaction="{PATH}/quiz#q{num}"' in review and f'formaction="{PATH}/quiz#quiz-heading"' in review
    back = client.post(PATH + "/quiz", data=answers)
    page = back.get_data(as_text=True)
    assert back.status_code == 200 and attempts() == 0
    assert f'name="q{num}" id="q{num}-text" value="150"' in page
    assert '<option value="расширяет" selected>' in page
    assert f'value="{data["attempt_key"]}"' in page


def test_an_unreadable_answer_opens_at_a_summary_that_leads_to_the_question(client, auth, course):
    _html, data = enrolled_form(client, auth)
    num, pick = qid("num-1"), qid("pick-1")
    for route in ("/review", "/attempts"):  # found at the summary, or at the submission itself
        response = client.post(PATH + route, data={**data, f"q{num}": "сто пятьдесят", f"q{pick}": "2"})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and attempts() == 0
        summary = page[page.index('id="quiz-errors"'):]
        assert 'tabindex="-1"' in page[page.index('id="quiz-errors"') - 80:page.index('id="quiz-errors"') + 200]
        assert f'<a href="#q{num}-text">Вопрос 1: Введите число, например 12 или 3,5.</a>' in summary \
            or f'<a href="#q{num}-text">Вопрос 1: ' in summary
        assert f'id="q{num}-text"' in summary  # the link's target, after the summary
        assert page.index('id="quiz-errors"') > page.index('id="quiz-heading"')  # at the quiz, not the top
        assert 'value="сто пятьдесят"' in page and f'id="q{pick}-2" value="2" checked' in page
        assert f'action="{PATH}/review#quiz-errors"' in page  # corrected, it goes on to the summary


def test_the_review_step_is_only_for_enrolled_learners(client, auth, course):
    auth.login(role="learner")
    html = client.get("/courses/sample-course").get_data(as_text=True)
    token = csrf_token_from(html)
    assert client.post(PATH + "/review", data={"csrf_token": token, "attempt_key": "k"}).status_code == 403
    assert client.post(PATH + "/quiz", data={"csrf_token": token}).status_code == 403
    client.post("/courses/sample-course/enrol", data={"csrf_token": token})
    assert client.post(PATH + "/review", data={"csrf_token": token}).status_code == 400  # no attempt key
    assert client.post("/courses/sample-course/intro/review",
                       data={"csrf_token": token, "attempt_key": "k"}).status_code == 404  # no quiz


def test_a_module_says_where_it_sits_and_shows_the_learners_own_marks(client, auth, course):
    page = client.get("/courses/sample-course/intro").get_data(as_text=True)
    assert "Модуль 1 из 4" in page and "около 10 мин" in page and "Содержание курса" in page
    top = page[:page.index('class="lesson"')]
    assert 'rel="next" href="/courses/sample-course/boolean"' in top  # the way on, before the text
    assert 'rel="next"' in page[page.index('class="lesson"'):]  # and after it

    _html, _data = enrolled_form(client, auth, "/courses/sample-course/intro")
    first = client.get(READING).get_data(as_text=True)
    assert 'class="is-done"' not in first
    client.get(READING)  # served from the kept page
    token = csrf_token_from(client.get("/courses/sample-course/intro").get_data(as_text=True))
    client.post("/courses/sample-course/intro/done", data={"csrf_token": token})
    client.get("/courses/sample-course/boolean")  # where marking done leads; shows the flash
    # The next view of another module (a page kept for every enrolled reader) marks the one
    # just done, and counts it.
    for _view in range(2):
        again = client.get(READING).get_data(as_text=True)
        outline = again[again.index('class="course-outline"'):again.index("</details>")]
        assert "1 из 4 пройдено" in outline
        assert re.findall(r'<li class="is-done"><a href="([^"]+)"', outline) == ["/courses/sample-course/intro"]
    quiz_page = client.get(PATH).get_data(as_text=True)  # rendered for the reader, with the same marks
    assert re.findall(r'<li class="is-done"><a href="([^"]+)"', quiz_page) == ["/courses/sample-course/intro"]

    # Another learner, served the same kept page, sees their own (empty) marks.
    client.post("/logout", data={"csrf_token": csrf_token_from(again)})
    enrolled_form(client, auth, "/courses/sample-course/intro")
    theirs = client.get(READING).get_data(as_text=True)
    assert 'class="is-done"' not in theirs and "Модуль 4 из 4" in theirs
    assert "Содержание курса</summary>" in theirs
