"""A learner's history: enrolments, progress per module, quiz attempts and their answers.

Nothing here is ever deleted by a course sync. An answer keeps a snapshot of its question as it
was when answered, so a reworded or retired question never changes what a learner saw.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (DDL, JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        event)
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


# --- The learning revision --------------------------------------------------------------------
# Every insert, update or delete of a learner's enrolments, module progress or quiz attempts bumps
# ``users.learning_revision`` (app.models.people.User) in the same transaction, by triggers: a
# worker that kept something of a learner's data (app.services.learner_cache) checks that number,
# read with the user's row, and so never serves what a later commit changed. Triggers rather than
# Python hooks because the writes that matter most are Core statements (a quiz submission,
# progress.record_visit), which no ORM event sees, and an operator's SQL or a future write path
# must not be able to forget it either. Answers are not covered: grading one also updates its
# attempt. The learner's groups are covered too (the dashboard lists them): joining or leaving one
# (cohort_members), and a group's name or term changing, which bumps every member's revision.
# The DDL is replayed by migrations 3c9f1d7e5a20 and 8e4b2d6f0a19; a SQLite batch migration that
# recreates one of these tables drops its triggers and must create them again.
LEARNING_TABLES = ("enrolments", "module_progress", "quiz_attempts", "cohort_members")
_BUMP = "UPDATE users SET learning_revision = learning_revision + 1 WHERE id"
_BUMP_MEMBERS = f"{_BUMP} IN (SELECT user_id FROM cohort_members WHERE cohort_id = new.id)"
SQLITE_COHORT_TRIGGER = (
    f"CREATE TRIGGER cohorts_learning_au AFTER UPDATE OF name, term ON cohorts BEGIN {_BUMP_MEMBERS}; END")
# Row-level on PostgreSQL: a trigger on some columns only cannot have transition tables. Renaming
# a group is rare; its members are bumped once each.
PG_COHORT_FUNCTION = (
    "CREATE OR REPLACE FUNCTION bump_cohort_members_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN {_BUMP_MEMBERS}; RETURN NULL; END $$"
)
PG_COHORT_TRIGGER = (
    "CREATE TRIGGER cohorts_learning_au AFTER UPDATE OF name, term ON cohorts FOR EACH ROW "
    "WHEN (old.name IS DISTINCT FROM new.name OR old.term IS DISTINCT FROM new.term) "
    "EXECUTE FUNCTION bump_cohort_members_revision()"
)


def sqlite_learning_triggers(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_learning_ai AFTER INSERT ON {table} BEGIN {_BUMP} = new.user_id; END",
        f"CREATE TRIGGER {table}_learning_au AFTER UPDATE ON {table} BEGIN "
        f"{_BUMP} IN (old.user_id, new.user_id); END",
        f"CREATE TRIGGER {table}_learning_ad AFTER DELETE ON {table} BEGIN {_BUMP} = old.user_id; END",
    )


# PostgreSQL: statement-level triggers over transition tables, one function for the three, so a
# bulk write (a seed, a cascade) bumps each learner once per statement rather than once per row.
PG_LEARNING_FUNCTION = (
    "CREATE OR REPLACE FUNCTION bump_learning_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'INSERT' THEN {_BUMP} IN (SELECT user_id FROM new_rows); "
    f"ELSIF TG_OP = 'DELETE' THEN {_BUMP} IN (SELECT user_id FROM old_rows); "
    f"ELSE {_BUMP} IN (SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows); "
    "END IF; RETURN NULL; END $$"
)


def pg_learning_triggers(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_learning_{suffix} AFTER {event_} ON {table} REFERENCING {tables} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_learning_revision()"
        for suffix, event_, tables in (
            ("ai", "INSERT", "NEW TABLE AS new_rows"),
            ("au", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
            ("ad", "DELETE", "OLD TABLE AS old_rows"),
        )
    )


def _attach_learning_triggers() -> None:
    """Let ``db.create_all()`` make the triggers (the tests' schema) as the migrations do."""
    from app.models.cohorts import Cohort, CohortMember
    from app.models.people import User

    users = User.__table__
    event.listen(users, "after_create", DDL(PG_LEARNING_FUNCTION).execute_if(dialect="postgresql"))
    event.listen(users, "after_create", DDL(PG_COHORT_FUNCTION).execute_if(dialect="postgresql"))
    for function in ("bump_learning_revision", "bump_cohort_members_revision"):
        event.listen(users, "after_drop",
                     DDL(f"DROP FUNCTION IF EXISTS {function}()").execute_if(dialect="postgresql"))
    cohorts = Cohort.__table__
    event.listen(cohorts, "after_create", DDL(SQLITE_COHORT_TRIGGER).execute_if(dialect="sqlite"))
    event.listen(cohorts, "after_create", DDL(PG_COHORT_TRIGGER).execute_if(dialect="postgresql"))
    for model in (Enrolment, ModuleProgress, Attempt, CohortMember):
        table = model.__table__
        for statement in sqlite_learning_triggers(table.name):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
        for statement in pg_learning_triggers(table.name):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))


_attach_learning_triggers()
