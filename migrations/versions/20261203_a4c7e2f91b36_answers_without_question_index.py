"""quiz answers: drop the index on question_id

Nothing reads answers by question: results, grading and item analysis all reach them through
their attempt (ix_quiz_answers_attempt_id). The index still cost every quiz submission one
B-tree insert per question, each into a different leaf page in the middle of the tree: ten of
the thirty pages a ten-question submission wrote to SQLite's log (bench/HISTORY.md). Questions
are retired, never deleted, so the foreign key's cascade never needs to find a question's answers.

Revision ID: a4c7e2f91b36
Revises: 7d3b8e5a1c20
Create Date: 2026-12-03 22:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4c7e2f91b36'
down_revision = '7d3b8e5a1c20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_answers_question_id')


def downgrade():
    with op.batch_alter_table('quiz_answers', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_answers_question_id', ['question_id'], unique=False)
