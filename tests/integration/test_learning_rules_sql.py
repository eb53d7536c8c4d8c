"""The write paths apply the learning rules (app/learning_rules.py), on a real database.

The quiz submission folds an attempt into progress with one UPDATE that the database computes
(progress._record_attempt_statement): here it must give, for every case of the rules' own table,
what ``fold_attempt`` gives. A progress row is made in one place (progress.insert_progress) for
a first visit, a lesson marked done and a first attempt; an essay's grade judges the answer,
rescores the attempt and folds it into progress by the same rules as the submission.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app import learning_rules as rules
from app.extensions import db
from app.models import Answer, Attempt, Course, ModuleProgress, Question
from app.models.base import utcnow
from app.services import attempts, enrolment, essays, progress
from app.services.sync import sync_all
from tests import factories
from tests.unit.test_learning_rules import FOLD

ESSAY_QUIZ = factories.QUIZ.replace(
    "```quiz\n", "```quiz\n// [id:essay-1]\nExplain in your own words why AND narrows a search. {}\n\n")


@pytest.fixture
def course(app, tmp_path):
    folder = factories.write_course(tmp_path, modules={"01-intro.md": factories.LESSON, "02-boolean.md": ESSAY_QUIZ})
    assert sync_all([folder], commit=db.session.commit, rollback=db.session.rollback).ok
    return db.session.scalar(select(Course))


def module(course, slug):
    return next(m for m in course.modules if m.slug == slug)


def qid(ident):
    return db.session.scalar(select(Question.id).where(Question.ident == ident))


def row_of(user, module_):
    db.session.expire_all()
    return db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id,
                                                          ModuleProgress.module_id == module_.id))


def as_progress(row) -> rules.Progress:
    return rules.Progress(row.attempt_count, row.best_score, row.done_at is not None, row.visited_at is not None)


@pytest.mark.parametrize("before, score, passed, after", [
    (before, score, passed, after) for before, score, passed, new_attempt, after in FOLD if new_attempt])
def test_the_submissions_update_folds_an_attempt_as_the_rule_does(course, before, score, passed, after):
    quiz = module(course, "boolean")
    learner = factories.make_user()
    enrolled = enrolment.enrol(learner, course)
    earlier = utcnow() - timedelta(days=3)
    if before is not None:
        progress.insert_progress(learner.id, quiz.id, before, earlier)
    record = progress.attempt_record(db.session.connection(), learner, quiz, score, passed)
    progress.record_attempt(record, enrolled.id, completed=False)
    db.session.commit()
    row = row_of(learner, quiz)
    assert as_progress(row) == rules.fold_attempt(before, score, passed) == after
    if before is not None and before.done:
        assert row.done_at == earlier  # the first pass's date is kept
    elif after.done:
        assert row.done_at == record.now


def test_every_progress_row_is_made_holding_what_the_rules_say(course, client, auth):
    lesson, quiz = module(course, "intro"), module(course, "boolean")
    visitor, finisher, taker = (factories.make_user() for _ in range(3))
    visits = enrolment.enrol(visitor, course)
    for learner in (finisher, taker):
        enrolment.enrol(learner, course)
    db.session.commit()

    assert progress.record_visit(visitor, lesson, visits) is True
    progress.mark_done(finisher, lesson)
    # Two right answers and the essay left empty (unanswered: counts 0, waits for nobody).
    attempts.submit(taker, quiz, {qid("bool-and"): "0", qid("bool-tf"): "true"}, "first-attempt")
    db.session.commit()

    assert as_progress(row_of(visitor, lesson)) == rules.FIRST_VISIT
    assert as_progress(row_of(finisher, lesson)) == rules.LESSON_DONE
    taken = db.session.scalar(select(Attempt).where(Attempt.user_id == taker.id))
    assert (taken.score, taken.is_passed, taken.is_pending) == (66.67, True, False)
    assert as_progress(row_of(taker, quiz)) == rules.fold_attempt(None, 66.67, True)

    # A lesson marked done after a visit keeps its row and its visit.
    progress.mark_done(visitor, lesson)
    db.session.commit()
    assert as_progress(row_of(visitor, lesson)) == rules.Progress(done=True, visited=True)


@pytest.mark.parametrize("percent", [0, 0.01, 50, 99.99, 100])
def test_an_essays_grade_is_judged_scored_and_folded_by_the_submissions_rules(course, percent):
    quiz = module(course, "boolean")
    learner, admin = factories.make_user(), factories.make_user(role="admin")
    enrolment.enrol(learner, course)
    submitted = attempts.submit(learner, quiz, {qid("bool-and"): "0", qid("bool-tf"): "false",
                                                qid("essay-1"): "Оба слова обязательны."}, "with-essay")
    db.session.commit()
    attempt = db.session.get(Attempt, submitted.id)
    marks = [(a.status, a.fraction) for a in attempt.answers]
    assert rules.PENDING in [status for status, _f in marks]
    assert (attempt.score, attempt.is_passed, attempt.is_pending) == (33.33, False, True)
    assert rules.attempt_result(marks, attempt.pass_mark) == rules.AttemptResult(33.33, False, True)
    before = as_progress(row_of(learner, quiz))

    essay = db.session.scalar(select(Answer).where(Answer.status == rules.PENDING))
    essays.grade_essay(admin, essay.id, percent, "")
    db.session.commit()
    db.session.expire_all()
    essay, attempt = db.session.get(Answer, essay.id), db.session.get(Attempt, submitted.id)
    assert essay.status == rules.answer_status(round(percent / 100, 4))
    result = rules.attempt_result([(a.status, a.fraction) for a in attempt.answers], attempt.pass_mark)
    assert (attempt.score, attempt.is_passed, attempt.is_pending) == (result.score, result.passed, False)
    assert attempt.auto_score == 50.0  # the automatic part does not change with the essay's grade
    after = as_progress(row_of(learner, quiz))
    assert after == rules.fold_attempt(before, attempt.score, attempt.is_passed, new_attempt=False)
    assert after.attempt_count == 1 and after.done is (percent >= 80)  # (1 + 0 + 0.8) / 3 reaches the 60 %
