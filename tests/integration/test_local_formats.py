"""Every page that shows a date or a number writes it as readers of its language do (app.localformat):
the dashboard, the course page, the ledger, the transcript's PDF and CSV, the public verification
page, the admin's certificates; and the template filters in every format."""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest
from flask import render_template_string
from flask_babel import refresh
from sqlalchemy import insert, select, update

from app.extensions import db
from app.localformat import format_percent
from app.models import Certificate, Enrolment, LedgerEntry, User
from app.services import certificates
from tests import factories
from tests.integration.test_html_validity import _as as client_as, world  # noqa: F401 (fixture)

MOMENT = datetime(2026, 12, 7, 14, 5, tzinfo=timezone.utc)
LONG = {"ru": "7 декабря 2026\u202fг.", "ky": "7-декабрь 2026-ж.", "en": "December 7, 2026"}
MEDIUM = {"ru": "7 дек. 2026\u202fг.", "ky": "7-дек. 2026-ж.", "en": "Dec 7, 2026"}
SHORT = {"ru": "07.12.2026", "ky": "07.12.2026", "en": "Dec 7, 2026"}
HOURS = {"ru": "1,5", "ky": "1,5", "en": "1.5"}
SLASHED = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b")  # 7/12/26, 12/7/26: what Babel's short forms wrote


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_the_template_filters_write_each_format_in_each_language(app, locale):
    expected = {
        "{{ m|date('short') }}": SHORT[locale], "{{ m|date('medium') }}": MEDIUM[locale], "{{ m|date }}": LONG[locale],
        "{{ m|datetime('short') }}": {"ru": "07.12.2026, 14:05", "ky": "07.12.2026 14:05",
                                      "en": "Dec 7, 2026, 2:05\u202fPM"}[locale],
        "{{ m|datetime }}": {"ru": "7 дек. 2026\u202fг., 14:05", "ky": "7-дек. 2026-ж. 14:05",
                             "en": "Dec 7, 2026, 2:05\u202fPM"}[locale],
        "{{ 1.5|hours }}": HOURS[locale], "{{ 1234|hours }}": {"ru": "1\xa0234", "ky": "1\xa0234", "en": "1,234"}[locale],
        "{{ 0.667|two_decimals }}": {"ru": "0,67", "ky": "0,67", "en": "0.67"}[locale],
        "{{ 85|percent }}": {"ru": "85\xa0%", "ky": "85%", "en": "85%"}[locale],
        "{{ 66.666|percent }}": {"ru": "66,7\xa0%", "ky": "66,7%", "en": "66.7%"}[locale],
        "{{ none|percent }}": "",
        "{{ 12345|number }}": {"ru": "12\xa0345", "ky": "12\xa0345", "en": "12,345"}[locale],
    }
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        for source, text in expected.items():
            assert render_template_string(source, m=MOMENT) == text, source


def test_a_number_written_in_a_template_follows_each_reader(app):
    """Jinja folds a filter applied to a constant into the compiled template: ``27|percent``,
    compiled during a Russian request, showed every later reader the Russian ``27\xa0%``."""
    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        template = app.jinja_env.from_string("{{ 27|percent }} {{ 1.5|hours }} {{ 1234|number }} {{ 0.5|two_decimals }}")
    for locale, expected in (("ru", "27\xa0% 1,5 1\xa0234 0,50"), ("ky", "27% 1,5 1\xa0234 0,50"),
                             ("en", "27% 1.5 1,234 0.50")):
        with app.test_request_context("/", headers={"Accept-Language": locale}):
            refresh()  # the test keeps one app context, where Flask-Babel keeps the locale
            assert template.render() == expected, locale

@pytest.fixture
def dated(librarian_course):
    """A learner who completed the course on MOMENT, with 1.5 hours credited, and their certificate."""
    learner = factories.make_user(name="Айгүл Өмүрбекова")
    factories.complete_course(learner, librarian_course)
    db.session.execute(update(Enrolment).values(completed_at=MOMENT))
    db.session.execute(update(Certificate).values(issued_at=MOMENT, hours=1.5))
    db.session.execute(update(LedgerEntry).values(activity_date=MOMENT.date(), hours=1.5))
    db.session.commit()
    return learner, db.session.scalar(select(Certificate).where(Certificate.kind == "course"))


def _as(client, auth, user, locale):
    user.locale = locale
    db.session.commit()
    auth.login(email=user.email)


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_the_learners_pages_write_dates_and_hours_in_their_language(client, auth, dated, locale):
    learner, cert = dated
    _as(client, auth, learner, locale)
    pages = {path: client.get(path).get_data(as_text=True)
             for path in ("/dashboard", "/courses/lib-course", "/credentials")}
    assert LONG[locale] in pages["/dashboard"]
    assert LONG[locale] in pages["/courses/lib-course"]
    assert LONG[locale] in pages["/credentials"] and MEDIUM[locale] in pages["/credentials"]
    verify = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert LONG[locale] in verify
    for path, html in {**pages, "verify": verify}.items():
        assert not SLASHED.search(html), (path, SLASHED.search(html))


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_the_transcript_writes_dates_and_hours_in_the_readers_language(client, auth, dated, locale):
    learner, cert = dated
    certificates.revoke(cert, "Test")
    db.session.execute(update(Certificate).values(revoked_at=MOMENT))
    db.session.execute(update(LedgerEntry).values(revoked_at=MOMENT))
    db.session.commit()
    _as(client, auth, learner, locale)
    rows = list(csv.reader(io.StringIO(client.get("/credentials/transcript.csv").data.decode("utf-8-sig"))))
    entry = rows[1]
    # The CSV's columns are data for spreadsheets (ISO dates, a dot for decimals); its texts are the reader's.
    assert entry[0] == "2026-12-07" and entry[4] == "1.5"
    assert SHORT[locale] in entry[5], entry
    if shutil.which("pdftotext"):
        pdf = client.get("/credentials/transcript.pdf").data
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                              check=True).stdout.decode()
        assert SHORT[locale] in text and HOURS[locale] in text, text
        assert "2026-12-07" not in text and not SLASHED.search(text)


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_the_admins_certificates_page_writes_dates_and_hours_in_their_language(client, auth, dated, locale):
    _learner, cert = dated
    admin = factories.make_user(role="admin")
    _as(client, auth, admin, locale)
    html = client.get(f"/admin/certificates?q={cert.code}").get_data(as_text=True)
    assert LONG[locale] in html
    assert {"ru": "1,5 ч", "ky": "1,5 с", "en": "1.5 h"}[locale] in html
    courses = client.get("/admin/courses").get_data(as_text=True)
    assert not SLASHED.search(courses)
    assert re.search({"ru": r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", "ky": r"\d\d\.\d\d\.\d{4} \d\d:\d\d",
                      "en": r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d"}[locale], courses)


def test_a_revoked_date_in_a_merged_note_is_the_readers(app):
    from app.ledger.routes import _short_date

    with app.test_request_context("/", headers={"Accept-Language": "ky"}):
        assert _short_date("2026-12-07") == "07.12.2026" and _short_date(date(2026, 12, 7)) == "07.12.2026"
        assert _short_date("not a date") == "not a date" and _short_date(None) == ""


PERCENTAGE = re.compile(r"\d[\s\u00a0\u202f]*%")  # a number and its percent sign, however spaced


def test_every_percentage_on_the_pages_is_written_as_the_reader_writes_it(app, world):  # noqa: F811
    """Scores, pass marks, progress, averages and question statistics on the learner's and the
    instructor's pages, in ru, ky and en: each sign placed as Babel places it for the language
    (``85\xa0%`` in Russian, ``85%`` in Kyrgyz and English), never ``85%`` in Russian; the
    exports keep plain numbers (a dot for decimals, no sign) for spreadsheets."""
    cohort = world["cohort"].id
    teach = f"/teach/cohorts/{cohort}/courses"
    pages = {
        "learner": ["/dashboard", "/courses/sample-course", "/courses/sample-course/boolean", "/attempts",
                    "/courses/sample-course/boolean/attempts/1", "/courses/essay-course/boolean/attempts/1"],
        "instructor": [f"{teach}/sample-course", f"{teach}/sample-course/items", f"{teach}/essay-course",
                       f"{teach}/sample-course/learners/{world['learner'].id}"],
    }
    for language in ("ru", "ky", "en"):
        written = format_percent(50, language)
        assert written == {"ru": "50\xa0%", "ky": "50%", "en": "50%"}[language]
        for role, paths in pages.items():
            client = client_as(app, world[role], language)
            for path in paths:
                html = client.get(path).get_data(as_text=True)
                found = PERCENTAGE.findall(html)
                assert found, f"{path} ({language}) shows no percentage"
                wrong = sorted({p for p in found if p[1:] != written[2:]})
                assert not wrong, f"{path} ({language}) writes {wrong}, not like {written!r}"
        client = client_as(app, world["learner"], language)
        assert format_percent(70, language) in client.get("/courses/sample-course").get_data(as_text=True)
        module = client.get("/courses/sample-course/boolean").get_data(as_text=True)
        assert format_percent(60, language) in module and format_percent(50, language) in module
        instructor = client_as(app, world["instructor"], language)
        rows = list(csv.reader(io.StringIO(
            instructor.get(f"{teach}/sample-course/matrix.csv").data.decode("utf-8-sig"))))
        header, row = rows[0], rows[1]
        boolean = next(i for i, h in enumerate(header) if h.startswith("Булевы операторы"))  # its status
        assert row[boolean + 1] == "50" and not any("%" in cell for cell in row), (header, row)


@pytest.mark.parametrize("locale", ["ru", "ky", "en"])
def test_large_counts_are_grouped_as_the_reader_writes_them(client, auth, locale):
    """1234 people: '1\xa0234' in Russian and Kyrgyz, '1,234' in English, on the admin's user list,
    an institution's page and its list, and the home page; never the bare '1234'."""
    knu = factories.make_institution("KNU")
    db.session.execute(insert(User), [{"email": f"bulk{i}@example.kg", "name": f"Bulk {i}", "password_hash": "-",
                                       "institution_id": knu.id} for i in range(1233)])
    admin = factories.make_user(role="admin", institution=knu)
    _as(client, auth, admin, locale)
    grouped = {"ru": "1\xa0234", "ky": "1\xa0234", "en": "1,234"}[locale]
    for path in ("/admin/users", f"/admin/institutions/{knu.id}", "/admin/institutions", "/"):
        text = re.sub(r"<[^>]*>", " ", client.get(path).get_data(as_text=True))  # ids and links hold 1234 too
        assert grouped in text and "1234" not in text, path
