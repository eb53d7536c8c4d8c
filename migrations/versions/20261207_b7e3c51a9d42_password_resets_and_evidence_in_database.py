"""password-reset links; evidence files kept in the database instead of instance/evidence/

Evidence written to instance/evidence/ was lost with the checkout and invisible to a second host.
Upgrading copies every file found there into evidence_files (the files stay on disk, for the
operator to remove once the backup of the upgraded database is taken); downgrading writes them
back. The content checks are the app's, written out here so this migration keeps doing what it
did: a file already accepted is kept whatever it holds, with the media type its bytes show.

Revision ID: b7e3c51a9d42
Revises: 8e4b2d6f0a19
Create Date: 2026-12-07 19:50:00.000000

"""
import hashlib
import secrets
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'b7e3c51a9d42'
down_revision = '8e4b2d6f0a19'
branch_labels = None
depends_on = None

SIGNATURES = {b'%PDF-': ('application/pdf', '.pdf'), b'\x89PNG\r\n\x1a\n': ('image/png', '.png'),
              b'\xff\xd8\xff': ('image/jpeg', '.jpg')}

ledger_entries = sa.table('ledger_entries', sa.column('id', sa.Integer), sa.column('evidence_path', sa.String))
evidence_files = sa.table('evidence_files', sa.column('entry_id', sa.Integer), sa.column('media_type', sa.String),
                          sa.column('size', sa.Integer), sa.column('sha256', sa.String),
                          sa.column('data', sa.LargeBinary), sa.column('created_at', sa.DateTime(timezone=True)))


def _folder() -> Path:
    return Path(current_app.instance_path) / 'evidence'


def _media_type(data: bytes) -> str:
    return next((kind for signature, (kind, _suffix) in SIGNATURES.items() if data.startswith(signature)),
                'application/octet-stream')


def upgrade():
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('password_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_resets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_evidence_files_entry_id_ledger_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_evidence_files_entry_id'))
    )

    bind = op.get_bind()
    folder = _folder()
    rows = bind.execute(sa.select(ledger_entries.c.id, ledger_entries.c.evidence_path)
                        .where(ledger_entries.c.evidence_path.is_not(None))).all()
    for entry_id, stored in rows:
        path = folder / Path(stored).name  # names were random ones of ours; never follow another path
        if not path.is_file():
            continue  # already lost before this upgrade: its entry keeps its name, the link answers 404
        data = path.read_bytes()
        bind.execute(evidence_files.insert().values(
            entry_id=entry_id, media_type=_media_type(data), size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), data=data, created_at=sa.func.now()))

    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('evidence_path')


def downgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_path', sa.String(length=255), nullable=True))

    bind = op.get_bind()
    rows = bind.execute(sa.select(evidence_files.c.entry_id, evidence_files.c.media_type, evidence_files.c.data)).all()
    if rows:
        folder = _folder()
        folder.mkdir(parents=True, exist_ok=True)
        suffixes = {kind: suffix for kind, suffix in SIGNATURES.values()}
        for entry_id, media_type, data in rows:
            name = f'{secrets.token_hex(16)}{suffixes.get(media_type, "")}'
            (folder / name).write_bytes(data)
            bind.execute(ledger_entries.update().where(ledger_entries.c.id == entry_id).values(evidence_path=name))

    op.drop_table('evidence_files')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
