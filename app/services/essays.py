"""The essay grading queue: essays wait for an instructor, whose grade completes the attempt."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import learning_rules
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import Module
from app.models.cohorts import CohortCourse, CohortMember
from app.models.learning import Answer, Attempt
from app.models.people import User
from app.services import cohorts, progress
from app.services.errors import NotFound, ServiceError


class NotYourLearner(ServiceError):
    status = 403


@dataclass
class QueueItem:
    answer: Answer
    attempt: Attempt
    learner: User
    module: Module


def _visible_attempts(grader: User):
    """Attempts by current learners of the cohorts the grader teaches (cohorts.teaches), in a
    course of that cohort; every attempt for an admin."""
    taught = cohorts.taught_cohort_ids(grader)
    if taught is None:
        return select(Attempt.id)
    return (
        select(Attempt.id)
        .join(Module, Module.id == Attempt.module_id)
        .join(CohortMember, CohortMember.user_id == Attempt.user_id)
        .join(CohortCourse, (CohortCourse.cohort_id == CohortMember.cohort_id)
              & (CohortCourse.course_id == Module.course_id))
        .where(CohortMember.cohort_id.in_(taught), CohortMember.removed_at.is_(None))
    )


def pending_essays(grader: User) -> list[QueueItem]:
    """Essays waiting for a grade that this instructor may grade, oldest first."""
    answers = db.session.scalars(
        select(Answer).join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Answer.status == learning_rules.PENDING, Attempt.id.in_(_visible_attempts(grader)))
        .options(selectinload(Answer.attempt).selectinload(Attempt.user),
                 selectinload(Answer.attempt).selectinload(Attempt.module).selectinload(Module.course))
        .order_by(Attempt.submitted_at, Answer.position)
    )
    return [QueueItem(a, a.attempt, a.attempt.user, a.attempt.module) for a in answers]


def answer_for_grader(grader: User, answer_id: int) -> Answer:
    answer = db.session.get(Answer, answer_id)
    if answer is None or answer.question_snapshot.get("type") != "essay":
        raise NotFound("There is no such essay.")
    allowed = db.session.scalar(select(Attempt.id).where(Attempt.id == answer.attempt_id,
                                                         Attempt.id.in_(_visible_attempts(grader))))
    if allowed is None:
        raise NotYourLearner("This learner is not in a cohort you teach.")
    return answer


def grade_essay(grader: User, answer_id: int, score_percent: float, comment: str) -> Attempt:
    """Grade one essay (0-100) with a comment; recompute its attempt and the learner's progress.

    Raises NotFound, NotYourLearner, or ValueError for a score outside 0-100. Flushes.
    """
    if not 0 <= score_percent <= 100:
        raise ValueError("the score must be between 0 and 100")
    answer = answer_for_grader(grader, answer_id)
    fraction = round(score_percent / 100, 4)
    answer.fraction = fraction
    answer.status = learning_rules.answer_status(fraction)
    answer.grader_id, answer.graded_at, answer.grader_comment = grader.id, utcnow(), comment.strip() or None
    attempt = answer.attempt
    rescore(attempt)
    db.session.flush()
    progress.record_regrade(attempt)
    return attempt


def rescore(attempt: Attempt) -> None:
    """Recompute an attempt's score from its answers (pending essays count 0 until graded), by the
    rule the submission scored it with (learning_rules.attempt_result)."""
    result = learning_rules.attempt_result([(a.status, a.fraction) for a in attempt.answers], attempt.pass_mark)
    attempt.score, attempt.is_passed, attempt.is_pending = result.score, result.passed, result.pending
