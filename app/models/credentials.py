"""Continuing-education credit: tracks, the hours ledger and certificates.

Ledger entries and certificates are records a librarian shows an employer: they are never
deleted. A rejected entry keeps its reason; a revoked certificate keeps its reason and stays
verifiable as revoked.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, UTCDateTime, utcnow


class Track(TimestampMixin, db.Model):
    """A track from courses/tracks.yml: levels with an hours threshold each."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[dict] = mapped_column(JSON)  # {language: text}
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    levels: Mapped[list] = mapped_column(JSON)  # [{"id", "title": {lang: text}, "hours"}], ascending
    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LedgerEntry(TimestampMixin, db.Model):
    __tablename__ = "ledger_entries"
    # A course credits its hours once, and so does each course for credit: a course and its
    # translations share one course_key (app.services.credit.course_key), so completing the same
    # course in a second language can never add a second entry, whichever worker writes it.
    __table_args__ = (UniqueConstraint("user_id", "course_id"), UniqueConstraint("user_id", "course_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # "course" or "external"
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"))
    course_key: Mapped[str | None] = mapped_column(String(100))  # the course for credit; None: external or merged
    track: Mapped[str | None] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(300))
    activity_date: Mapped[date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    # "approved", "pending", "rejected"; "revoked" while its course certificate is revoked;
    # "merged" for a duplicate of another language version folded into the entry it names.
    status: Mapped[str] = mapped_column(String(20), index=True)
    # The uploaded file's name, set when a file was attached (its bytes are in evidence_files), so lists of
    # entries can show the link without touching the (large) evidence_files rows.
    evidence_name: Mapped[str | None] = mapped_column(String(255))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What was folded into this entry when duplicate credit was merged: [{"title", "language",
    # "hours", "activity_date", "certificate", "merged_at"}], for the transcript to say so.
    merged_from: Mapped[list | None] = mapped_column(JSON)

    user = relationship("User", foreign_keys=[user_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    course = relationship("Course")


class EvidenceFile(db.Model):
    """The file a learner attached to an external-learning entry, kept in the database.

    In the database, every worker on every host serves it and the database backup covers it; on
    a host's disk it was lost with the checkout and invisible to the other hosts. The bytes are
    deferred: they load only when someone downloads them."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"), unique=True)
    media_type: Mapped[str] = mapped_column(String(100))  # as found in the bytes, not as declared
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Certificate(TimestampMixin, db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "course" or "track-level"
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="SET NULL"), index=True)
    track: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(100))
    holder_name: Mapped[str] = mapped_column(String(200))  # as it was at issue
    achievement_name: Mapped[str] = mapped_column(String(300))
    achievement_description: Mapped[str] = mapped_column(Text)
    hours: Mapped[float] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(5))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    reissue_of_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))
    status_index: Mapped[int] = mapped_column(Integer, unique=True)  # its bit in the status list
    credential: Mapped[dict | None] = mapped_column(JSON)  # the signed OpenBadgeCredential

    user = relationship("User")
    course = relationship("Course")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class SigningKey(db.Model):
    """A public key the issuer vouches for besides the one in its key file.

    ``flask credentials init-key --force`` records the replaced key here (retired) and the new one
    (current), so credentials signed with either verify on every host at once, including hosts
    that still have the old key file while the new one is being copied to them. Public keys only:
    the secret stays in the key file.
    """

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[str] = mapped_column(String(100), unique=True)  # multibase Multikey
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
