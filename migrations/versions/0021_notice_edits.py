"""notice edits: a category notice records when an administrator last changed it, so the
reference data's version (kept pages, each process's reference snapshot) follows notices too

Revision ID: 0021_notice_edits
Revises: 0020_public_changes
Create Date: 2026-12-02 21:00:00
"""
import sqlalchemy as sa
from alembic import op

from portal.core.time import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0021_notice_edits"
down_revision = "0020_public_changes"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("category_notice", sa.Column("edited_at", UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("category_notice", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
