"""The learning rules as tables: each row a situation and what the rules decide, boundaries first."""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from app import grading, learning_rules as rules
from app.learning_rules import (COMPLETED, CORRECT, DONE, ENROLLED, INCORRECT, LEFT, NOT_ENROLLED, NOT_STARTED,
                                PARTIAL, PENDING, STARTED, UNANSWERED, UNGRADED, Progress)

# -- an answer's status ------------------------------------------------------------------------

ANSWER_STATUS = [
    (0.0, INCORRECT),
    (0.0000009, INCORRECT),  # below the tolerance: a float's crumb, no marks
    (0.000001, PARTIAL),  # exactly at the tolerance: Moodle's comparison is strict
    (0.0001, PARTIAL),  # an essay graded 0.01%
    (0.335, PARTIAL),
    (0.5, PARTIAL),
    (0.9999, PARTIAL),  # an essay graded 99.99%
    (0.999999, PARTIAL),  # exactly at the tolerance: not yet full marks
    (0.9999991, CORRECT),
    (0.9999999, CORRECT),  # 3 x 33.33333%: right, as in Moodle
    (1.0, CORRECT),
]


@pytest.mark.parametrize("fraction, status", ANSWER_STATUS)
def test_an_answers_status_follows_its_fraction(fraction, status):
    assert rules.answer_status(fraction) == status
    assert rules.is_full_marks(fraction) == (status == CORRECT)


@pytest.mark.parametrize("fraction, status", ANSWER_STATUS)
def test_the_graders_judge_by_the_same_rule(fraction, status):
    """The automatic graders and an instructor's essay grade give one status for one fraction
    (they differed at the boundaries: < and > in the graders, <= and >= for essays)."""
    assert grading._status(fraction) is grading.Status(status)


def test_the_status_names_are_the_graders():
    assert {CORRECT, PARTIAL, INCORRECT, PENDING, UNGRADED} == {s.value for s in grading.Status}


# -- an attempt's score ------------------------------------------------------------------------

ATTEMPT_SCORE = [
    ([], 0.0),  # no question at all
    ([(UNGRADED, None)], 0.0),  # a description only: nothing counted
    ([(PENDING, None)], 0.0),  # every essay waiting: counts 0 until graded
    ([(PENDING, None), (PENDING, None)], 0.0),
    ([(UNANSWERED, 0.0), (UNANSWERED, 0.0)], 0.0),
    ([(CORRECT, 1.0)], 100.0),
    ([(CORRECT, 1.0), (UNGRADED, None)], 100.0),  # a description does not dilute the score
    ([(CORRECT, 1.0), (UNANSWERED, 0.0)], 50.0),  # an unanswered question counts 0
    ([(CORRECT, 1.0), (INCORRECT, 0.0), (PENDING, None)], 33.33),  # the essay waits, counted as 0
    ([(CORRECT, 1.0), (CORRECT, 1.0), (INCORRECT, 0.0)], 66.67),  # two decimals
    ([(PARTIAL, 0.335)], 33.5),
    ([(PARTIAL, 0.1234)], 12.34),
    ([(CORRECT, 0.9999999), (CORRECT, 1.0)], 100.0),
]


@pytest.mark.parametrize("answers, score", ATTEMPT_SCORE)
def test_an_attempts_score_is_the_mean_over_questions_that_ask(answers, score):
    assert rules.attempt_score(answers) == score
    assert rules.attempt_score(iter(answers)) == score  # a generator, as the submission passes it


SEVEN_OF_TEN = [(CORRECT, 1.0)] * 7 + [(INCORRECT, 0.0)] * 3

ATTEMPT_RESULT = [
    # answers, pass mark -> score, passed, pending
    (SEVEN_OF_TEN, 70, 70.0, True, False),  # exactly at the pass mark passes
    (SEVEN_OF_TEN, 71, 70.0, False, False),
    ([(CORRECT, 1.0), (CORRECT, 1.0), (INCORRECT, 0.0)], 67, 66.67, False, False),  # rounded, then compared
    ([(CORRECT, 1.0), (CORRECT, 1.0), (INCORRECT, 0.0)], 66, 66.67, True, False),
    ([], 0, 0.0, True, False),  # a pass mark of 0 is passed by anything
    ([], 70, 0.0, False, False),
    ([(PENDING, None)], 70, 0.0, False, True),  # all essays pending: nothing passed yet
    ([(CORRECT, 1.0), (PENDING, None)], 50, 50.0, True, True),  # passes already, an essay still waits
    ([(CORRECT, 1.0), (CORRECT, 1.0)], 100, 100.0, True, False),
    ([(UNGRADED, None), (UNANSWERED, 0.0)], 60, 0.0, False, False),
]


@pytest.mark.parametrize("answers, pass_mark, score, passed, pending", ATTEMPT_RESULT)
def test_an_attempts_result(answers, pass_mark, score, passed, pending):
    assert rules.attempt_result(answers, pass_mark) == rules.AttemptResult(score, passed, pending)
    assert rules.is_passed(score, pass_mark) is passed


# -- folding an attempt into a module's progress -----------------------------------------------

FOLD = [
    # progress before, score, passed, new attempt -> progress after
    (None, 50.0, False, True, Progress(1, 50.0, False)),  # a first attempt without a visit
    (None, 80.0, True, True, Progress(1, 80.0, True)),
    (None, 0.0, False, True, Progress(1, 0.0, False)),  # a score of 0 is a best score, not none
    (rules.FIRST_VISIT, 40.0, False, True, Progress(1, 40.0, False, True)),  # the visit stays
    (Progress(1, 40.0), 90.0, True, True, Progress(2, 90.0, True)),
    (Progress(1, 40.0), 40.0, False, True, Progress(2, 40.0, False)),  # an equal score
    (Progress(2, 80.0, True), 40.0, False, True, Progress(3, 80.0, True)),  # done stays done, best kept
    (Progress(3, 100.0, True), 100.0, True, True, Progress(4, 100.0, True)),
    (rules.LESSON_DONE, 10.0, False, True, Progress(1, 10.0, True)),
    # a regraded attempt (its essay got a grade) is not one more attempt
    (Progress(1, 33.33, False), 66.67, True, False, Progress(1, 66.67, True)),
    (Progress(2, 90.0, True), 50.0, False, False, Progress(2, 90.0, True)),
    (Progress(1, 20.0, False), 30.0, False, False, Progress(1, 30.0, False)),
]


@pytest.mark.parametrize("before, score, passed, new_attempt, after", FOLD)
def test_folding_an_attempt_into_progress(before, score, passed, new_attempt, after):
    assert rules.fold_attempt(before, score, passed, new_attempt=new_attempt) == after


@pytest.mark.parametrize("best, score, kept", [(None, 0.0, 0.0), (None, 55.5, 55.5), (60.0, 55.5, 60.0),
                                               (55.5, 60.0, 60.0), (70.0, 70.0, 70.0)])
def test_the_best_score_is_the_better_one(best, score, kept):
    assert rules.better_score(best, score) == kept


# -- a module's status -------------------------------------------------------------------------

MODULE_STATUS = [
    # done, visited, attempts -> status
    (False, False, 0, NOT_STARTED),
    (False, False, None, NOT_STARTED),  # a row read before its count was set
    (False, True, 0, STARTED),  # opened
    (False, False, 1, STARTED),  # attempted without opening (the API)
    (False, True, 2, STARTED),  # attempted, not passed
    (True, False, 0, DONE),  # a lesson marked done
    (True, True, 3, DONE),
]


@pytest.mark.parametrize("done, visited, attempts, status", MODULE_STATUS)
def test_a_modules_status(done, visited, attempts, status):
    assert rules.module_status(done, visited, attempts) == status


@dataclass
class ProgressRow:
    done_at: object = None
    visited_at: object = None
    attempt_count: int | None = 0


NOW = datetime(2026, 9, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("row, status", [
    (None, NOT_STARTED),  # no row
    (ProgressRow(), NOT_STARTED),
    (ProgressRow(visited_at=NOW), STARTED),
    (ProgressRow(attempt_count=1), STARTED),
    (ProgressRow(done_at=NOW, visited_at=NOW, attempt_count=2), DONE),
    (ProgressRow(done_at=True, visited_at=False, attempt_count=0), DONE),  # dates read as flags (the dashboard)
    (ProgressRow(done_at=False, visited_at=True, attempt_count=0), STARTED),
])
def test_a_modules_status_from_its_row(row, status):
    assert rules.module_status_of(row) == status


# -- an enrolment's status ---------------------------------------------------------------------

@pytest.mark.parametrize("enrolled, left, completed, status", [
    (False, False, False, NOT_ENROLLED),
    (True, False, False, ENROLLED),
    (True, False, True, COMPLETED),
    (True, True, False, LEFT),
    (True, True, True, LEFT),  # left after completing: the completion is kept, the status says left
])
def test_an_enrolments_status(enrolled, left, completed, status):
    assert rules.enrolment_status(enrolled, left, completed) == status


@dataclass
class EnrolmentRow:
    left_at: object = None
    completed_at: object = None


@pytest.mark.parametrize("row, status", [
    (None, NOT_ENROLLED),
    (EnrolmentRow(), ENROLLED),
    (EnrolmentRow(completed_at=NOW), COMPLETED),
    (EnrolmentRow(left_at=NOW), LEFT),
    (EnrolmentRow(left_at=NOW, completed_at=NOW), LEFT),
])
def test_an_enrolments_status_from_its_row(row, status):
    assert rules.enrolment_status_of(row) == status


ALONE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("learning_rules", "app/learning_rules.py")
module = sys.modules["learning_rules"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(sorted(name for name in sys.modules if name.split(".")[0] in ("flask", "sqlalchemy", "app")))
"""


def test_the_rules_need_neither_flask_nor_the_database():
    """The module loads on its own, in a fresh interpreter, importing nothing of Flask, SQLAlchemy
    or the app."""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", ALONE], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
