"""An instructor runs a cohort in a real browser: create, learner joins, results, essay, CSV."""
from __future__ import annotations

import csv
import io
import re

import pytest

from tests.browser.test_accounts_browser import log_in, make_account

pytestmark = pytest.mark.browser


def assert_buttons_look_like_buttons(page, label):
    """Every submit control styled as a button is drawn as one: filled or outlined in the brand
    colour, as wide as its text, not a white box stretched like a text field (the field styles once
    reached the ``input type=submit`` of forms laid out in a row)."""
    looks = page.evaluate("""() => [...document.querySelectorAll('main .button')].map(el => {
        const s = getComputedStyle(el);
        return {text: el.value || el.textContent.trim(), background: s.backgroundColor,
                border: s.borderTopColor, width: el.getBoundingClientRect().width,
                parent: el.parentElement.getBoundingClientRect().width, weight: s.fontWeight};
    })""")
    assert looks, f"{label}: no buttons found"
    for look in looks:
        assert look["border"] != "rgb(105, 114, 127)", f"{label}: {look} has a text field's border"
        assert int(look["weight"]) >= 600, f"{label}: {look} is not bold like a button"
        assert look["width"] < look["parent"] * 0.9 or look["parent"] < 200, f"{label}: {look} is stretched"


def test_cohort_join_quiz_matrix_essay_csv(browser, base_url, live_app, assert_accessible):
    teacher = browser.new_context(base_url=base_url, accept_downloads=True)
    learner = browser.new_context(base_url=base_url)
    try:
        t, s = teacher.new_page(), learner.new_page()
        log_in(t, make_account(live_app, "instructor"))
        t.goto("/teach/")
        assert_accessible(t, "teach home")
        t.locator("a[href='/teach/cohorts/new']").click()
        t.locator("#name").fill("Юриспруденция, 1 курс")
        t.locator("#term").fill("Осень 2026")
        assert_accessible(t, "new cohort form")
        t.locator("main input[type=submit]").click()
        t.wait_for_url(re.compile(r"/teach/cohorts/\d+$"))
        value = t.locator("#course option", has_text="Курс с эссе").get_attribute("value")
        t.locator("#course").select_option(value)
        t.locator("form[action$='/courses'] input[type=submit]").click()
        code = t.locator(".join-code").inner_text().strip()
        assert_accessible(t, "cohort page")
        assert_buttons_look_like_buttons(t, "cohort page")

        # The learner joins with the code and takes the quiz, essay included.
        log_in(s, make_account(live_app, "learner"))
        assert_buttons_look_like_buttons(s, "dashboard")
        s.locator("#code").fill(code.lower())
        s.locator("form[action='/cohorts/join'] input[type=submit]").click()
        s.wait_for_url(re.compile(r"/dashboard$"))
        assert "Курс с эссе" in s.content()
        s.goto("/courses/essay-course/boolean")
        s.get_by_label("AND", exact=True).check()
        s.locator("input[value=true]").check()
        s.locator("textarea").fill("AND требует, чтобы в записи были оба слова, поэтому результатов меньше.")
        s.locator(".quiz-form button[type=submit]").click()
        s.locator(".review-actions .button:not([formaction])").click()  # the summary, then grading
        s.wait_for_url(re.compile(r"/attempts/1$"))
        assert s.locator(".badge", has_text=re.compile("grading|проверки|текшерүү", re.I)).count() >= 1

        # The instructor sees the result in the matrix, grades the essay, exports CSV.
        t.reload()
        t.locator("a", has_text=re.compile("progress|прогресс", re.I)).first.click()
        t.wait_for_url(re.compile(r"/courses/essay-course$"))
        assert t.locator(".matrix tbody tr").count() == 1
        assert_accessible(t, "progress matrix")
        matrix_url = t.url
        t.goto("/teach/grading")
        assert_accessible(t, "grading queue")
        t.locator("main table a").first.click()
        assert "оба слова" in t.content()
        t.locator("#score").fill("80")
        t.locator("#comment").fill("Верно. Добавьте пример запроса.")
        assert_accessible(t, "grade form")
        t.locator("main input[type=submit]").click()
        t.wait_for_url(re.compile(r"/teach/grading$"))
        t.goto(matrix_url)
        with t.expect_download() as download_info:
            t.locator("a[href*='matrix.csv']").click()
        data = open(download_info.value.path(), "rb").read()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert len(rows) == 2 and "93" in ",".join(rows[1])  # (1 + 1 + 0.8) / 3 = 93.3%
        t.locator("a[href$='/items']").click()
        assert_accessible(t, "question analysis")
        t.go_back()
        t.locator("a[href$='/gain']").click()
        assert_accessible(t, "learning gain")

        # The learner sees the grade and the comment.
        s.reload()
        assert "Добавьте пример запроса." in s.content()
        assert_accessible(s, "graded result")
    finally:
        teacher.close()
        learner.close()
