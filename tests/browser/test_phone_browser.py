"""Every main page on a phone and a desktop, in ru, ky and en (#25): no page wider than the screen,
axe clean (WCAG 2.1 AA), a screenshot of each for a reviewer; the quiz by keyboard alone, and
without JavaScript through its review step to the result.

Screenshots go to ``$SABAK_SCREENSHOTS`` or tests/browser/screenshots/<time of the run>/ (not
kept in git); the path is printed at the end of the run.
"""
from __future__ import annotations

import itertools
import os
import re
import time
from pathlib import Path

import pytest

from app.extensions import db
from tests import factories
from tests.browser.test_accounts_browser import log_in

pytestmark = pytest.mark.browser

WIDTHS = (375, 1280)
LANGUAGES = ("ru", "ky", "en")
_n = itertools.count(1)


@pytest.fixture(scope="module")
def shots(request):
    folder = Path(os.environ.get("SABAK_SCREENSHOTS") or
                  Path(__file__).parent / "screenshots" / time.strftime("%Y%m%d-%H%M%S"))
    folder.mkdir(parents=True, exist_ok=True)
    request.config.sabak_screenshots = folder.resolve()  # printed in the run's summary (conftest.py)
    return folder


@pytest.fixture(scope="module")
def world(live_app):
    """A learner with enrolments, attempts and a group; their instructor's cohort with an essay to
    grade; an admin. Made through the services, as the pages would make them."""
    from sqlalchemy import select

    from app.models import Course, Module
    from app.services import attempts, cohorts, enrolment, progress

    with live_app.app_context():
        learner = factories.make_user(role="learner", email=f"phone-learner{next(_n)}@browser.kg")
        teacher = factories.make_user(role="instructor", email=f"phone-teacher{next(_n)}@browser.kg")
        admin = factories.make_user(role="admin", email=f"phone-admin{next(_n)}@browser.kg")
        db.session.flush()
        course = lambda slug: db.session.scalar(select(Course).where(Course.slug == slug))  # noqa: E731
        module = lambda c, slug: db.session.scalar(  # noqa: E731
            select(Module).where(Module.course_id == c.id, Module.slug == slug))
        cohort = cohorts.create_cohort(teacher, name="Юриспруденция, 1 курс", term="Осень 2026", institution_id=None)
        for slug in ("il-foundations-ru", "essay-course"):
            cohorts.assign_course(cohort, course(slug).id)
        db.session.commit()
        cohorts.join(learner, cohort.join_code)
        for slug in ("il-foundations-ru", "sample-course", "essay-course"):
            enrolment.enrol(learner, course(slug))
        db.session.commit()
        sample, essay = course("sample-course"), course("essay-course")
        progress.mark_done(learner, module(sample, "intro"))
        quiz = module(sample, "boolean")
        first = attempts.active_questions(quiz)
        attempts.submit(learner, quiz, {first[0].id: "1"}, "phone-attempt-1")
        essay_quiz = module(essay, "boolean")
        responses = {q.id: ("AND сужает поиск." if q.qtype == "essay" else None) for q in attempts.active_questions(essay_quiz)}
        attempts.submit(learner, essay_quiz, responses, "phone-attempt-2")
        db.session.commit()
        return {"learner": learner.email, "instructor": teacher.email, "admin": admin.email,
                "cohort": cohort.id, "learner_id": learner.id}


def _pages(world):
    cohort = world["cohort"]
    matrix = f"/teach/cohorts/{cohort}/courses/il-foundations-ru"
    return {
        "learner": ["/", "/courses", "/courses/il-foundations-ru", "/courses/il-foundations-ru/authority",
                    "/courses/il-foundations-ru/searching", "/dashboard", "/courses/sample-course/boolean/attempts/1",
                    "/credentials", "/profile"],
        "instructor": ["/teach/", f"/teach/cohorts/{cohort}", matrix, matrix + "/gain", matrix + "/items",
                       "/teach/grading"],
        "admin": ["/admin/users", "/admin/reports", "/admin/certificates", "/admin/institutions"],
    }


def _set_locale(live_app, email, language):
    from app.services.accounts import find_user_by_email

    with live_app.app_context():
        find_user_by_email(email).locale = language  # a saved choice outranks the browser's
        db.session.commit()


def overflow(page) -> int:
    """How far the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("role", ["learner", "instructor", "admin"])
def test_main_pages_fit_the_screen_and_pass_axe_in_every_language(
        role, browser, base_url, live_app, world, shots, assert_accessible):
    context = browser.new_context(base_url=base_url, viewport={"width": WIDTHS[0], "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []
    try:
        log_in(page, world[role])
        for language in LANGUAGES:
            _set_locale(live_app, world[role], language)
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                for path in _pages(world)[role]:
                    response = page.goto(path)
                    assert response.status == 200, f"{path}: {response.status}"
                    assert page.locator("html").get_attribute("lang") == language, path
                    name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "home"
                    page.screenshot(path=str(shots / f"{role}-{language}-{width}-{name}.png"), full_page=True)
                    if (extra := overflow(page)) > 0:
                        problems.append(f"{path} ({language}, {width} px) is {extra} px wider than the screen")
                    assert_accessible(page, f"{path} ({language}, {width} px)")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def _tab_to(page, describe: str, wanted, limit: int = 250) -> None:
    """Press Tab until ``wanted(focused)`` holds for the focused element's description."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement; return {
            tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '', value: e.value || '',
            text: (e.textContent || '').trim(), formaction: e.getAttribute('formaction') || ''}; }""")
        if wanted(focused):
            return
    raise AssertionError(f"Tab never reached {describe}")


def _enrolled_learner(browser, base_url, live_app, **options):
    from sqlalchemy import select

    from app.models import Course
    from app.services import enrolment
    from app.services.accounts import find_user_by_email

    email = f"phone-quiz{next(_n)}@browser.kg"
    with live_app.app_context():
        factories.make_user(role="learner", email=email, locale="en")
        enrolment.enrol(find_user_by_email(email), db.session.scalar(select(Course).where(Course.slug == "sample-course")))
        db.session.commit()
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 800}, **options)
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page, email


def test_a_quiz_by_keyboard_alone(browser, base_url, live_app, assert_accessible):
    context, page, email = _enrolled_learner(browser, base_url, live_app)
    try:
        log_in(page, email)
        page.goto("/courses/sample-course/boolean")
        fieldsets = page.locator(".quiz-form fieldset")
        first = fieldsets.nth(0).locator("input").first.get_attribute("name")
        second = fieldsets.nth(1).locator("input").first.get_attribute("name")
        page.locator("body").focus()
        # The first question: Tab into its radio group, Space chooses the focused option.
        _tab_to(page, "the first question", lambda f: f["name"] == first)
        page.keyboard.press("Space")
        _tab_to(page, "the second question", lambda f: f["name"] == second)
        page.keyboard.press("Space")
        _tab_to(page, "the review button", lambda f: f["tag"] == "button" and "Review" in f["text"])
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/review"))
        assert page.locator(".badge-wrong").count() == 0  # both answered
        assert overflow(page) <= 0
        assert_accessible(page, "quiz summary")
        _tab_to(page, "Submit answers", lambda f: f["tag"] == "button" and not f["formaction"]
                and f["text"] == "Submit answers")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/attempts/1$"))
        assert page.locator(".result-summary").count() == 1
    finally:
        context.close()


def test_a_quiz_without_javascript_through_the_review_step(browser, base_url, live_app):
    context, page, email = _enrolled_learner(browser, base_url, live_app, java_script_enabled=False)
    try:
        log_in(page, email)
        page.goto("/courses/sample-course/boolean")
        page.get_by_label("AND", exact=True).check()  # one answer of two
        page.locator(".quiz-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/review"))
        assert "You answered 1 of 2 questions." in page.content()
        assert page.locator(".badge-wrong").count() == 1  # (axe needs JavaScript: see the keyboard test)
        # Back to the unanswered question: the first answer is still chosen.
        page.locator(".is-unanswered button").click()
        page.wait_for_url(re.compile(r"/quiz#q\d+$"))
        assert page.get_by_label("AND", exact=True).is_checked()
        page.locator("input[value=true]").check()
        page.locator(".quiz-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/review"))
        assert "You answered 2 of 2 questions." in page.content()
        page.locator(".review-actions .button:not([formaction])").click()
        page.wait_for_url(re.compile(r"/attempts/1$"))
        assert page.locator(".result-summary.passed").count() == 1
    finally:
        context.close()


def test_an_unreadable_answer_opens_the_page_at_the_error_summary(browser, base_url, live_app):
    """A number in words, on a phone: the page sent back opens at the quiz's error list (the form's
    action carries the fragment: no script involved), not at the top of a long lesson; the link
    leads to the field."""
    context, page, email = _enrolled_learner(browser, base_url, live_app)
    try:
        log_in(page, email)
        page.goto("/courses/il-foundations-ru")
        page.locator("form[action$='/enrol'] button").click()
        page.goto("/courses/il-foundations-ru/searching")  # a long lesson with a numeric question
        numeric = page.locator(".quiz-form input[inputmode=decimal]")
        numeric.first.fill("сто пятьдесят")
        page.locator(".quiz-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/review#quiz-errors$"))
        top = page.evaluate("window.scrollY")
        box = page.locator("#quiz-errors").bounding_box()
        assert top > 1000 and -2 <= box["y"] < 800, (top, box)  # scrolled to the list, at the top
        assert page.locator(".quiz-form input[inputmode=decimal]").first.input_value() == "сто пятьдесят"
        link = page.locator("#quiz-errors a").first
        target = link.get_attribute("href")
        assert page.locator(target).count() == 1
    finally:
        context.close()
