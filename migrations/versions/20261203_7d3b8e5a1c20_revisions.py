"""revisions: a number per kind of shared data, bumped when that data changes

Workers keep the curriculum (courses, outlines, module texts) in memory and check the
``curriculum`` revision on each request; the row starts at 1 so an existing database needs no
sync to be served.

Revision ID: 7d3b8e5a1c20
Revises: e1f0a6b3d825
Create Date: 2026-12-03 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3b8e5a1c20'
down_revision = 'e1f0a6b3d825'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'revisions',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_revisions')),
    )
    op.bulk_insert(table, [{'name': 'curriculum', 'value': 1}])


def downgrade():
    op.drop_table('revisions')
