"""Evidence for external learning: kept in the database (every worker on every host serves it,
the database backup covers it), accepted only when its bytes are a PDF, PNG or JPEG file."""
from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app import create_app
from app.extensions import db
from app.models import EvidenceFile, LedgerEntry
from app.services import ledger
from tests import factories
from tests.conftest import Auth, csrf_token_from, database_url

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


@pytest.fixture(autouse=True)
def english_and_own_instance_folder(app, tmp_path):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    app.instance_path = str(tmp_path / "instance")  # never the checkout's instance/


def _send(client, filename: str, data: bytes):
    page = client.get("/credentials/external").get_data(as_text=True)
    return client.post("/credentials/external", data={
        "title": "Seminar on open access", "provider": "National Library",
        "activity_date": (date.today() - timedelta(days=2)).isoformat(), "hours": "3",
        "evidence": (io.BytesIO(data), filename), "csrf_token": csrf_token_from(page),
    }, content_type="multipart/form-data")


@pytest.mark.parametrize("filename, data, media_type", [
    ("programme.pdf", PDF, "application/pdf"),
    ("SCAN.PDF", PDF, "application/pdf"),
    ("photo.png", PNG, "image/png"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("photo.jpeg", JPEG, "image/jpeg"),
    ("C:\\Users\\me\\" + "a" * 300 + ".pdf", PDF, "application/pdf"),  # a long name, sent with its path
])
def test_real_pdf_png_and_jpeg_files_are_kept(filename, data, media_type):
    kept = ledger.checked_evidence(filename, data)
    assert (kept.media_type, kept.size, kept.data) == (media_type, len(data), data)


@pytest.mark.parametrize("filename, data", [
    ("x.pdf", HTML),              # the example: a web page named .pdf
    ("x.png", HTML),
    ("x.jpg", b"GIF89a" + b"\x00" * 20),
    ("x.pdf", PNG),               # a real image, but its name says PDF
    ("x.png", JPEG),
    ("x.html", PDF),              # a real PDF named as something else
    ("x", PDF),
    ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ("x.pdf", b""),
    ("x.pdf", b"%PDF-" + b"\x00" * ledger.MAX_EVIDENCE_BYTES),
])
def test_anything_else_is_refused(filename, data):
    with pytest.raises(ledger.EvidenceRefused):
        ledger.checked_evidence(filename, data)


def test_an_html_file_named_pdf_is_refused_with_a_clear_message_and_nothing_stored(client, auth, app, tmp_path):
    auth.login(role="learner")
    response = _send(client, "x.pdf", HTML)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="evidence-error"' in page and "not a PDF, JPEG or PNG file" in page
    assert 'value="Seminar on open access"' in page  # what was typed is kept
    assert factories.count_rows(LedgerEntry) == 0 and factories.count_rows(EvidenceFile) == 0
    assert not (Path(app.instance_path) / "evidence").exists()


def test_a_file_slightly_too_large_gets_the_forms_message(client, auth):
    auth.login(role="learner")
    response = _send(client, "big.pdf", b"%PDF-" + b"0" * ledger.MAX_EVIDENCE_BYTES)
    assert response.status_code == 200 and "larger than 10 MB" in response.get_data(as_text=True)
    assert factories.count_rows(LedgerEntry) == 0 and factories.count_rows(EvidenceFile) == 0


def test_evidence_lives_in_the_database_and_another_host_serves_it(client, auth, app, tmp_path):
    learner = auth.login(role="learner")
    assert _send(client, "сертификат.pdf", PDF).status_code == 302
    entry = db.session.scalar(select(LedgerEntry))
    stored = db.session.scalar(select(EvidenceFile))
    assert entry.evidence_name == "сертификат.pdf" and stored.entry_id == entry.id
    assert (stored.media_type, stored.size, stored.data) == ("application/pdf", len(PDF), PDF)
    assert not (Path(app.instance_path) / "evidence").exists()  # nothing on this host's disk

    # A second host: its own instance folder (empty), the same database.
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url(tmp_path))
    other.instance_path = str(tmp_path / "second-host")
    try:
        browser = other.test_client()
        Auth(browser).login(learner.email)
        response = browser.get(f"/credentials/entries/{entry.id}/evidence")
        assert response.status_code == 200 and response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        # The same access rule as before: another learner does not get it.
        stranger = other.test_client()
        Auth(stranger).login(role="learner")
        assert stranger.get(f"/credentials/entries/{entry.id}/evidence").status_code == 404
    finally:
        with other.app_context():
            db.engine.dispose()
    ledger_page = client.get("/credentials").get_data(as_text=True)
    assert f"/credentials/entries/{entry.id}/evidence" in ledger_page


BEFORE = "8e4b2d6f0a19"  # the revision before b7e3c51a9d42, which moved evidence into the database


def test_the_migration_moves_files_from_instance_evidence_into_the_database_and_back(app):
    db.drop_all()
    upgrade(revision=BEFORE)
    folder = Path(app.instance_path) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "0a1b2c.pdf").write_bytes(PDF)
    (folder / "3d4e5f.png").write_bytes(PNG)
    # The users table as that revision has it (the models describe today's).
    db.session.execute(text(
        "INSERT INTO users (email, name, password_hash, role, is_active_account, session_token, learning_revision, "
        "created_at, updated_at) VALUES ('old@example.kg', 'Old', 'x', 'learner', :yes, 'token', 0, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"yes": True})
    learner_id = db.session.execute(text("SELECT id FROM users WHERE email = 'old@example.kg'")).scalar_one()
    db.session.commit()
    rows = [("a.pdf", "0a1b2c.pdf"), ("b.png", "3d4e5f.png"), ("lost.pdf", "gone.pdf"), (None, None)]
    for name, path in rows:
        db.session.execute(text(
            "INSERT INTO ledger_entries (user_id, source, title, provider, activity_date, hours, status, "
            "evidence_name, evidence_path, created_at, updated_at) VALUES (:user, 'external', 't', 'p', "
            "'2026-01-05', 2, 'pending', :name, :path, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"user": learner_id, "name": name, "path": path})
    db.session.commit()
    db.session.close()

    upgrade()
    kept = {name: (kind, data) for name, kind, data in db.session.execute(
        select(LedgerEntry.evidence_name, EvidenceFile.media_type, EvidenceFile.data)
        .join(EvidenceFile, EvidenceFile.entry_id == LedgerEntry.id))}
    assert kept == {"a.pdf": ("application/pdf", PDF), "b.png": ("image/png", PNG)}
    assert factories.count_rows(LedgerEntry) == 4  # the entry whose file was already gone keeps its record
    db.session.close()

    (folder / "0a1b2c.pdf").unlink()
    (folder / "3d4e5f.png").unlink()
    downgrade(revision=BEFORE)
    back = dict(db.session.execute(text(
        "SELECT evidence_name, evidence_path FROM ledger_entries WHERE evidence_path IS NOT NULL")).all())
    assert set(back) == {"a.pdf", "b.png"}
    assert (folder / back["a.pdf"]).read_bytes() == PDF and (folder / back["b.png"]).read_bytes() == PNG
    db.session.close()
    upgrade()
