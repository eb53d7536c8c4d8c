"""The one rule for what counts as credit: the course for credit, and which hours count.

A course and its translations (``translation_of`` in course.yml) are one course for credit: one
set of hours, one certificate, one completion in every report. Their shared identity is the
original's slug, :func:`course_key`; the loader refuses a translation of a translation, so the
original is always one step away and the same rule can be written in SQL
(:func:`course_key_sql`) for reports that aggregate in the database.

Which hours count is decided by the ledger rows themselves: there is at most one row per learner
and course for credit (a unique constraint on ``ledger_entries``), and only rows whose status is
"approved" count (:data:`COUNTED`). A revoked certificate turns its row to "revoked"; a reissue
turns it back. Every total (the ledger page, the transcript's CSV and PDF, track levels, the
coordinator's report, the API) is summed here or with :func:`counted`, so none can count
differently.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models.catalog import Course
from app.models.credentials import Certificate, LedgerEntry
from app.models.learning import Enrolment

COUNTED = "approved"
LANGUAGE_ORDER = ("ru", "ky", "en")


def course_key(course: Course) -> str:
    """The course for credit: the original's slug, shared by the course and its translations."""
    return course.translation_of or course.slug


def course_key_sql(course=Course):
    """:func:`course_key` as an SQL expression over ``course`` (the Course entity or an alias)."""
    return func.coalesce(course.translation_of, course.slug)


def counts(entry: LedgerEntry) -> bool:
    """Whether an entry's hours count towards totals and levels."""
    return entry.status == COUNTED


def counted(entry=LedgerEntry):
    """:func:`counts` as an SQL condition."""
    return entry.status == COUNTED


@dataclass
class Totals:
    by_year: dict[int, float]  # newest year first
    by_track: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.by_year.values())


def totals(entries: list[LedgerEntry]) -> Totals:
    """Counted hours per year of activity and per track."""
    by_year: dict[int, float] = {}
    by_track: dict[str, float] = {}
    for e in entries:
        if counts(e):
            by_year[e.activity_date.year] = by_year.get(e.activity_date.year, 0) + e.hours
            if e.track:
                by_track[e.track] = by_track.get(e.track, 0) + e.hours
    return Totals(dict(sorted(by_year.items(), reverse=True)), by_track)


def track_hours(user_id: int, track_slug: str) -> float:
    """Counted hours of one learner on one track (what its levels are measured against)."""
    hours = db.session.scalars(select(LedgerEntry.hours).where(
        LedgerEntry.user_id == user_id, LedgerEntry.track == track_slug, counted()))
    return float(sum(hours))


def entry_for(user_id: int, key: str) -> LedgerEntry | None:
    """The learner's ledger entry for a course for credit, whatever its status."""
    return db.session.scalar(select(LedgerEntry).where(LedgerEntry.user_id == user_id,
                                                       LedgerEntry.course_key == key))


def course_certificates(user_id: int, key: str) -> list[Certificate]:
    """Every course certificate of the learner for a course for credit, oldest first."""
    return list(db.session.scalars(
        select(Certificate).join(Course, Course.id == Certificate.course_id)
        .where(Certificate.user_id == user_id, Certificate.kind == "course", course_key_sql() == key)
        .order_by(Certificate.issued_at, Certificate.id)))


def withdrawn_sql(user_id, key):
    """SQL: the learner's course for credit ``key`` has a revoked course certificate and no valid
    one, so its completion no longer counts (a course worth no hours has no ledger entry to tell)."""
    def certificate(valid: bool):
        cert, course = aliased(Certificate), aliased(Course)
        state = cert.revoked_at.is_(None) if valid else cert.revoked_at.is_not(None)
        return exists().where(cert.user_id == user_id, cert.kind == "course", course.id == cert.course_id,
                              course_key_sql(course) == key, state)
    return and_(certificate(valid=False), ~certificate(valid=True))


def languages_completed(user_id: int, keys: list[str]) -> dict[str, list[tuple[str, datetime]]]:
    """For each course for credit, the languages the learner completed it in, first finished first."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(course_key_sql(), Course.language, Enrolment.completed_at).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user_id, Enrolment.completed_at.is_not(None), course_key_sql().in_(keys))
        .order_by(Enrolment.completed_at))
    out: dict[str, list[tuple[str, datetime]]] = {}
    for key, language, completed_at in rows:
        if language not in [lang for lang, _ in out.get(key, [])]:
            out.setdefault(key, []).append((language, completed_at))
    return out
