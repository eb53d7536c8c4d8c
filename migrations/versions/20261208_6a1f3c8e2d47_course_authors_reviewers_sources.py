"""courses.authors, reviewers and sources: who wrote and reviewed a course, and what it rests on

course.yml's new keys (docs/authoring.md). Existing courses get empty lists; the next sync of a
course whose files changed writes its own. Added with plain ADD COLUMN (and dropped with plain
DROP COLUMN, SQLite 3.35+), not a batch step: recreating `courses` on SQLite would drop its
curriculum-revision triggers (c4a7e2d91b36).

Revision ID: 6a1f3c8e2d47
Revises: c4a7e2d91b36
Create Date: 2026-12-08 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a1f3c8e2d47'
down_revision = 'c4a7e2d91b36'
branch_labels = None
depends_on = None

COLUMNS = ('authors', 'reviewers', 'sources')


def upgrade():
    for name in COLUMNS:
        op.add_column('courses', sa.Column(name, sa.JSON(), server_default=sa.text("'[]'"),
                                           nullable=False))


def downgrade():
    for name in reversed(COLUMNS):
        op.drop_column('courses', name)
