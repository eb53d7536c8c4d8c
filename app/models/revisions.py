"""Revision numbers of shared data, and the database triggers that bump them.

Workers keep what they read and render in memory (app.caching) and tag it with the revisions of
the data it was built from. Every revision lives in the database and is bumped *by the database*,
in the transaction that changes its data, so that no writer can forget it: an ORM flush, a Core
statement, an operator's SQL and a future write path all bump it alike, and every worker on every
host stops using what it kept at the commit that changed the data. There is one scheme for
everything that is cached:

- ``revisions.value`` where ``name = 'curriculum'``: any insert, update or delete of a course, a
  module or a question;
- ``users.learning_revision``: any insert, update or delete of one learner's enrolments, module
  progress, quiz attempts or group memberships, and a change of the name or term of one of their
  groups (the dashboard shows them). Answers are not covered: grading one also updates its attempt.

PostgreSQL runs statement-level triggers over transition tables, so a bulk write (a sync, a seed,
a cascade) bumps once per statement rather than once per row, and a statement that touched no
row bumps nothing. SQLite has row-level triggers only.

The DDL is replayed by migrations (3c9f1d7e5a20 and 8e4b2d6f0a19 for the learning revision,
c4a7e2d91b36 for the curriculum's), written out there so that they keep doing what they did when
this module changes; a SQLite batch migration that recreates one of these tables drops its
triggers and must create them again (tests/integration/test_migrations.py compares the triggers
the migrations make with the ones made here for ``db.create_all()``).
"""
from __future__ import annotations

from sqlalchemy import DDL, Integer, String, event, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

CURRICULUM = "curriculum"


class Revision(db.Model):
    """A number that changes whenever some shared data changes (``curriculum``: any course, module
    or question row). Workers compare it with the number their kept copies were built at."""

    __tablename__ = "revisions"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


# --- The curriculum revision ------------------------------------------------------------------
CURRICULUM_TABLES = ("courses", "course_modules", "quiz_questions")
_BUMP_CURRICULUM = f"UPDATE revisions SET value = value + 1 WHERE name = '{CURRICULUM}'"


def sqlite_curriculum_triggers(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_curriculum_{suffix} AFTER {event_} ON {table} BEGIN {_BUMP_CURRICULUM}; END"
        for suffix, event_ in (("ai", "INSERT"), ("au", "UPDATE"), ("ad", "DELETE"))
    )


PG_CURRICULUM_FUNCTION = (
    "CREATE OR REPLACE FUNCTION bump_curriculum_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'DELETE' THEN IF EXISTS (SELECT 1 FROM old_rows) THEN {_BUMP_CURRICULUM}; END IF; "
    f"ELSIF EXISTS (SELECT 1 FROM new_rows) THEN {_BUMP_CURRICULUM}; END IF; RETURN NULL; END $$"
)


def pg_curriculum_triggers(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_curriculum_{suffix} AFTER {event_} ON {table} REFERENCING {tables} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_revision()"
        for suffix, event_, tables in _PG_EVENTS
    )


# --- The learning revision --------------------------------------------------------------------
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


# One function for the three events, over the statement's transition tables.
PG_LEARNING_FUNCTION = (
    "CREATE OR REPLACE FUNCTION bump_learning_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'INSERT' THEN {_BUMP} IN (SELECT user_id FROM new_rows); "
    f"ELSIF TG_OP = 'DELETE' THEN {_BUMP} IN (SELECT user_id FROM old_rows); "
    f"ELSE {_BUMP} IN (SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows); "
    "END IF; RETURN NULL; END $$"
)

_PG_EVENTS = (
    ("ai", "INSERT", "NEW TABLE AS new_rows"),
    ("au", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ("ad", "DELETE", "OLD TABLE AS old_rows"),
)


def pg_learning_triggers(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_learning_{suffix} AFTER {event_} ON {table} REFERENCING {tables} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_learning_revision()"
        for suffix, event_, tables in _PG_EVENTS
    )


PG_FUNCTIONS = {
    "bump_learning_revision": PG_LEARNING_FUNCTION,
    "bump_cohort_members_revision": PG_COHORT_FUNCTION,
    "bump_curriculum_revision": PG_CURRICULUM_FUNCTION,
}


def attach_triggers() -> None:
    """Let ``db.create_all()`` make the revision row and the triggers (the tests' schema) as the
    migrations do. Called once, when app.models is imported."""
    # The row must exist before anything bumps it: an UPDATE of a missing row changes nothing.
    event.listen(Revision.__table__, "after_create",
                 lambda target, connection, **kw: connection.execute(insert(target).values(name=CURRICULUM, value=1)))
    # The functions before any table, whose triggers name them.
    for name, function in PG_FUNCTIONS.items():
        event.listen(db.metadata, "before_create", DDL(function).execute_if(dialect="postgresql"))
        event.listen(db.metadata, "after_drop", DDL(f"DROP FUNCTION IF EXISTS {name}()").execute_if(dialect="postgresql"))
    tables = db.metadata.tables

    def on_create(table_name: str, sqlite: tuple[str, ...], postgresql: tuple[str, ...]) -> None:
        for statement in sqlite:
            event.listen(tables[table_name], "after_create", DDL(statement).execute_if(dialect="sqlite"))
        for statement in postgresql:
            event.listen(tables[table_name], "after_create", DDL(statement).execute_if(dialect="postgresql"))

    for name in CURRICULUM_TABLES:
        on_create(name, sqlite_curriculum_triggers(name), pg_curriculum_triggers(name))
    for name in LEARNING_TABLES:
        on_create(name, sqlite_learning_triggers(name), pg_learning_triggers(name))
    on_create("cohorts", (SQLITE_COHORT_TRIGGER,), (PG_COHORT_TRIGGER,))
