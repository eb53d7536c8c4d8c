"""Writes whose values are converted before the writers' turn (app.services.prepared).

A ``Prepared`` statement must store exactly what SQLAlchemy would have stored for the same values
(timestamps, JSON, kept JSON text), on SQLite and on PostgreSQL; and a quiz submission must do its
converting before it takes the turn, which is why it exists (bench/HISTORY.md, fix 52).
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import Integer, bindparam, event, func, insert, literal, select, text

from app.extensions import EncodedJSON, db
from app.models import Attempt, Module, ModuleProgress, Question
from app.models.learning import Answer
from app.platform import sqlite
from app.services import attempts, enrolment
from app.services.prepared import Prepared
from tests import factories

KEYS = attempts.ANSWER_COLUMNS


@pytest.fixture
def enrolled(app, course):
    """A learner enrolled in the sample course, and its quiz module."""
    learner = factories.make_user(email="learner@example.kg")
    boolean = db.session.scalar(select(Module).where(Module.slug == "boolean"))
    enrolment.enrol(learner, boolean.course)
    return learner, boolean


def test_a_prepared_insert_stores_what_sqlalchemy_stores(enrolled) -> None:
    learner, boolean = enrolled
    attempt = attempts.submit(learner, boolean, factories.by_question_id(factories.SAMPLE_RIGHT_ANSWERS), "key-1")
    question_id = db.session.scalar(select(Question.id).where(Question.module_id == boolean.id).limit(1))
    when = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=timezone.utc)
    row = dict(question_id=question_id, response={"0": "ту́ра", "1": [1, 2]}, fraction=0.5, status="partial",
               feedback=["<p>Жакшы</p>"], question_snapshot=EncodedJSON('{"type": "matching", "stem": "Саба"}'),
               rendered_snapshot={"stem": "<p>Сабак</p>"}, created_at=when, updated_at=when)
    conn = db.session.connection()
    conn.execute(insert(Answer.__table__), [dict(row, attempt_id=attempt.id, position=101)])
    statement = Prepared(insert(Answer.__table__), KEYS, late=("attempt_id",))
    values = [statement.values(conn, dict(row, position=102))]
    statement.execute(conn, values, attempt_id=attempt.id)
    db.session.commit()

    # As the database holds them (text on SQLite, JSON and timestamptz on PostgreSQL) ...
    stored = db.session.execute(text(
        "SELECT position, CAST(response AS TEXT), fraction, status, CAST(feedback AS TEXT), "
        "CAST(question_snapshot AS TEXT), CAST(rendered_snapshot AS TEXT), created_at, updated_at "
        "FROM quiz_answers WHERE attempt_id = :a AND position > 100 ORDER BY position"), {"a": attempt.id}).all()
    assert len(stored) == 2 and stored[0][1:] == stored[1][1:]
    # ... and as the models read them back.
    read = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id, Answer.position == 102)).one()
    assert (read.response, read.feedback, read.question_snapshot, read.rendered_snapshot, read.created_at) == (
        {"0": "ту́ра", "1": [1, 2]}, ["<p>Жакшы</p>"], {"type": "matching", "stem": "Саба"},
        {"stem": "<p>Сабак</p>"}, when)


def test_the_statements_own_literals_and_late_values_reach_the_database(app) -> None:
    conn = db.session.connection()
    plus = Prepared(select(literal(40) + bindparam("x", type_=Integer) + bindparam("late", type_=Integer)),
                    late=("late",))
    assert plus.execute(conn, plus.values(conn, {"x": 1}), late=1).scalar_one() == 42
    many = Prepared(select(func.coalesce(bindparam("x", type_=Integer), 7)))
    assert many.execute(conn, many.values(conn, {"x": None})).scalar_one() == 7


def test_a_late_value_that_needs_converting_is_refused(app) -> None:
    statement = Prepared(insert(Answer.__table__), KEYS, late=("created_at",))
    with pytest.raises(ValueError, match="created_at"):
        statement.values(db.session.connection(), {"position": 1})


def test_a_missing_value_fails_before_reaching_the_database(app) -> None:
    conn = db.session.connection()
    if not conn.dialect.positional:
        pytest.skip("named parameters: the driver reports a missing one")
    statement = Prepared(select(bindparam("a", type_=Integer) + bindparam("b", type_=Integer)))
    with pytest.raises(KeyError):
        statement.execute(conn, statement.values(conn, {"a": 1}))


def test_a_submission_converts_its_values_before_it_takes_the_writers_turn(enrolled) -> None:
    """Inside the turn a submission runs only statements whose values were ready: none of them is
    compiled or converted by SQLAlchemy there (which statements they are is the service's own
    business; what they store is checked below)."""
    if sqlite.lock_path(db.engine) is None:
        pytest.skip("the writers' turn is SQLite's (a file database)")
    learner, boolean = enrolled
    attempts.submit(learner, boolean, {}, "key-0")  # the first attempt makes the progress row
    db.session.commit()
    right = factories.by_question_id(factories.SAMPLE_RIGHT_ANSWERS)
    during: list[bool] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if getattr(sqlite._turn, "depth", 0):
            during.append(context.compiled is not None)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        attempts.submit(learner, boolean, right, "key-1")
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert during, "nothing ran inside the writers' turn"
    assert not any(during), "a statement was compiled inside the writers' turn"
    # And the submission stored what it should: the attempt with its answers, the progress passed.
    assert db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.user_id == learner.id)) == 2
    passed = db.session.scalar(select(Attempt).where(Attempt.user_id == learner.id, Attempt.idempotency_key == "key-1"))
    assert passed.is_passed and len(passed.answers) == 2
    assert db.session.scalar(select(ModuleProgress.done_at).where(
        ModuleProgress.user_id == learner.id, ModuleProgress.module_id == boolean.id)) is not None


def test_a_passed_attempt_stores_its_done_date_as_every_other_timestamp(enrolled) -> None:
    learner, boolean = enrolled
    attempts.submit(learner, boolean, {}, "key-0")  # failed: the progress row, not done
    attempts.submit(learner, boolean, factories.by_question_id(factories.SAMPLE_RIGHT_ANSWERS), "key-1")  # passed
    db.session.commit()
    done_at, updated_at = db.session.execute(text(
        "SELECT CAST(done_at AS TEXT), CAST(updated_at AS TEXT) FROM module_progress "
        "WHERE user_id = :u AND module_id = :m"), {"u": learner.id, "m": boolean.id}).one()
    assert done_at is not None and done_at == updated_at  # one moment, one format
