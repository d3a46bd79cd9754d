"""figure months: the figures' cells kept per month by the worker; deadlines indexed by due time

Revision ID: 0019_figure_months
Revises: 0018_extensions
Create Date: 2026-12-02 17:00:00
"""
import sqlalchemy as sa
from alembic import op

from portal.core.time import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0019_figure_months"
down_revision = "0018_extensions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "figure_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("built_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("month"))
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.create_index("ix_deadline_acknowledge_due", ["acknowledge_due"], unique=False)
        batch_op.create_index("ix_deadline_resolve_due", ["resolve_due"], unique=False)


def downgrade():
    with op.batch_alter_table("deadline", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_resolve_due")
        batch_op.drop_index("ix_deadline_acknowledge_due")
    op.drop_table("figure_month")
