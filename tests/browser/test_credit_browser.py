"""Credit that adds up, in a real browser: a course finished in English and in its Russian
translation gives one certificate and one set of hours; when an admin revokes it, the learner's
transcript, their track level and the coordinator's report all drop those hours."""
from __future__ import annotations

import itertools
import re

import pytest

from app.extensions import db
from tests import factories
from tests.browser.test_accounts_browser import log_in

pytestmark = pytest.mark.browser
_n = itertools.count(1)

# 15 h on librarian-ce (courses/tracks.yml: basic 10 h, intermediate 20 h, advanced 30 h): counted
# once it reaches basic; counted twice (30 h) it would have reached advanced.
MANIFEST = """\
title: {title}
language: {language}
summary: {title}.
audience: librarians
track: librarian-ce
hours: 15
outcomes:
  - {title}
"""
LESSON = "---\ntitle: {title}\nminutes: 5\n---\n# {title}\n\n{title}.\n"


def _setup(live_app, tmp_path, n: int) -> tuple[str, str, str]:
    """Two one-lesson courses, ``…-ru`` and its English translation; a learner of a library of
    their own (so the report's row is theirs alone) and an admin. Returns slug stem and emails."""
    from app.services.sync import sync_all

    stem = f"credit-pair-{n}"
    folders = [
        factories.write_course(tmp_path, f"{stem}-ru", manifest=MANIFEST.format(title=f"Учёт часов {n}", language="ru"),
                               modules={"01-lesson.md": LESSON.format(title="Урок")}),
        factories.write_course(tmp_path, f"{stem}-en", manifest=MANIFEST.format(
            title=f"Counting hours {n}", language="en") + f"translation_of: {stem}-ru\n",
            modules={"01-lesson.md": LESSON.format(title="Lesson")}),
    ]
    with live_app.app_context():
        assert sync_all(folders, commit=db.session.commit, rollback=db.session.rollback).ok
        library = factories.make_institution(f"Библиотека учёта часов {n}")
        learner = factories.make_user(email=f"credit-learner{n}@browser.kg", name=f"Айжан Часова {n}",
                                      institution=library)
        admin = factories.make_user(role="admin", email=f"credit-admin{n}@browser.kg")
        db.session.commit()
        return stem, learner.email, admin.email


def _complete(page, slug: str) -> None:
    page.goto(f"/courses/{slug}")
    page.locator("form[action$='/enrol'] button").click()
    page.locator(".module-list a").first.click()
    page.locator("form[action$='/done'] button").click()
    page.wait_for_load_state()


def _report_row(page, library: str):
    page.goto("/admin/reports")
    return page.locator("tbody tr", has=page.locator("th", has_text=library)).locator("td.num")


def test_one_course_in_two_languages_gives_one_credit_and_revoking_drops_it(
        browser, base_url, live_app, tmp_path, assert_accessible):
    n = next(_n)
    stem, learner_email, admin_email = _setup(live_app, tmp_path, n)
    library = f"Библиотека учёта часов {n}"
    learner = browser.new_context(base_url=base_url, locale="ru-RU").new_page()
    admin = browser.new_context(base_url=base_url, locale="ru-RU").new_page()
    for page in (learner, admin):
        page.set_default_timeout(15000)
    log_in(learner, learner_email)
    _complete(learner, f"{stem}-en")
    _complete(learner, f"{stem}-ru")

    # One certificate, in English (finished first), listing Russian; 15 h, not 30; level basic.
    learner.goto("/credentials")
    certificates = learner.locator("section[aria-labelledby=certs-heading] li")
    course_certificate = certificates.filter(has_text=re.compile(f"Counting hours {n}|Учёт часов {n}"))
    assert course_certificate.count() == 1 and certificates.count() == 2  # and the basic level's
    assert f"Counting hours {n}" in course_certificate.inner_text() and "Русский" in course_certificate.inner_text()
    code = course_certificate.locator("a").first.get_attribute("href").rsplit("/", 1)[1]
    levels = learner.locator("section[aria-labelledby=levels-heading] li",
                             has_text=re.compile("библиотекар", re.I)).inner_text()
    assert "Одобрено часов: 15." in levels and "Ваш уровень: Базовый." in levels and "часов: 30" not in levels
    assert learner.locator("section[aria-labelledby=entries-heading] tbody tr").count() == 1
    assert_accessible(learner, "credit page with one course in two languages")

    # The coordinator's report: one enrolment, one completion, 15 h for this library.
    log_in(admin, admin_email)
    cells = _report_row(admin, library)
    assert [cells.nth(i).inner_text() for i in range(4)] == ["1", "1", "1", "15"]
    assert_accessible(admin, "coordinator's report")

    # The admin revokes the certificate.
    admin.goto(f"/admin/certificates?q={code}")
    card = admin.locator("section.card", has_text=f"Counting hours {n}")
    assert card.count() == 1
    card.locator("input[name=reason]").fill("Тест сдавал другой человек")
    card.locator("form[action$='/revoke'] button").click()
    admin.wait_for_load_state()
    assert "Тест сдавал другой человек" in admin.locator("main").inner_text()
    assert_accessible(admin, "certificates after revoking")

    # The learner's transcript and track level drop the 15 h; the entry says revoked, with a date.
    learner.goto("/credentials")
    levels = learner.locator("section[aria-labelledby=levels-heading] li",
                             has_text=re.compile("библиотекар", re.I)).inner_text()
    assert "Одобрено часов: 0." in levels and "Ваш уровень" not in levels
    entry = learner.locator("section[aria-labelledby=entries-heading] tbody tr").inner_text()
    assert re.search(r"отозвано \d{2}\.\d{2}\.\d{4}", entry)  # as Russian readers write dates
    assert certificates.filter(has_text="отозван").count() == 2  # the level went with the hours
    assert_accessible(learner, "credit page after revocation")
    csv_text = learner.request.get("/credentials/transcript.csv").text()
    assert csv_text.rstrip().splitlines()[-1].endswith(",0")

    # The coordinator's report drops them too: no completion, 0 h.
    cells = _report_row(admin, library)
    assert [cells.nth(i).inner_text() for i in range(4)] == ["1", "1", "0", "0"]

    # Anyone can see it is revoked, and when, but not why.
    public = browser.new_context(base_url=base_url, locale="ru-RU").new_page()
    public.goto(f"/certificates/{code}")
    text = public.locator("main").inner_text()
    assert "Отозван" in text and "другой человек" not in text
    assert_accessible(public, "public verification of a revoked certificate")
    for page in (learner, admin, public):
        page.context.close()
