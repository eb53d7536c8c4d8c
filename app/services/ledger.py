"""The hours ledger: credit from completed courses and from approved external learning.

Completing a course credits its hours on the course's track at once, once per course for
credit: a translation of a course already credited adds nothing (app.services.credit). External
learning (a seminar, a webinar) waits for an instructor or an admin, who approves it or rejects
it with a reason. Only approved entries count, in every total and towards a track's levels; an
entry whose course certificate is revoked is "revoked" until the certificate is reissued.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Course
from app.models.cohorts import CohortMember
from app.models.credentials import EvidenceFile, LedgerEntry, Track
from app.models.people import User
from app.services import cohorts, credit
from app.services.errors import NotFound, ServiceError

# The evidence types allowed: each media type, the extensions its files may have and how its
# bytes begin. The bytes decide, not the name: an HTML page called x.pdf is refused.
EVIDENCE_TYPES = {
    "application/pdf": ({".pdf"}, (b"%PDF-",)),
    "image/png": ({".png"}, (b"\x89PNG\r\n\x1a\n",)),
    "image/jpeg": ({".jpg", ".jpeg"}, (b"\xff\xd8\xff",)),
}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EXTERNAL_HOURS = 200


class LedgerError(ServiceError):
    """A ledger request that cannot be done; the message is for the user."""


class EvidenceRefused(LedgerError):
    """The evidence file is not one we keep; the message says why."""


class NotYourLearner(ServiceError):
    status = 403


def credit_course(user: User, course: Course) -> LedgerEntry | None:
    """Credit a completed course's hours once per course for credit: completing a translation of
    a course already credited (or revoked) returns that entry unchanged. Courses worth no hours
    credit nothing."""
    if not course.hours:
        return None
    key = credit.course_key(course)
    entry = credit.entry_for(user.id, key)
    if entry is None:
        entry = LedgerEntry(
            user_id=user.id, source="course", course_id=course.id, course_key=key, track=course.track,
            title=course.title,
            provider=current_app.config.get("SABAK_ISSUER_NAME", "Sabak"), activity_date=utcnow().date(),
            hours=float(course.hours), status="approved", reviewed_at=utcnow(),
        )
        db.session.add(entry)
        db.session.flush()
    return entry


def record_external(user: User, *, title: str, provider: str, activity_date: date, hours: float,
                    track: str | None, evidence=None) -> LedgerEntry:
    """Record external learning for review. ``evidence`` is an uploaded file (optional).

    Raises LedgerError for hours out of range or a date in the future, and EvidenceRefused for
    evidence that is not a PDF, PNG or JPEG file (by its content and its name alike), is empty
    or is too large. Nothing is stored when it raises.
    """
    if not 0 < hours <= MAX_EXTERNAL_HOURS:
        raise LedgerError(_l("Hours must be more than 0 and at most %(max)d.", max=MAX_EXTERNAL_HOURS))
    if activity_date > utcnow().date():
        raise LedgerError(_l("The date cannot be in the future."))
    entry = LedgerEntry(user_id=user.id, source="external", track=track or None, title=title.strip(),
                        provider=provider.strip(), activity_date=activity_date, hours=round(hours, 2),
                        status="pending")
    stored = None
    if evidence is not None and getattr(evidence, "filename", ""):
        stored = checked_evidence(evidence.filename, evidence.stream.read(MAX_EVIDENCE_BYTES + 1))
        entry.evidence_name = _display_name(evidence.filename)
    db.session.add(entry)
    db.session.flush()
    if stored is not None:
        stored.entry_id = entry.id
        db.session.add(stored)
        db.session.flush()
    return entry


def _base_name(filename: str) -> PurePath:
    # Browsers may send a path (old Internet Explorer did); keep only the last part, of either kind.
    return PurePath(PurePath(filename.replace("\\", "/")).name)


def _display_name(filename: str) -> str:
    return _base_name(filename).name[:255] or "evidence"


def sniff_media_type(data: bytes) -> str | None:
    """The allowed media type whose signature ``data`` starts with, or None."""
    for media_type, (_suffixes, signatures) in EVIDENCE_TYPES.items():
        if data.startswith(signatures):
            return media_type
    return None


def checked_evidence(filename: str, data: bytes) -> EvidenceFile:
    """An EvidenceFile (not yet added) for an upload named ``filename`` holding ``data``.

    Raises EvidenceRefused unless the content is a PDF, PNG or JPEG file whose name has one of
    that type's extensions, holding between 1 byte and MAX_EVIDENCE_BYTES.
    """
    if not data:
        raise EvidenceRefused(_l("The evidence file is empty."))
    if len(data) > MAX_EVIDENCE_BYTES:
        raise EvidenceRefused(_l("The evidence file is larger than %(mb)d MB.", mb=MAX_EVIDENCE_BYTES // (1024 * 1024)))
    media_type = sniff_media_type(data)
    suffix = _base_name(filename).suffix.lower()
    if media_type is None or suffix not in EVIDENCE_TYPES[media_type][0]:
        raise EvidenceRefused(_l("This file is not a PDF, JPEG or PNG file, whatever its name says. "
                                 "Attach the certificate or programme as PDF, JPEG or PNG."))
    return EvidenceFile(media_type=media_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)


def evidence_of(entry: LedgerEntry) -> EvidenceFile | None:
    """The evidence file of ``entry``, bytes included, or None."""
    return db.session.scalar(select(EvidenceFile).where(EvidenceFile.entry_id == entry.id)
                             .options(undefer(EvidenceFile.data)))


def _taught_learners(reviewer: User):
    """The ids of the learners in the cohorts ``reviewer`` teaches (cohorts.teaches), as a select,
    or None when the reviewer teaches every cohort (an admin, who reviews everyone's entries)."""
    taught = cohorts.taught_cohort_ids(reviewer)
    return None if taught is None else select(CohortMember.user_id).where(CohortMember.cohort_id.in_(taught))


def can_review(reviewer: User, entry: LedgerEntry) -> bool:
    """Admins review everything; instructors review learners of the cohorts they teach, never
    their own entries."""
    if cohorts.teaches(reviewer, listed=False):
        return True
    if entry.user_id == reviewer.id or not cohorts.teaches(reviewer, listed=True):
        return False
    learners = _taught_learners(reviewer)
    return db.session.scalar(learners.where(CohortMember.user_id == entry.user_id).limit(1)) is not None


def pending_for(reviewer: User) -> list[LedgerEntry]:
    stmt = (select(LedgerEntry).where(LedgerEntry.status == "pending")
            .options(selectinload(LedgerEntry.user)).order_by(LedgerEntry.created_at))
    learners = _taught_learners(reviewer)
    if learners is not None:
        stmt = stmt.where(LedgerEntry.user_id.in_(learners), LedgerEntry.user_id != reviewer.id)
    return list(db.session.scalars(stmt))


def entry_for_reviewer(reviewer: User, entry_id: int) -> LedgerEntry:
    entry = db.session.get(LedgerEntry, entry_id)
    if entry is None or entry.source != "external":
        raise NotFound("There is no such entry.")
    if not can_review(reviewer, entry):
        raise NotYourLearner("You may not review this learner's entries.")
    return entry


def review(reviewer: User, entry_id: int, *, approve: bool, reason: str = "") -> LedgerEntry:
    """Approve or reject (a reason is required) a pending external entry. Flushes. The
    certificates an approval earns are issued by certificates.review_entry, which calls this.
    Raises NotFound, NotYourLearner or LedgerError."""
    entry = entry_for_reviewer(reviewer, entry_id)
    if not approve and not reason.strip():
        raise LedgerError(_l("Say why the entry is rejected, so the learner can fix it."))
    entry.status = "approved" if approve else "rejected"
    entry.reviewer_id, entry.reviewed_at = reviewer.id, utcnow()
    entry.review_reason = reason.strip() or None
    db.session.flush()
    return entry


@dataclass
class LevelProgress:
    track: Track
    hours: float
    reached: list[dict] = field(default_factory=list)  # levels reached, ascending
    next_level: dict | None = None

    @property
    def hours_left(self) -> float:
        return max(0.0, self.next_level["hours"] - self.hours) if self.next_level else 0.0

    @property
    def current(self) -> dict | None:
        return self.reached[-1] if self.reached else None


@dataclass
class Ledger:
    entries: list[LedgerEntry]
    by_year: dict[int, float]
    by_track: dict[str, float]
    levels: list[LevelProgress]

    @property
    def total(self) -> float:
        return sum(self.by_year.values())


def ledger_for(user: User) -> Ledger:
    """Every entry with its status, counted totals per year and per track, and track levels.

    Entries merged into another (duplicate credit of a translation) are left out: the entry
    they were merged into lists them in ``merged_from``."""
    entries = list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.user_id == user.id, LedgerEntry.status != "merged")
        .order_by(LedgerEntry.activity_date.desc(), LedgerEntry.id.desc())))
    counted = credit.totals(entries)
    tracks = list(db.session.scalars(select(Track).where(Track.retired_at.is_(None)).order_by(Track.slug)))
    return Ledger(entries, counted.by_year, counted.by_track,
                  [level_progress(t, counted.by_track.get(t.slug, 0.0)) for t in tracks])


def level_progress(track: Track, hours: float) -> LevelProgress:
    levels = sorted(track.levels, key=lambda level: level["hours"])
    reached = [level for level in levels if hours >= level["hours"]]
    upcoming = [level for level in levels if hours < level["hours"]]
    return LevelProgress(track, hours, reached, upcoming[0] if upcoming else None)


def track_hours(user: User, track_slug: str) -> float:
    return credit.track_hours(user.id, track_slug)


def withdraw_course_credit(user_id: int, key: str, when: datetime) -> LedgerEntry | None:
    """Take a course's hours out of every total, because its certificate was revoked. Flushes."""
    entry = credit.entry_for(user_id, key)
    if entry is not None and entry.status == "approved":
        entry.status, entry.revoked_at = "revoked", when
        db.session.flush()
    return entry


def restore_course_credit(user_id: int, key: str) -> LedgerEntry | None:
    """Count a course's hours again, because its certificate was reissued. Flushes."""
    entry = credit.entry_for(user_id, key)
    if entry is not None and entry.status == "revoked":
        entry.status, entry.revoked_at = "approved", None
        db.session.flush()
    return entry
