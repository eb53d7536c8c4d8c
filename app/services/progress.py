"""Progress: which modules a learner has done, and when a course is complete.

A lesson module is done when the learner marks it done; a module with a quiz is done when an
attempt reaches its pass mark (the best attempt counts). A course is complete when every active
module is done; the completion date is kept even if the course later grows a new module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from app import learning_rules
from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.catalog import Course, Module, Question
from app.models.learning import Attempt, Enrolment, ModuleProgress
from app.models.people import User
from app.services import enrolment as enrolment_service
from app.services.prepared import Prepared


def progress_for(user: User, module: Module) -> ModuleProgress | None:
    return db.session.scalar(
        select(ModuleProgress).where(ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id)
    )


_INSERT_PROGRESS = insert(ModuleProgress.__table__)


def insert_progress(user_id: int, module_id: int, state: learning_rules.Progress, now: datetime) -> None:
    """Make the learner's progress row in a module, holding ``state`` (a first visit, a lesson
    marked done, a first attempt), its dates ``now``: the one place a row is made.

    For a caller that found no row. A Core INSERT on the session's connection: the module page
    and the quiz submission hold plain rows, not ORM objects, and build none for this. Two first
    visits (or attempts) at once may both insert: the unique constraint refuses the second, and
    commit_with_retry runs that request's work again, which then finds the row.
    """
    db.session.connection().execute(_INSERT_PROGRESS, {
        "user_id": user_id, "module_id": module_id, "attempt_count": state.attempt_count,
        "best_score": state.best_score, "done_at": now if state.done else None,
        "visited_at": now if state.visited else None})


def module_has_quiz(module: Module) -> bool:
    return bool(db.session.scalar(
        select(func.count()).select_from(Question)
        .where(Question.module_id == module.id, Question.retired_at.is_(None))
    ))


def record_visit(user: User, module: Module, enrolment, recorded: bool | None = None) -> bool:
    """Remember the learner's place ("continue where you left off"). Writes only on change.

    ``enrolment``: the learner's enrolment as the module page reads it (a row with id, left_at and
    last_module_id), or None. ``recorded``: whether the learner already has a progress row for the
    module, when the caller knows it (``ModuleStatus.recorded``); None looks it up.
    Returns True when it wrote something, so the caller commits only then. The writes are Core
    statements: the page holds plain rows, not ORM objects, and building them cost more than the
    rest of the page's queries.
    """
    if enrolment is None or enrolment.left_at is not None:
        return False
    changed = False
    if not (recorded if recorded is not None else progress_for(user, module) is not None):
        insert_progress(user.id, module.id, learning_rules.FIRST_VISIT, utcnow())
        changed = True
    if enrolment.last_module_id != module.id:
        db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id)
                           .values(last_module_id=module.id, last_seen_at=utcnow()))
        changed = True
    return changed


def mark_done(user: User, module: Module) -> None:
    """Mark a lesson done, and the course complete if it was the last. A module with a quiz is
    done only by passing it (ValueError). Flushes."""
    if module_has_quiz(module):
        raise ValueError("a module with a quiz is done when the quiz is passed")
    row = progress_for(user, module)
    if row is None:
        insert_progress(user.id, module.id, learning_rules.LESSON_DONE, utcnow())
    elif row.done_at is None:
        row.done_at = utcnow()
    db.session.flush()
    update_course_completion(user, module.course)


def _record_attempt_statement(passed: bool):
    """The UPDATE that folds an attempt into its module's progress row, computed by the database
    from the row's current values: ``learning_rules.fold_attempt`` in SQL (one more attempt, the
    better score kept, and for a passed attempt the first pass's date), so that two attempts at
    once cannot write over each other's count without a read of the row first. Built once for
    each case; tests/integration/test_learning_rules_sql.py holds it to the rule."""
    p = ModuleProgress.__table__.c
    score = bindparam("attempt_score")
    values = {
        "attempt_count": func.coalesce(p.attempt_count, 0) + 1,
        "best_score": case((p.best_score.is_(None) | (p.best_score < score), score), else_=p.best_score),
    }
    if passed:
        # Typed like the column: an untyped datetime went to the driver as it was, and Python's
        # sqlite3 stored it in its own format ("... +00:00"), unlike every other timestamp.
        values["done_at"] = func.coalesce(p.done_at, bindparam("now", type_=UTCDateTime()))
    return (update(ModuleProgress.__table__)
            .where(p.user_id == bindparam("uid"), p.module_id == bindparam("mid")).values(values))


_RECORD_ATTEMPT = {passed: Prepared(_record_attempt_statement(passed)) for passed in (False, True)}


@dataclass(frozen=True)
class AttemptRecord:
    """An attempt to fold into its module's progress, its statement's values converted ahead of
    the writers' turn (``attempt_record``, then ``record_attempt``)."""

    user: User
    module: Module
    score: float
    passed: bool
    now: datetime
    values: dict


def attempt_record(conn: Connection, user: User, module: Module, score: float, passed: bool) -> AttemptRecord:
    """Ready an attempt (its score, and whether it passed) to be folded into the module's progress
    by ``record_attempt``: made before the transaction's first write (``prepared``).

    ``module``: the Module, or the curriculum copy's row of it (only its id and course_id are read).
    """
    now = utcnow()
    values = _RECORD_ATTEMPT[passed].values(conn, {"attempt_score": score, "now": now, "uid": user.id,
                                                   "mid": module.id, "updated_at": now})
    return AttemptRecord(user, module, score, passed, now, values)


def record_attempt(record: AttemptRecord, enrolment_id: int, completed: bool) -> None:
    """Fold an attempt into the module's progress: count, best score, done when passed.

    ``enrolment_id``, ``completed``: the learner's enrolment in the course and whether it is
    complete, as the caller has read them. One UPDATE in the usual case (an INSERT for a first
    attempt without a visit), instead of loading the row as an object to change it. Only a passed
    attempt can complete the course, so only then is completion checked.
    """
    user, module, passed = record.user, record.module, record.passed
    changed = _RECORD_ATTEMPT[passed].execute(db.session.connection(), record.values)
    if not changed.rowcount:  # a first attempt without a visit
        insert_progress(user.id, module.id, learning_rules.fold_attempt(None, record.score, passed), record.now)
    # The enrolment is loaded as an object only when this attempt completes the course.
    if passed and not completed and _all_done(user, module.course_id):
        _complete(user, db.session.get(Enrolment, enrolment_id), module.course_id)


def record_regrade(attempt: Attempt) -> None:
    """Fold an attempt whose score changed (an essay got its grade) into the module's progress:
    the better score kept, done if it now passes, and the course complete if that was the last
    module; not one more attempt. The ORM's path (the grading page holds the objects). Flushes."""
    module = attempt.module
    row = progress_for(attempt.user, module)
    if row is None:  # the submission made it: nothing to fold into if it is gone
        return
    folded = learning_rules.fold_attempt(
        learning_rules.Progress(row.attempt_count or 0, row.best_score, row.done_at is not None),
        attempt.score, attempt.is_passed, new_attempt=False)
    row.best_score = folded.best_score
    if folded.done and row.done_at is None:
        row.done_at = utcnow()
    db.session.flush()
    update_course_completion(attempt.user, module.course)


def update_course_completion(user: User, course: Course, enrolment: Enrolment | None = None) -> bool:
    """Set the enrolment's completion date once every active module is done; True if complete.

    ``enrolment``: the learner's enrolment in ``course`` when the caller holds it; else read here."""
    return _update_completion(user, course.id, enrolment, course)


def _done_counts():
    """Active modules of a course, and how many of them the learner has done, in one pass; built
    once (a passed quiz asks it inside the writers' turn, see ``record_attempt``)."""
    m, p = Module.__table__.c, ModuleProgress.__table__.c
    return (select(func.count(m.id), func.count(p.id))
            .select_from(Module.__table__.outerjoin(
                ModuleProgress.__table__,
                (p.module_id == m.id) & (p.user_id == bindparam("uid")) & p.done_at.is_not(None)))
            .where(m.course_id == bindparam("cid"), m.retired_at.is_(None)))


_DONE_COUNTS = Prepared(_done_counts())


def _all_done(user: User, course_id: int) -> bool:
    conn = db.session.connection()
    total, done = _DONE_COUNTS.execute(conn, _DONE_COUNTS.values(conn, {"uid": user.id, "cid": course_id})).one()
    return bool(total) and done >= total


def _update_completion(user: User, course_id: int, enrolment: Enrolment | None = None,
                       course: Course | None = None) -> bool:
    if enrolment is None:
        enrolment = enrolment_service.enrolment_in(user, course_id)
    if enrolment is None:
        return False
    if enrolment.completed_at is not None:
        return True
    if not _all_done(user, course_id):
        return False
    _complete(user, enrolment, course_id, course)
    return True


def _complete(user: User, enrolment: Enrolment, course_id: int, course: Course | None = None) -> None:
    """Mark the enrolment complete (every active module is done), which credits the course's
    hours and issues its certificates."""
    enrolment.completed_at = utcnow()
    db.session.flush()
    from app.services import certificates

    certificates.on_course_completed(user, course if course is not None else db.session.get(Course, course_id))


@dataclass
class ModuleStatus:
    module: Module
    status: str  # learning_rules.module_status: "done", "started", "not-started"
    best_score: float | None
    attempt_count: int
    recorded: bool = False  # the learner has a progress row for this module


def done_module_ids(user: User, module_ids: list[int]) -> frozenset[int]:
    """Which of these modules the learner has done: the marks of a module page's course outline,
    in one query (the page keeps them with the learner's data, app.caching)."""
    return frozenset(db.session.scalars(
        select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id.in_(module_ids or [-1]),
            ModuleProgress.done_at.is_not(None))))


def status_of(module: Module, row) -> ModuleStatus:
    """``row``: the learner's ModuleProgress (object or plain row with its columns), or None."""
    if row is None:
        return ModuleStatus(module, learning_rules.NOT_STARTED, None, 0)
    return ModuleStatus(module, learning_rules.module_status_of(row), row.best_score, row.attempt_count, recorded=True)
