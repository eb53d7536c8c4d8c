"""users.learning_revision, bumped by triggers on enrolments, module progress and quiz attempts

Workers may keep what they built from a learner's data (the progress API's answer, a cohort's
progress matrix) and check it against this number, read with the user's row, on each request
(app.services.learner_cache). The database bumps it itself, in the writing transaction, so no
write path can forget to. The DDL is written out here rather than imported, so that this
migration keeps doing what it did when app.models.learning changes.

Revision ID: 3c9f1d7e5a20
Revises: a4c7e2f91b36
Create Date: 2026-12-04 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c9f1d7e5a20'
down_revision = 'a4c7e2f91b36'
branch_labels = None
depends_on = None

TABLES = ('enrolments', 'module_progress', 'quiz_attempts')
BUMP = 'UPDATE users SET learning_revision = learning_revision + 1 WHERE id'
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION bump_learning_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'INSERT' THEN {BUMP} IN (SELECT user_id FROM new_rows); "
    f"ELSIF TG_OP = 'DELETE' THEN {BUMP} IN (SELECT user_id FROM old_rows); "
    f"ELSE {BUMP} IN (SELECT user_id FROM new_rows UNION SELECT user_id FROM old_rows); "
    "END IF; RETURN NULL; END $$"
)


def _triggers(dialect: str, table: str) -> list[str]:
    if dialect == 'postgresql':
        return [
            f"CREATE TRIGGER {table}_learning_{suffix} AFTER {event} ON {table} REFERENCING {tables} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bump_learning_revision()"
            for suffix, event, tables in (('ai', 'INSERT', 'NEW TABLE AS new_rows'),
                                          ('au', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
                                          ('ad', 'DELETE', 'OLD TABLE AS old_rows'))
        ]
    return [
        f"CREATE TRIGGER {table}_learning_ai AFTER INSERT ON {table} BEGIN {BUMP} = new.user_id; END",
        f"CREATE TRIGGER {table}_learning_au AFTER UPDATE ON {table} BEGIN {BUMP} IN (old.user_id, new.user_id); END",
        f"CREATE TRIGGER {table}_learning_ad AFTER DELETE ON {table} BEGIN {BUMP} = old.user_id; END",
    ]


def upgrade():
    # A plain ALTER TABLE ... ADD COLUMN, which SQLite does in place: not a batch copy of `users`,
    # which on a large database takes long, and drops the old table (see env.py on foreign keys).
    op.add_column('users', sa.Column('learning_revision', sa.Integer(), server_default=sa.text('0'), nullable=False))
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute(PG_FUNCTION)
    for table in TABLES:
        for statement in _triggers(dialect, table):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        for suffix in ('ai', 'au', 'ad'):
            op.execute(f'DROP TRIGGER IF EXISTS {table}_learning_{suffix}'
                       + (f' ON {table}' if dialect == 'postgresql' else ''))
    if dialect == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS bump_learning_revision()')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('learning_revision')
