"""The curriculum revision bumped by triggers on courses, modules and questions

It was bumped by a Python hook on the ORM's flush, which a Core statement or an operator's SQL
never ran through: a title changed that way kept the old one on every worker's pages. Now the
database bumps it in the transaction that changes a row, as it already did for the learning
revision (app.models.revisions). The DDL is written out here rather than imported, so that this
migration keeps doing what it did when the models change.

Revision ID: c4a7e2d91b36
Revises: b7e3c1a9d052
Create Date: 2026-12-07 23:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4a7e2d91b36'
down_revision = 'b7e3c1a9d052'
branch_labels = None
depends_on = None

TABLES = ('courses', 'course_modules', 'quiz_questions')
BUMP = "UPDATE revisions SET value = value + 1 WHERE name = 'curriculum'"
EVENTS = (('ai', 'INSERT', 'NEW TABLE AS new_rows'),
          ('au', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
          ('ad', 'DELETE', 'OLD TABLE AS old_rows'))


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.execute("INSERT INTO revisions (name, value) SELECT 'curriculum', 1 "
               "WHERE NOT EXISTS (SELECT 1 FROM revisions WHERE name = 'curriculum')")
    if postgresql:
        op.execute("CREATE OR REPLACE FUNCTION bump_curriculum_revision() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN IF TG_OP = 'DELETE' THEN IF EXISTS (SELECT 1 FROM old_rows) THEN {BUMP}; END IF; "
                   f"ELSIF EXISTS (SELECT 1 FROM new_rows) THEN {BUMP}; END IF; RETURN NULL; END $$")
    for table in TABLES:
        for suffix, event, tables in EVENTS:
            if postgresql:
                op.execute(f'CREATE TRIGGER {table}_curriculum_{suffix} AFTER {event} ON {table} '
                           f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION bump_curriculum_revision()')
            else:
                op.execute(f'CREATE TRIGGER {table}_curriculum_{suffix} AFTER {event} ON {table} '
                           f'BEGIN {BUMP}; END')


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table in TABLES:
        for suffix, _event, _tables in EVENTS:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_curriculum_{suffix}' + (f' ON {table}' if postgresql else ''))
    if postgresql:
        op.execute('DROP FUNCTION IF EXISTS bump_curriculum_revision()')
