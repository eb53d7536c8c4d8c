"""Continuing-education credit: certificates anyone can verify, the hours ledger, tracks."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.credentials import dataintegrity
from app.extensions import db
from app.models import Certificate, LedgerEntry
from app.services import certificates, progress
from tests import factories
from tests.conftest import csrf_token_from

@pytest.fixture
def course(librarian_course):
    return librarian_course


def test_complete_verify_revoke(client, course, keyed_app):
    learner = factories.make_user(name="Айгүл Өмүрбекова")
    factories.complete_course(learner, course)
    cert = db.session.scalar(select(Certificate).where(Certificate.kind == "course"))
    assert cert.hours == 8 and cert.holder_name == "Айгүл Өмүрбекова"
    entry = db.session.scalar(select(LedgerEntry))
    assert (entry.source, entry.hours, entry.status, entry.track) == ("course", 8, "approved", "librarian-ce")

    page = client.get(f"/certificates/{cert.code}")  # public: nobody is logged in
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Айгүл Өмүрбекова" in html and "8" in html

    # The Open Badges JSON verifies against the key the platform publishes at /issuer.
    badge = client.get(f"/certificates/{cert.code}/credential.json").get_json()
    assert "OpenBadgeCredential" in badge["type"]
    assert badge["credentialSubject"]["achievement"]["creditsAvailable"] == 8
    assert badge["credentialSubject"]["creditsEarned"] == 8
    issuer = client.get("/issuer").get_json()
    keys = {vm["id"]: vm["publicKeyMultibase"] for vm in issuer["verificationMethod"]}
    assert keyed_app.public_multikey in keys.values()
    assert dataintegrity.verify(badge, dataintegrity.key_resolver(keys)).ok
    tampered = {**badge, "credentialSubject": {**badge["credentialSubject"], "creditsEarned": 80}}
    assert not dataintegrity.verify(tampered, dataintegrity.key_resolver(keys)).ok

    certificates.revoke(cert, "Issued by mistake")
    db.session.commit()
    html = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "Отозван" in html and "Issued by mistake" not in html  # the reason is not the public's
    from app.credentials import status

    status_list = client.get("/credentials/status").get_json()
    assert status.is_revoked(badge, status_list)


def test_the_certificate_pdf_renders_with_the_cyrillic_name(client, course):
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("poppler-utils is not installed (apt-get install poppler-utils)")
    learner = factories.make_user(name="Айгүл Өмүрбекова")
    factories.complete_course(learner, course)
    cert = db.session.scalar(select(Certificate))
    pdf = client.get(f"/certificates/{cert.code}.pdf").data
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Айгүл Өмүрбекова" in text
    png = subprocess.run(["pdftoppm", "-png", "-r", "30", "-f", "1", "-l", "1", "-"], input=pdf,
                         capture_output=True, check=True).stdout
    assert png.startswith(b"\x89PNG")


def test_completion_once_credits_once_and_a_level_certificate_follows(course):
    learner = factories.make_user()
    factories.complete_course(learner, course)
    progress.update_course_completion(learner, course)  # again: nothing new
    db.session.commit()
    assert db.session.query(LedgerEntry).count() == 1
    assert db.session.query(Certificate).filter_by(kind="course").count() == 1
    assert db.session.query(Certificate).filter_by(kind="track-level").count() == 0  # 8 h < 10 h


def test_external_learning_is_reviewed_then_counts_towards_a_level(client, auth, course, app, signed_in):
    learner = auth.login(role="learner")
    factories.complete_course(learner, course)
    page = client.get("/credentials/external").get_data(as_text=True)
    response = client.post("/credentials/external", data={
        "title": "Семинар «Открытый доступ»", "provider": "Национальная библиотека",
        "activity_date": (date.today() - timedelta(days=3)).isoformat(), "hours": "4", "track": "librarian-ce",
        "evidence": (io.BytesIO(b"%PDF-1.4 evidence"), "программа.pdf"), "csrf_token": csrf_token_from(page),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    entry = db.session.scalar(select(LedgerEntry).where(LedgerEntry.source == "external"))
    assert entry.status == "pending" and entry.evidence_name == "программа.pdf"
    assert client.get(f"/credentials/entries/{entry.id}/evidence").data == b"%PDF-1.4 evidence"
    ledger_page = client.get("/credentials").get_data(as_text=True)
    assert "8" in ledger_page and "Семинар" in ledger_page

    # An instructor outside the learner's cohorts may not review; an admin may.
    outsider = signed_in(role="instructor")
    token = csrf_token_from(outsider.get("/teach/ledger").get_data(as_text=True))
    assert outsider.post(f"/teach/ledger/{entry.id}", data={"approve": "y", "csrf_token": token}).status_code == 403
    assert outsider.get(f"/credentials/entries/{entry.id}/evidence").status_code == 404
    admin = signed_in(role="admin")
    queue = admin.get("/teach/ledger").get_data(as_text=True)
    assert "Семинар" in queue
    token = csrf_token_from(queue)
    admin.post(f"/teach/ledger/{entry.id}", data={"reject": "y", "reason": "", "csrf_token": token})
    db.session.refresh(entry)
    assert entry.status == "pending"  # a rejection needs a reason
    admin.post(f"/teach/ledger/{entry.id}", data={"approve": "y", "csrf_token": token})
    db.session.refresh(entry)
    assert entry.status == "approved"
    level = db.session.scalar(select(Certificate).where(Certificate.kind == "track-level"))
    assert level is not None and level.level == "basic" and level.hours == 10  # 8 + 4 >= 10


def test_transcript_csv_and_pdf(client, auth, course):
    learner = auth.login(role="learner")
    factories.complete_course(learner, course)
    csv_data = client.get("/credentials/transcript.csv").data
    assert csv_data.startswith("\ufeff".encode()) and "Поиск информации".encode() in csv_data
    pdf = client.get("/credentials/transcript.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
        assert learner.name in text and "Поиск информации" in text


def test_admin_reissues_with_the_corrected_name(client, auth, course):
    learner = factories.make_user(name="Aigul Omurbekova")
    factories.complete_course(learner, course)
    old = db.session.scalar(select(Certificate))
    learner.name = "Айгүл Өмүрбекова"
    db.session.commit()
    auth.login(role="admin")
    page = client.get(f"/admin/certificates?q={old.code}").get_data(as_text=True)
    client.post(f"/admin/certificates/{old.id}/reissue", data={"csrf_token": csrf_token_from(page)})
    db.session.refresh(old)
    new = db.session.scalar(select(Certificate).where(Certificate.reissue_of_id == old.id))
    assert old.is_revoked and new.holder_name == "Айгүл Өмүрбекова" and not new.is_revoked
    page = client.get(f"/admin/certificates?q={new.code}").get_data(as_text=True)
    client.post(f"/admin/certificates/{new.id}/revoke", data={"reason": "Test", "csrf_token": csrf_token_from(page)})
    db.session.refresh(new)
    assert new.revoke_reason == "Test"


def test_learners_cannot_review_or_manage_certificates(client, auth, course):
    auth.login(role="learner")
    token = csrf_token_from(client.get("/credentials").get_data(as_text=True))
    assert client.get("/teach/ledger").status_code == 403
    assert client.get("/admin/certificates").status_code == 403
    assert client.post("/admin/certificates/1/revoke", data={"csrf_token": token, "reason": "x"}).status_code == 403


def test_init_key_creates_a_key_once(runner, app, tmp_path):
    target = tmp_path / "key.txt"
    app.config.update(CREDENTIALS_SIGNING_KEY=None, CREDENTIALS_SIGNING_KEY_FILE=str(target))
    result = runner.invoke(args=["credentials", "init-key"])
    assert result.exit_code == 0 and target.read_text().startswith("z")
    assert oct(target.stat().st_mode)[-3:] == "600"
    assert runner.invoke(args=["credentials", "init-key"]).exit_code != 0
    assert runner.invoke(args=["credentials", "init-key", "--if-missing"]).exit_code == 0
