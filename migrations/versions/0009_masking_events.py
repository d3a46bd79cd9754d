"""masking events: the public (masked) place of a submission

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:50:00

Submissions that already have a public version get their public place now: the resident's place
with personal data masked by the same rules the review page applies (values a moderator chose
to keep visible in the title or text are masked here too: they were never reviewed for the
place). Public outputs read only `public_place`, never the original, so nothing falls back to
the unmasked place afterwards. Each published submission with a place also gets an `edited`
change-log entry, so the search indexer rewrites its document (until now the public text field
held the place as typed) without a full reindex.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from portal.core.redaction import mask_text

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_place', sa.String(length=300), nullable=True))
    submission = sa.table('submission', sa.column('id', sa.Integer),
                          sa.column('place', sa.String), sa.column('public_title', sa.String),
                          sa.column('public_place', sa.String), sa.column('status', sa.String),
                          sa.column('published', sa.Boolean))
    change_log = sa.table('change_log', sa.column('submission_id', sa.Integer),
                          sa.column('change', sa.String), sa.column('status', sa.String),
                          sa.column('created_at', sa.DateTime(timezone=True)))
    connection = op.get_bind()
    rows = connection.execute(sa.select(
        submission.c.id, submission.c.place, submission.c.public_title, submission.c.status,
        submission.c.published).where(submission.c.place != '')).all()
    now = datetime.now(timezone.utc)
    for row in rows:
        if row.public_title is not None:
            connection.execute(submission.update().where(submission.c.id == row.id).values(
                public_place=mask_text(row.place.strip())[0] or None))
        if row.published:
            connection.execute(change_log.insert().values(
                submission_id=row.id, change='edited', status=row.status, created_at=now))


def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('public_place')
