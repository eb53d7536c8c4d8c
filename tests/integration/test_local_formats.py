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
from sqlalchemy import select, update

from app.extensions import db
from app.models import Certificate, Enrolment, LedgerEntry
from app.services import certificates
from tests import factories

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
    }
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        for source, text in expected.items():
            assert render_template_string(source, m=MOMENT) == text, source


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
