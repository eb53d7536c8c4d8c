"""Credit that adds up: a course and its translations are one course for credit, and a revoked
certificate's hours leave every total (ledger page, CSV, PDF, API, track levels, coordinator's
report) until it is reissued. Every expected figure is worked out by hand in a comment.

The courses: ``lib-ru`` (8 h) and its translation ``lib-en`` (8 h), and ``lib-other`` (6 h), all
on track librarian-ce, whose levels are basic at 10 h and intermediate at 20 h.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Certificate, Course, LedgerEntry, User
from app.services import certificates, coordinator, credit, ledger
from tests import factories
from tests.conftest import csrf_token_from
from tests.integration.test_api_schema import assert_conforms

MANIFEST = """\
title: {title}
language: {language}
summary: Курс для библиотекарей.
audience: librarians
track: librarian-ce
hours: {hours}
pass_mark: 70
outcomes:
  - Understand
"""


def write_courses(root) -> list:
    folders = [factories.write_course(root, "lib-ru", manifest=MANIFEST.format(
                   title="Авторское право", language="ru", hours=8), modules={"01-intro.md": factories.LESSON}),
               factories.write_course(root, "lib-en", manifest=MANIFEST.format(
                   title="Copyright", language="en", hours=8) + "translation_of: lib-ru\n",
                   modules={"01-intro.md": factories.LESSON}),
               factories.write_course(root, "lib-other", manifest=MANIFEST.format(
                   title="Электронные ресурсы", language="ru", hours=6), modules={"01-intro.md": factories.LESSON})]
    return folders


@pytest.fixture
def courses(keyed_app, tmp_path) -> dict[str, Course]:
    factories.sync_courses(*write_courses(tmp_path))
    factories.make_librarian_track()
    db.session.commit()
    return {c.slug: c for c in db.session.scalars(select(Course))}


def course_certs(user) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.user_id == user.id,
                                                             Certificate.kind == "course")))


def level_certs(user, valid: bool = True) -> list[str]:
    state = Certificate.revoked_at.is_(None) if valid else Certificate.revoked_at.is_not(None)
    return sorted(db.session.scalars(select(Certificate.level).where(
        Certificate.user_id == user.id, Certificate.kind == "track-level", state)))


def csv_totals(client) -> dict[str, str]:
    text = client.get("/credentials/transcript.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    blank = rows.index([])
    return {row[0]: row[1] for row in rows[blank + 1:]}, rows[1:blank]


def pdf_text(client) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    pdf = client.get("/credentials/transcript.pdf").data
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def api_credit(client) -> dict:
    response = client.get("/api/v1/me/credit")
    assert_conforms("GET", "/api/v1/me/credit", response)
    return response.get_json()


def test_the_course_key_is_the_original_in_python_and_in_sql(courses):
    assert {slug: credit.course_key(c) for slug, c in courses.items()} == {
        "lib-ru": "lib-ru", "lib-en": "lib-ru", "lib-other": "lib-other"}
    in_sql = dict(db.session.execute(select(Course.slug, credit.course_key_sql())).all())
    assert in_sql == {slug: credit.course_key(c) for slug, c in courses.items()}


def test_a_translation_credits_no_second_set_of_hours(client, auth, courses):
    learner = auth.login(role="learner")
    factories.complete_course(learner, courses["lib-en"])
    factories.complete_course(learner, courses["lib-ru"])
    # One course for credit: 8 h, not 8 + 8 = 16 h; one certificate, in English (finished first),
    # listing Russian; 8 h < 10 h, so no level yet (16 h would have reached basic).
    entries = list(db.session.scalars(select(LedgerEntry)))
    assert [(e.course_key, e.hours, e.status) for e in entries] == [("lib-ru", 8, "approved")]
    (cert,) = course_certs(learner)
    assert (cert.language, cert.course_id, cert.hours) == ("en", courses["lib-en"].id, 8)
    assert level_certs(learner) == []
    assert certificates.other_languages([cert]) == {cert.id: ["ru"]}
    assert "Русский" in client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    board = ledger.ledger_for(learner)
    assert board.total == 8 and board.by_track == {"librarian-ce": 8}
    assert board.levels[0].current is None and board.levels[0].hours_left == 2  # 10 - 8
    totals, rows = csv_totals(client)
    assert len(rows) == 1 and list(totals.values())[-1] == "8"
    data = api_credit(client)
    assert data["total_hours"] == 8 and len(data["entries"]) == 1 and len(data["certificates"]) == 1
    assert data["certificates"][0]["other_languages"] == ["ru"]
    assert data["tracks"] == [{"track": "librarian-ce", "hours": 8, "level": None, "next_level": "basic",
                               "hours_left": 2}]


def test_track_levels_count_a_course_once_across_its_languages(courses):
    learner = factories.make_user()
    for slug in ("lib-ru", "lib-en", "lib-other"):
        factories.complete_course(learner, courses[slug])
    # 8 (lib-ru, lib-en once) + 6 = 14 h: basic (10) reached, intermediate (20) not; counting the
    # translation again would give 22 h and an intermediate certificate.
    assert credit.track_hours(learner.id, "librarian-ce") == 14
    assert level_certs(learner) == ["basic"]
    assert len(course_certs(learner)) == 2


def test_revoking_takes_the_hours_out_of_every_total_and_reissuing_restores_them(client, auth, app, courses, signed_in):
    learner = auth.login(role="learner")
    factories.complete_course(learner, courses["lib-ru"])
    factories.complete_course(learner, courses["lib-other"])
    # Before: 8 + 6 = 14 h, basic level (10 h) certified.
    assert ledger.ledger_for(learner).total == 14 and level_certs(learner) == ["basic"]
    lib_cert = next(c for c in course_certs(learner) if c.course_id == courses["lib-ru"].id)
    certificates.revoke(lib_cert, "Exam taken by someone else")
    db.session.commit()
    # After: 14 - 8 = 6 h; 6 < 10, so the basic level certificate is revoked too.
    board = ledger.ledger_for(learner)
    assert board.total == 6 and board.by_track == {"librarian-ce": 6}
    assert board.levels[0].current is None and board.levels[0].hours_left == 4  # 10 - 6
    assert level_certs(learner) == [] and level_certs(learner, valid=False) == ["basic"]
    entry = credit.entry_for(learner.id, "lib-ru")
    assert entry.status == "revoked" and entry.revoked_at == lib_cert.revoked_at
    revoked_on = lib_cert.revoked_at.strftime("%d.%m.%Y")  # as Russian readers write it (app.localformat)
    page = client.get("/credentials").get_data(as_text=True)
    assert f"отозвано {revoked_on}" in page.lower() or f"revoked on {revoked_on}" in page.lower()
    totals, rows = csv_totals(client)
    assert list(totals.values())[-1] == "6"
    assert any(revoked_on in row[5] for row in rows if row[1] == "Авторское право")
    text = pdf_text(client)
    if text is not None:
        assert re.search(rf"отозвано\s+{revoked_on}", text) and ": 6\n" in text and ": 14\n" not in text
    data = api_credit(client)
    assert data["total_hours"] == 6 and data["tracks"][0]["level"] is None
    assert {e["title"]: (e["status"], e["counted"]) for e in data["entries"]} == {
        "Авторское право": ("revoked", False), "Электронные ресурсы": ("approved", True)}
    report = coordinator.coordinator_report(coordinator.Filters())
    assert (report.total.completions, report.total.hours) == (1, 6)  # lib-other only

    # Finishing the translation does not bring revoked credit back: only an admin's reissue does.
    factories.complete_course(learner, courses["lib-en"])
    assert ledger.ledger_for(learner).total == 6 and len(course_certs(learner)) == 2  # lib-ru, lib-other

    admin = signed_in(role="admin")
    page = admin.get(f"/admin/certificates?q={lib_cert.code}").get_data(as_text=True)
    assert "Exam taken by someone else" in page
    admin.post(f"/admin/certificates/{lib_cert.id}/reissue", data={"csrf_token": csrf_token_from(page)})
    # Restored: 6 + 8 = 14 h, basic reached again and certified anew.
    assert ledger.ledger_for(learner).total == 14 and level_certs(learner) == ["basic"]
    assert credit.entry_for(learner.id, "lib-ru").status == "approved"
    assert coordinator.coordinator_report(coordinator.Filters()).total.hours == 14
    new = db.session.scalar(select(Certificate).where(Certificate.reissue_of_id == lib_cert.id))
    assert new is not None and not new.is_revoked
    # A second reissue of the same revoked certificate is refused: one valid certificate per course.
    page = admin.get(f"/admin/certificates?q={lib_cert.code}").get_data(as_text=True)
    admin.post(f"/admin/certificates/{lib_cert.id}/reissue", data={"csrf_token": csrf_token_from(page)})
    assert db.session.scalar(select(func.count()).select_from(Certificate)
                             .where(Certificate.kind == "course", Certificate.revoked_at.is_(None))) == 2


def test_reissuing_a_valid_certificate_keeps_its_hours(courses):
    learner = factories.make_user()
    factories.complete_course(learner, courses["lib-ru"])
    (old,) = course_certs(learner)
    certificates.reissue(old)
    db.session.commit()
    assert old.is_revoked and ledger.ledger_for(learner).total == 8
    assert credit.entry_for(learner.id, "lib-ru").status == "approved"


def test_the_public_sees_revoked_and_the_date_but_not_the_reason(client, auth, app, courses, signed_in):
    holder = factories.make_user(email="holder@example.kg")
    factories.complete_course(holder, courses["lib-ru"])
    (cert,) = course_certs(holder)
    certificates.revoke(cert, "Plagiarised essay")
    db.session.commit()
    day = cert.revoked_at.strftime("%d.%m.%Y")  # as Russian readers write it (app.localformat)
    anonymous = client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "Отозван" in anonymous and "Plagiarised" not in anonymous
    assert str(cert.revoked_at.year) in anonymous
    pdf = client.get(f"/certificates/{cert.code}.pdf").data
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert day in text and "Plagiarised" not in text
    # Another learner is the public too; the holder and an admin see why.
    other = signed_in(role="learner")
    assert "Plagiarised" not in other.get(f"/certificates/{cert.code}").get_data(as_text=True)
    auth.login(email="holder@example.kg")
    assert "Plagiarised essay" in client.get(f"/certificates/{cert.code}").get_data(as_text=True)
    admin = signed_in(role="admin")
    assert "Plagiarised essay" in admin.get(f"/certificates/{cert.code}").get_data(as_text=True)


def test_the_coordinator_report_counts_a_course_once_across_its_languages(courses):
    knu = factories.make_institution("KNU")
    a = factories.make_user(institution=knu)
    b = factories.make_user(institution=knu)
    for slug in ("lib-en", "lib-ru", "lib-other"):
        factories.complete_course(a, courses[slug])
    factories.complete_course(b, courses["lib-ru"])
    # Learner A: lib-ru in two languages (one enrolment, one completion, 8 h) and lib-other (6 h);
    # learner B: lib-ru (8 h). Enrolments 2 + 1 = 3, completions 2 + 1 = 3, hours 8 + 6 + 8 = 22.
    # Counting every language version would give 4 enrolments, 4 completions and 30 h.
    row = {r.key: r for r in coordinator.coordinator_report(coordinator.Filters()).institutions}["KNU"]
    assert (row.enrolments, row.completions, row.hours) == (3, 3, 22)
    track = coordinator.coordinator_report(coordinator.Filters(track="librarian-ce")).total
    assert (track.enrolments, track.completions, track.hours) == (3, 3, 22)
    other_track = coordinator.coordinator_report(coordinator.Filters(track="information-literacy")).total
    assert (other_track.enrolments, other_track.completions, other_track.hours) == (0, 0, 0)


def revision_before(revision: str) -> str:
    """The migration that precedes ``revision`` in the chain, as Alembic reads it."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


def test_the_migration_merges_duplicate_credit_and_withdraws_revoked_credit(app, client, auth, tmp_path):
    """Data as the old code left it, migrated by b7e3c1a9d250 (on a database at the revision before)."""
    from datetime import date, datetime, timezone

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from flask_migrate import downgrade

    db.drop_all()
    # The courses are synced by today's code, whose models may have columns that later migrations
    # add (course.yml's authors): synced at the head, then taken back to the revision before.
    upgrade()
    factories.sync_courses(*write_courses(tmp_path))
    factories.make_librarian_track()
    a = factories.make_user(email="a@example.kg")
    b, c = factories.make_user(), factories.make_user()
    db.session.commit()
    user_ids = [user.id for user in (a, b, c)]
    db.session.close()
    downgrade(revision=revision_before("b7e3c1a9d250"))
    a, b, c = (db.session.get(User, user_id) for user_id in user_ids)
    ids = dict(db.session.execute(select(Course.slug, Course.id)).all())
    old_entries = sa.table("ledger_entries", *(sa.column(n) for n in (
        "user_id", "source", "course_id", "track", "title", "provider", "activity_date", "hours", "status",
        "created_at", "updated_at")))
    titles = {"lib-ru": "Авторское право", "lib-en": "Copyright", "lib-other": "Электронные ресурсы"}
    index = iter(range(1, 100))

    def day(n: int) -> datetime:
        return datetime(2026, 3, n, 10, tzinfo=timezone.utc)

    def old_credit(user, slug: str, n: int, revoked: int | None = None, reason: str | None = None, kind="course",
                   level: str | None = None, hours: float = 0, reissue_of=None) -> Certificate:
        if kind == "course":
            hours = 6 if slug == "lib-other" else 8
            db.session.execute(old_entries.insert().values(
                user_id=user.id, source="course", course_id=ids[slug], track="librarian-ce", title=titles[slug],
                provider="Sabak", activity_date=date(2026, 3, n), hours=hours, status="approved",
                created_at=day(n), updated_at=day(n)))
        cert = Certificate(code=f"TEST-{next(index):04d}-XXXX", user_id=user.id, kind=kind,
                           course_id=ids[slug] if kind == "course" else None,
                           track="librarian-ce" if kind != "course" else None, level=level,
                           holder_name=user.name, achievement_name=titles.get(slug, "Level"),
                           achievement_description="-", hours=hours, language="en" if slug == "lib-en" else "ru",
                           issued_at=day(n), status_index=next(index), reissue_of_id=reissue_of,
                           revoked_at=day(revoked) if revoked else None, revoke_reason=reason)
        db.session.add(cert)
        db.session.flush()
        return cert

    # A: lib-en, then lib-ru, then lib-other. The old code counted 8 + 8 + 6 = 22 h and certified
    # basic (10 h) and intermediate (20 h); the course for credit counts 8 + 6 = 14 h: basic only.
    first = old_credit(a, "lib-en", 1)
    second = old_credit(a, "lib-ru", 2)
    old_credit(a, "lib-other", 3)
    old_credit(a, None, 3, kind="track-level", level="basic", hours=10)
    intermediate = old_credit(a, None, 3, kind="track-level", level="intermediate", hours=20)
    # B: lib-ru revoked by an admin on day 5; the old code kept the 8 h. Now 0 h.
    revoked = old_credit(b, "lib-ru", 4, revoked=5, reason="Cheating")
    # C: lib-other reissued with a corrected name (old revoked, new valid): 6 h stay.
    replaced = old_credit(c, "lib-other", 4, revoked=6, reason="Reissued")
    reissued = Certificate(code="TEST-REIS-SUED", user_id=c.id, kind="course", course_id=ids["lib-other"],
                           holder_name=c.name, achievement_name=titles["lib-other"], achievement_description="-",
                           hours=6, language="ru", issued_at=day(6), status_index=99, reissue_of_id=replaced.id)
    db.session.add(reissued)
    db.session.commit()
    users = {"a": a.id, "b": b.id, "c": c.id}
    cert_ids = [x.id for x in (first, second, intermediate, revoked)]
    db.session.close()

    upgrade()

    a, b, c = (db.session.get(User, users[k]) for k in "abc")

    def counted(user) -> float:
        return ledger.ledger_for(user).total

    assert (counted(a), counted(b), counted(c)) == (14, 0, 6)
    kept = db.session.scalar(select(LedgerEntry).where(LedgerEntry.course_id == ids["lib-en"]))
    merged = db.session.scalar(select(LedgerEntry).where(LedgerEntry.course_id == ids["lib-ru"],
                                                         LedgerEntry.user_id == a.id))
    assert (kept.course_key, kept.status) == ("lib-ru", "approved")
    assert (merged.course_key, merged.status) == (None, "merged")
    assert [(m["title"], m["language"], m["hours"], m["certificate"]) for m in kept.merged_from] == [
        ("Авторское право", "ru", 8, second.code)]
    first, second, intermediate, revoked = (db.session.get(Certificate, x) for x in cert_ids)
    assert not first.is_revoked and second.is_revoked and first.code in second.revoke_reason
    assert intermediate.is_revoked and level_certs(a) == ["basic"]
    b_entry = credit.entry_for(b.id, "lib-ru")
    assert b_entry.status == "revoked" and b_entry.revoked_at == revoked.revoked_at
    assert credit.entry_for(c.id, "lib-other").status == "approved"
    # The transcript says what was merged, and counts 14 h.
    auth.login(email="a@example.kg")
    totals, rows = csv_totals(client)
    assert list(totals.values())[-1] == "14" and len(rows) == 2
    (row,) = [r for r in rows if r[1] == "Copyright"]
    assert "Авторское право" in row[6] and "8" in row[6]
    assert "Авторское право" in client.get("/credentials").get_data(as_text=True)
    text = pdf_text(client)
    if text is not None:
        assert "Авторское право" in text and ": 14\n" in text and ": 22\n" not in text
    # The merged duplicate cannot come back as a second valid certificate, nor the level that
    # the corrected hours do not reach.
    for cert in (second, intermediate):
        with pytest.raises(certificates.CertificateError):
            certificates.reissue(cert)
    db.session.rollback()
    # A new completion of the translation still adds nothing: the unique key holds.
    factories.complete_course(a, db.session.get(Course, ids["lib-ru"]))
    assert counted(a) == 14
