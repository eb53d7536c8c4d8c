"""One credit per course for credit; revoked certificates take their hours with them

A course and its translations are one course for credit (app.services.credit): the ledger gets
``course_key`` (the original's slug) with one entry per learner and key, ``revoked_at`` for
credit withdrawn with its certificate, and ``merged_from`` to say what duplicate credit was
folded into an entry.

The data is mended as the new rules would have written it:
- duplicate course credit (the same course completed in two languages) is merged: the entry of
  the earliest certificate stays and lists the others in ``merged_from``; the others become
  "merged" (kept, never deleted, counted nowhere); the later certificates are revoked, saying
  which one they were merged into;
- credit whose course certificate is revoked, with no valid one left, becomes "revoked";
- track-level certificates that the counted hours no longer reach are revoked, saying why.
It is written out here with its own table definitions rather than importing the app, so that it
keeps doing what it did when the models change.

Revision ID: b7e3c1a9d250
Revises: 512f4d20435e
Create Date: 2026-12-07 20:00:00.000000

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e3c1a9d250'
down_revision = '512f4d20435e'
branch_labels = None
depends_on = None

courses = sa.table('courses', sa.column('id', sa.Integer), sa.column('slug', sa.String),
                   sa.column('translation_of', sa.String), sa.column('language', sa.String))
entries = sa.table('ledger_entries', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
                   sa.column('source', sa.String), sa.column('course_id', sa.Integer),
                   sa.column('course_key', sa.String), sa.column('track', sa.String),
                   sa.column('title', sa.String), sa.column('activity_date', sa.Date),
                   sa.column('hours', sa.Float), sa.column('status', sa.String),
                   sa.column('revoked_at', sa.DateTime(timezone=True)), sa.column('merged_from', sa.JSON))
certificates = sa.table('certificates', sa.column('id', sa.Integer), sa.column('code', sa.String),
                        sa.column('user_id', sa.Integer), sa.column('kind', sa.String),
                        sa.column('course_id', sa.Integer), sa.column('track', sa.String),
                        sa.column('level', sa.String), sa.column('hours', sa.Float),
                        sa.column('language', sa.String), sa.column('issued_at', sa.DateTime(timezone=True)),
                        sa.column('revoked_at', sa.DateTime(timezone=True)), sa.column('revoke_reason', sa.Text))
tracks = sa.table('tracks', sa.column('slug', sa.String), sa.column('levels', sa.JSON))


def upgrade():
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_from', sa.JSON(), nullable=True))
    _mend(op.get_bind())
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_ledger_entries_user_id_course_key'),
                                          ['user_id', 'course_key'])


def downgrade():
    # Merged and revoked entries keep their status: the old code counts only "approved" ones,
    # so turning them back would count the duplicates and the revoked hours again.
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_ledger_entries_user_id_course_key'), type_='unique')
        batch_op.drop_column('merged_from')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('course_key')


def _mend(conn) -> None:
    now = datetime.now(timezone.utc)
    key_of = {row.id: row.translation_of or row.slug
              for row in conn.execute(sa.select(courses.c.id, courses.c.slug, courses.c.translation_of))}
    language_of = dict(conn.execute(sa.select(courses.c.id, courses.c.language)).all())

    # Course certificates by learner and course for credit, oldest first.
    groups: dict[tuple, list] = {}
    for cert in conn.execute(sa.select(certificates).where(certificates.c.kind == 'course',
                                                           certificates.c.course_id.is_not(None))
                             .order_by(certificates.c.issued_at, certificates.c.id)):
        groups.setdefault((cert.user_id, key_of[cert.course_id]), []).append(cert)
    ledger: dict[tuple, list] = {}
    for entry in conn.execute(sa.select(entries).where(entries.c.source == 'course', entries.c.course_id.is_not(None))
                              .order_by(entries.c.activity_date, entries.c.id)):
        ledger.setdefault((entry.user_id, key_of[entry.course_id]), []).append(entry)

    for (user_id, key), rows in ledger.items():
        certs = groups.get((user_id, key), [])
        valid = [c for c in certs if c.revoked_at is None]
        first_course = (valid or certs or [None])[0]
        keep = next((e for e in rows if first_course is not None and e.course_id == first_course.course_id), rows[0])
        merged = [{"title": e.title, "language": language_of.get(e.course_id), "hours": e.hours,
                   "activity_date": e.activity_date.isoformat(),
                   "certificate": next((c.code for c in certs if c.course_id == e.course_id), None),
                   "merged_at": now.date().isoformat()}
                  for e in rows if e.id != keep.id and e.status == 'approved']
        for e in rows:
            if e.id != keep.id:
                conn.execute(entries.update().where(entries.c.id == e.id).values(status='merged', course_key=None))
        values = {"course_key": key}
        if merged:
            values["merged_from"] = merged
        withdrawn = certs and not valid
        if withdrawn and keep.status == 'approved':
            values.update(status='revoked', revoked_at=max(c.revoked_at for c in certs))
        conn.execute(entries.update().where(entries.c.id == keep.id).values(**values))

    for certs in groups.values():
        valid = [c for c in certs if c.revoked_at is None]
        for duplicate in valid[1:]:
            conn.execute(certificates.update().where(certificates.c.id == duplicate.id).values(
                revoked_at=now, revoke_reason=f"Merged into certificate {valid[0].code}: the same course in "
                                              "another language counts once."))

    levels = {row.slug: {lv["id"]: lv["hours"] for lv in row.levels or []}
              for row in conn.execute(sa.select(tracks.c.slug, tracks.c.levels))}
    counted: dict[tuple, float] = {}
    for user_id, track, hours in conn.execute(
            sa.select(entries.c.user_id, entries.c.track, sa.func.sum(entries.c.hours))
            .where(entries.c.status == 'approved', entries.c.track.is_not(None))
            .group_by(entries.c.user_id, entries.c.track)):
        counted[(user_id, track)] = float(hours or 0)
    for cert in conn.execute(sa.select(certificates).where(certificates.c.kind == 'track-level',
                                                           certificates.c.revoked_at.is_(None))).all():
        hours = counted.get((cert.user_id, cert.track), 0.0)
        if hours < levels.get(cert.track, {}).get(cert.level, cert.hours):
            conn.execute(certificates.update().where(certificates.c.id == cert.id).values(
                revoked_at=now, revoke_reason=f"The counted hours ({hours:g}) do not reach this level: the same "
                                              "course in two languages had been counted twice, or its "
                                              "certificate was revoked."))
