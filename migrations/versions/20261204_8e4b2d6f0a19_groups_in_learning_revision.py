"""A learner's groups in users.learning_revision: triggers on cohort_members and on a group's name

The dashboard lists the learner's groups; with joining, leaving and a group's renaming bumping
the learning revision, a worker can keep that list with the rest of the learner's dashboard
(app.services.learner_cache) instead of reading it on every view. The DDL is written out here
rather than imported, so that this migration keeps doing what it did when app.models.learning
changes; the PostgreSQL function for the member rows is 3c9f1d7e5a20's.

Revision ID: 8e4b2d6f0a19
Revises: 3c9f1d7e5a20
Create Date: 2026-12-04 14:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '8e4b2d6f0a19'
down_revision = '3c9f1d7e5a20'
branch_labels = None
depends_on = None

BUMP = 'UPDATE users SET learning_revision = learning_revision + 1 WHERE id'
BUMP_MEMBERS = f'{BUMP} IN (SELECT user_id FROM cohort_members WHERE cohort_id = new.id)'


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for suffix, event, tables in (('ai', 'INSERT', 'NEW TABLE AS new_rows'),
                                      ('au', 'UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
                                      ('ad', 'DELETE', 'OLD TABLE AS old_rows')):
            op.execute(f'CREATE TRIGGER cohort_members_learning_{suffix} AFTER {event} ON cohort_members '
                       f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION bump_learning_revision()')
        op.execute('CREATE OR REPLACE FUNCTION bump_cohort_members_revision() RETURNS trigger LANGUAGE plpgsql '
                   f'AS $$ BEGIN {BUMP_MEMBERS}; RETURN NULL; END $$')
        op.execute('CREATE TRIGGER cohorts_learning_au AFTER UPDATE OF name, term ON cohorts FOR EACH ROW '
                   'WHEN (old.name IS DISTINCT FROM new.name OR old.term IS DISTINCT FROM new.term) '
                   'EXECUTE FUNCTION bump_cohort_members_revision()')
        return
    op.execute('CREATE TRIGGER cohort_members_learning_ai AFTER INSERT ON cohort_members '
               f'BEGIN {BUMP} = new.user_id; END')
    op.execute('CREATE TRIGGER cohort_members_learning_au AFTER UPDATE ON cohort_members '
               f'BEGIN {BUMP} IN (old.user_id, new.user_id); END')
    op.execute('CREATE TRIGGER cohort_members_learning_ad AFTER DELETE ON cohort_members '
               f'BEGIN {BUMP} = old.user_id; END')
    op.execute(f'CREATE TRIGGER cohorts_learning_au AFTER UPDATE OF name, term ON cohorts BEGIN {BUMP_MEMBERS}; END')


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for suffix in ('ai', 'au', 'ad'):
        op.execute(f'DROP TRIGGER IF EXISTS cohort_members_learning_{suffix}' + (' ON cohort_members' if postgresql else ''))
    op.execute('DROP TRIGGER IF EXISTS cohorts_learning_au' + (' ON cohorts' if postgresql else ''))
    if postgresql:
        op.execute('DROP FUNCTION IF EXISTS bump_cohort_members_revision()')
