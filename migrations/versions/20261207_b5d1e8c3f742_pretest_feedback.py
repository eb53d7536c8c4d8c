"""courses.pretest_feedback: when a pretest's answers and option feedback are shown

"after-posttest" (the default: a learner sees them once they have taken the posttest, so the
pretest does not teach the posttest's answers) or "immediate" (course.yml opts out). Existing
courses get the default; the next sync writes each course's own value.

Revision ID: b5d1e8c3f742
Revises: b7e3c51a9d42
Create Date: 2026-12-07 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1e8c3f742'
down_revision = 'b7e3c51a9d42'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('courses', sa.Column('pretest_feedback', sa.String(length=20),
                                       server_default=sa.text("'after-posttest'"), nullable=False))


def downgrade():
    with op.batch_alter_table('courses') as batch_op:
        batch_op.drop_column('pretest_feedback')
