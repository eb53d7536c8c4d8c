"""A learner's history: enrolments, progress per module, quiz attempts and their answers.

Nothing here is ever deleted by a course sync. An answer keeps a snapshot of its question as it
was when answered, so a reworded or retired question never changes what a learner saw.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin, UTCDateTime, utcnow


class Enrolment(TimestampMixin, db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # Leave keeps the history
    last_module_id: Mapped[int | None] = mapped_column(ForeignKey("course_modules.id", ondelete="SET NULL"))
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course = relationship("Course")
    user = relationship("User")
    last_module = relationship("Module")

    @property
    def is_active(self) -> bool:
        return self.left_at is None


class ModuleProgress(TimestampMixin, db.Model):
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    best_score: Mapped[float | None] = mapped_column(Float)  # percent, best attempt
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)

    module = relationship("Module")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Attempt(TimestampMixin, db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        # Two submissions racing for the same attempt number: one wins, the other retries with
        # the next number or is refused by the attempt limit. Nothing is lost or double-counted.
        UniqueConstraint("user_id", "module_id", "number"),
        UniqueConstraint("user_id", "idempotency_key"),
        # A learner's attempts newest first (the dashboard's latest five, the history page) read
        # straight from the index, however long the learner's history grows; it also serves every
        # lookup by user_id alone.
        Index("ix_quiz_attempts_user_id_submitted_at", "user_id", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    score: Mapped[float] = mapped_column(Float)  # percent over graded questions, essays counted when graded
    auto_score: Mapped[float] = mapped_column(Float)  # percent over automatically graded questions only
    pass_mark: Mapped[int] = mapped_column(Integer)
    is_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_pending: Mapped[bool] = mapped_column(Boolean, default=False)  # essays wait for a grade

    answers: Mapped[list[Answer]] = relationship(
        back_populates="attempt", order_by="Answer.position", cascade="all, delete-orphan"
    )
    module = relationship("Module")
    user = relationship("User")


class Answer(TimestampMixin, db.Model):
    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True)
    # Not indexed: answers are always reached through their attempt, and every index here is one
    # more page written per question of each submission (migration a4c7e2f91b36).
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict | list | str | float | int | bool | None] = mapped_column(JSON)
    fraction: Mapped[float | None] = mapped_column(Float)  # 0..1; None while an essay waits
    status: Mapped[str] = mapped_column(String(20))
    feedback: Mapped[list] = mapped_column(JSON, default=list)
    question_snapshot: Mapped[dict] = mapped_column(JSON)
    rendered_snapshot: Mapped[dict] = mapped_column(JSON)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grader_comment: Mapped[str | None] = mapped_column(Text)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    question = relationship("Question")
