"""quiz attempts: index a learner's attempts newest first

The dashboard's latest attempts and the history page order a learner's attempts by submission
time; with an index on user_id alone the database sorted the learner's whole history for each
view. The composite index replaces the single-column one, whose lookups it also serves.

Revision ID: 5b2e9d41c7a3
Revises: c8bbe81588cb
Create Date: 2026-12-03 10:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b2e9d41c7a3'
down_revision = 'c8bbe81588cb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_user_id_submitted_at', ['user_id', 'submitted_at', 'id'], unique=False)
        batch_op.drop_index('ix_quiz_attempts_user_id')


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_attempts_user_id', ['user_id'], unique=False)
        batch_op.drop_index('ix_quiz_attempts_user_id_submitted_at')
