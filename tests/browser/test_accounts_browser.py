"""A newcomer registers, logs in, switches language and logs out, in a real browser."""
from __future__ import annotations

import itertools
import re

import pytest

from app.extensions import db
from tests import factories

pytestmark = pytest.mark.browser
_n = itertools.count(1)


def make_account(live_app, role="learner"):
    with live_app.app_context():
        user = factories.make_user(role=role, email=f"{role}{next(_n)}@browser.kg")
        db.session.commit()
        return user.email


def log_in(page, email, password=factories.PASSWORD):
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))


def test_register_login_switch_language_logout(page, assert_accessible):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert_accessible(page, "home (ru)")
    page.locator("main a[href='/register']").click()
    email = f"nurlan{next(_n)}@browser.kg"
    page.locator("#name").fill("Нурлан Абдыкадыров")
    page.locator("#email").fill(email)
    page.locator("#password").fill("a long browser password")
    page.locator("#confirm").fill("a long browser password")
    page.locator("#locale").select_option("ru")
    assert_accessible(page, "register (ru)")
    page.locator("main input[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert "Нурлан Абдыкадыров" in page.content()

    # Log out, then in again with the new account.
    page.goto("/logout")
    page.locator("main input[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    log_in(page, email, "a long browser password")

    # Switch to Kyrgyz by mouse and then to English by keyboard; the choice is saved.
    with page.expect_navigation():
        page.locator(".language-switcher button[value=ky]").click()
    assert page.locator("html").get_attribute("lang") == "ky"
    page.locator(".language-switcher button[value=en]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "dashboard (en)")

    page.goto("/logout")
    page.locator("main input[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("html").get_attribute("lang") == "en"  # the choice outlives the session
    assert page.locator("header a[href='/login']").count() == 1


def institution_pages(live_app) -> list[str]:
    """The institutions pages, with an institution in use and a coordinator to give it to."""
    from app.models import Region
    from app.services import coordinator, institutions

    with live_app.app_context():
        inst = institutions.find_by_name("Чуйская областная библиотека") or factories.make_institution(
            "Чуйская областная библиотека", Region.CHUY)
        coord = factories.make_user(role="coordinator", email=f"coordinator{next(_n)}@browser.kg")
        coordinator.set_coordinator_scope(coord, institutions=[inst], all_institutions=False)
        db.session.commit()
        return ["/admin/institutions", f"/admin/institutions/{inst.id}", f"/admin/users/{coord.id}/institutions"]


def certificate_code(live_app) -> str:
    """A real certificate: a learner completes the sample course's lesson and quiz."""
    from sqlalchemy import select

    from app.models import Answer, Certificate, Course, Question  # noqa: F401
    from app.services import attempts, enrolment, progress

    with live_app.app_context():
        existing = db.session.scalar(select(Certificate.code))
        if existing:
            return existing
        user = factories.make_user(name="Сертификат Алуучу")
        course = db.session.scalar(select(Course).where(Course.slug == "sample-course"))
        enrolment.enrol(user, course)
        progress.mark_done(user, course.modules[0])
        questions = attempts.active_questions(course.modules[1])
        answers = {q.id: ("0" if q.qtype == "multichoice" else "true") for q in questions}
        attempts.submit(user, course.modules[1], answers, "browser-cert")
        db.session.commit()
        return db.session.scalar(select(Certificate.code))


def test_skip_link_is_the_first_tab_stop(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert focused == "#main"


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_main_pages_have_no_accessibility_violations(browser, base_url, live_app, assert_accessible, locale):
    context = browser.new_context(base_url=base_url, extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    try:
        for path in ["/", "/login", "/register", "/forgot-password"]:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == locale
            assert_accessible(page, f"{path} ({locale})")
        email = make_account(live_app, role="admin")
        log_in(page, email)
        for path in ["/dashboard", "/profile", "/courses", "/attempts", "/credentials", "/credentials/external",
                     "/teach/", "/teach/cohorts/new", "/teach/grading", "/teach/ledger", "/admin/", "/admin/users",
                     "/admin/courses", "/admin/reports", "/admin/certificates", f"/certificates/{certificate_code(live_app)}",
                     *institution_pages(live_app), "/logout"]:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == locale
            assert_accessible(page, f"{path} ({locale})")
        # Error states are pages too: a form with errors.
        page.goto("/profile")
        page.locator("#pw-current").fill("wrong")
        page.locator("#pw-new").fill("short")
        page.locator("#pw-confirm").fill("other")
        page.locator("form[action='/profile/password'] input[type=submit]").click()
        assert page.locator("[aria-invalid=true]").count() >= 1
        assert_accessible(page, f"profile with errors ({locale})")
    finally:
        context.close()


def test_an_admin_made_reset_link_sets_a_new_password(browser, base_url, live_app, assert_accessible):
    """For sites without mail: the admin makes a link on the users page and hands it over; the
    learner follows it on a phone, sets a password and logs in with it."""
    learner = make_account(live_app, role="learner")
    admin = browser.new_context(base_url=base_url, extra_http_headers={"Accept-Language": "en"})
    phone = browser.new_context(base_url=base_url, extra_http_headers={"Accept-Language": "en"},
                                viewport={"width": 375, "height": 740})
    try:
        page = admin.new_page()
        log_in(page, make_account(live_app, role="admin"))
        page.goto(f"/admin/users?q={learner}")
        page.get_by_role("button", name=re.compile("Make a password-reset link")).click()
        page.wait_for_url(re.compile(r"/reset-link"))
        assert_accessible(page, "the admin's reset link")
        link = page.locator("#reset-link").input_value()
        path = re.search(r"/reset-password/[\w-]+$", link).group(0)

        page = phone.new_page()
        page.goto("/forgot-password")
        assert_accessible(page, "forgot password without mail")
        page.goto(path)
        assert_accessible(page, "set a new password")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
        page.locator("#new").fill("short")
        page.locator("#confirm").fill("short")
        page.locator("main input[type=submit]").click()
        assert page.locator("[aria-invalid=true]").count() >= 1
        assert_accessible(page, "set a new password, with errors")
        page.locator("#new").fill("a new phone password")
        page.locator("#confirm").fill("a new phone password")
        page.locator("main input[type=submit]").click()
        page.wait_for_url(re.compile(r"/login$"))
        log_in(page, learner, "a new phone password")
        page.goto(path)
        assert "does not work any more" in page.content()
    finally:
        admin.close()
        phone.close()


def test_log_out_everywhere_ends_the_session_left_on_a_shared_computer(browser, base_url, live_app, assert_accessible):
    email = make_account(live_app)
    library, home = (browser.new_context(base_url=base_url, locale="en-US") for _ in range(2))
    try:
        shared, own = library.new_page(), home.new_page()
        log_in(shared, email)  # and walks away without logging out
        log_in(own, email)
        own.goto("/profile")
        assert_accessible(own, "profile with the sessions section")
        own.get_by_role("button", name="Log out everywhere").click()
        own.wait_for_url(re.compile(r"/login$"))
        assert "logged out on every device" in own.content()
        shared.goto("/dashboard")  # the next person at the library computer
        shared.wait_for_url(re.compile(r"/login\?next=(%2F|/)dashboard$"))
    finally:
        library.close()
        home.close()
