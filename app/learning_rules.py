"""Learning rules: how an answer, an attempt, a module and an enrolment are judged. Pure.

Each rule is written here once, and every path that writes or shows what it decides calls it:
the quiz submission (Core statements, app/services/attempts.py and progress.py), an essay's
grade (the ORM, app/services/essays.py), a lesson marked done, and every read that shows a status
(catalog, course and module pages, the instructors' matrix, the API). Plain values in, plain
values out, nothing from Flask or the database, so that every rule is a table of cases in
tests/unit/test_learning_rules.py, boundaries included.

One rule also runs inside the database. The quiz submission folds an attempt into the module's
progress with one UPDATE computed from the row's current values (progress._record_attempt_statement):
reading the row first would cost a statement inside the writers' turn, and two attempts at once
could then each write over the other's count. That statement is ``fold_attempt`` in SQL, and
tests/integration/test_learning_rules_sql.py holds it to ``fold_attempt`` over a table of cases on
SQLite and PostgreSQL alike.

The status names are plain strings (the database's and the API's words), not an Enum: they are
keys of dicts, compared with the templates' literals and written into JSON as they are.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

# -- an answer --------------------------------------------------------------------------------

# An answer's status (the values of app.grading.Status, stored in quiz_answers.status).
CORRECT, PARTIAL, INCORRECT = "correct", "partial", "incorrect"
PENDING = "pending"  # an essay waiting for an instructor's grade; its fraction is None until then
UNGRADED = "ungraded"  # a description: it asks nothing, so it is not part of the score
UNANSWERED = "unanswered"  # left empty: counts 0

# Moodle's question_state::graded_state_for_fraction: strict comparisons against a tolerance.
# Choice weights are written as percentages, so a right answer may be a float sum that falls a
# hair short of 1 (3 x 33.33333% = 0.9999999): above 0.999999 is full marks; below 0.000001 none.
_NO_MARKS = 0.000001
_FULL_MARKS = 0.999999


def answer_status(fraction: float) -> str:
    """``correct``, ``partial`` or ``incorrect`` for an answer's mark ``fraction`` (0..1), whoever
    gave it: the graders (app.grading) and an instructor grading an essay alike."""
    if fraction < _NO_MARKS:
        return INCORRECT
    if fraction > _FULL_MARKS:
        return CORRECT
    return PARTIAL


def is_full_marks(fraction: float) -> bool:
    """Whether an answer's ``fraction`` is full marks (its status is ``correct``)."""
    return fraction > _FULL_MARKS


# -- an attempt -------------------------------------------------------------------------------

def attempt_score(answers: Iterable[tuple[str, float | None]]) -> float:
    """An attempt's score in percent (0-100, two decimals) from its answers' (status, fraction).

    The mean fraction over every question that asks something: a description (``ungraded``)
    does not count; an unanswered question counts 0, and so does an essay until it is graded
    (``pending``, fraction None). With no question counted the score is 0.
    """
    total, counted = 0.0, 0
    for status, fraction in answers:
        if status == UNGRADED:
            continue
        counted += 1
        if fraction is not None:
            total += fraction
    return round(100 * total / counted, 2) if counted else 0.0


def is_passed(score: float, pass_mark: float) -> bool:
    """Whether an attempt's ``score`` passes: reaching the pass mark exactly passes."""
    return score >= pass_mark


@dataclass(frozen=True)
class AttemptResult:
    score: float  # percent, see attempt_score
    passed: bool
    pending: bool  # an essay waits for a grade; the score may still rise


def attempt_result(answers: Iterable[tuple[str, float | None]], pass_mark: float) -> AttemptResult:
    """An attempt's score, whether it passed and whether an essay still waits, from its answers'
    (status, fraction): at submission, and again each time one of its essays is graded."""
    answers = list(answers)
    score = attempt_score(answers)
    return AttemptResult(score, is_passed(score, pass_mark), any(status == PENDING for status, _f in answers))


# -- a module ---------------------------------------------------------------------------------

NOT_STARTED, STARTED, DONE = "not-started", "started", "done"
MODULE_STATUSES = (DONE, STARTED, NOT_STARTED)


@dataclass(frozen=True)
class Progress:
    """A learner's progress in one module, as the rules see it (a module_progress row's facts)."""

    attempt_count: int = 0
    best_score: float | None = None
    done: bool = False
    visited: bool = False


FIRST_VISIT = Progress(visited=True)
LESSON_DONE = Progress(done=True)  # a lesson marked done before it was ever recorded as visited


def better_score(best: float | None, score: float) -> float:
    """The best score after an attempt scoring ``score``: the better of the two (an attempt's
    score is never below 0, so a first attempt's score is the best so far)."""
    return score if best is None or best < score else best


def fold_attempt(progress: Progress | None, score: float, passed: bool, *, new_attempt: bool = True) -> Progress:
    """A module's progress after an attempt (``progress`` None: the learner had none yet).

    One more attempt counted (``new_attempt``; a regraded attempt, whose essay got its grade, is
    not a new one), the better score kept, and done once an attempt passes: a module stays done,
    whatever a later attempt scores.
    """
    p = progress if progress is not None else Progress()
    return Progress(p.attempt_count + (1 if new_attempt else 0), better_score(p.best_score, score),
                    p.done or passed, p.visited)


def module_status(done: bool, visited: bool, attempt_count: int | None) -> str:
    """``done``, ``started`` or ``not-started``: done once done; started when opened or attempted."""
    if done:
        return DONE
    return STARTED if attempt_count or visited else NOT_STARTED


class ProgressRow(Protocol):
    """A module_progress row as the pages read it (an object or a plain row; the dates may be
    read as flags)."""

    done_at: object
    visited_at: object
    attempt_count: int | None


def module_status_of(row: ProgressRow | None) -> str:
    """``module_status`` of a learner's progress row in a module, or ``not-started`` for none."""
    if row is None:
        return NOT_STARTED
    return module_status(bool(row.done_at), bool(row.visited_at), row.attempt_count)


# -- an enrolment -----------------------------------------------------------------------------

NOT_ENROLLED, ENROLLED, COMPLETED, LEFT = "not-enrolled", "enrolled", "completed", "left"
ENROLMENT_STATUSES = (NOT_ENROLLED, ENROLLED, COMPLETED, LEFT)


def enrolment_status(enrolled: bool, left: bool, completed: bool) -> str:
    """A learner's status in a course: ``not-enrolled``, ``left`` (leaving keeps the history,
    a completion included), ``completed`` or ``enrolled``."""
    if not enrolled:
        return NOT_ENROLLED
    if left:
        return LEFT
    return COMPLETED if completed else ENROLLED


class EnrolmentRow(Protocol):
    """An enrolments row as the pages read it (an Enrolment, or a plain row with these columns)."""

    left_at: object
    completed_at: object


def enrolment_status_of(enrolment: EnrolmentRow | None) -> str:
    """``enrolment_status`` of a learner's enrolment in a course, or ``not-enrolled`` for none."""
    if enrolment is None:
        return NOT_ENROLLED
    return enrolment_status(True, enrolment.left_at is not None, bool(enrolment.completed_at))
