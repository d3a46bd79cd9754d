"""extensions: requests to extend a case's resolve deadline and their decisions

Revision ID: 0018_extensions
Revises: 0017_participation
Create Date: 2026-12-02 02:15:00
"""
import sqlalchemy as sa
from alembic import op

from portal.core.time import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0018_extensions"
down_revision = "0017_participation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extension_days", sa.Float(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "deadline_extension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("pending_for", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("due_before", UTCDateTime(), nullable=True),
        sa.Column("due_after", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pending_for"))
    with op.batch_alter_table("deadline_extension", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_extension_submission_id", ["submission_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("deadline_extension", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_extension_submission_id")
    op.drop_table("deadline_extension")
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_column("extension_days")
