"""Coordinators: the institutions each one's reports cover, and who covers them all

users.role is a VARCHAR(20) without a CHECK constraint (app.models.people.enum_column stores the
value of the enum; SQLAlchemy makes no constraint for a non-native enum unless asked), so the new
role value 'coordinator' needs no DDL on SQLite or PostgreSQL. What needs a schema change is the
coordinator's scope: the coordinator_institutions table and users.coordinates_all_institutions.
Downgrading turns coordinators into learners, as the older code cannot read the role.

Revision ID: 512f4d20435e
Revises: b5d1e8c3f742
Create Date: 2026-12-07 19:42:57.455390

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '512f4d20435e'
down_revision = 'b5d1e8c3f742'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coordinator_institutions',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institutions.id'], name=op.f('fk_coordinator_institutions_institution_id_institutions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coordinator_institutions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'institution_id', name=op.f('pk_coordinator_institutions'))
    )
    with op.batch_alter_table('coordinator_institutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinator_institutions_institution_id'), ['institution_id'], unique=False)

    # In place on SQLite (ALTER TABLE ... ADD/DROP COLUMN), not a batch copy of `users`: the copy
    # would break the learning-revision triggers that name the table, and is slow on a large one.
    op.add_column('users', sa.Column('coordinates_all_institutions', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade():
    op.execute("UPDATE users SET role = 'learner' WHERE role = 'coordinator'")
    op.drop_column('users', 'coordinates_all_institutions')

    with op.batch_alter_table('coordinator_institutions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinator_institutions_institution_id'))

    op.drop_table('coordinator_institutions')
