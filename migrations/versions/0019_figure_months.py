"""figure months: the figures' cells kept per month by the worker; indexes for the wall screen

Deadlines by due time and escalation level; submissions by status and area (a count by both
reads the index alone).

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
    # Plain index statements: a batch would copy the tables on SQLite.
    op.create_index("ix_deadline_acknowledge_due", "deadline", ["acknowledge_due"])
    op.create_index("ix_deadline_resolve_due", "deadline", ["resolve_due"])
    op.create_index("ix_deadline_escalation_level", "deadline", ["escalation_level"])
    op.drop_index("ix_submission_status", table_name="submission")
    op.create_index("ix_submission_status_area", "submission", ["status", "area_id"])


def downgrade():
    op.drop_index("ix_submission_status_area", table_name="submission")
    op.create_index("ix_submission_status", "submission", ["status"])
    for name in ("escalation_level", "resolve_due", "acknowledge_due"):
        op.drop_index(f"ix_deadline_{name}", table_name="deadline")
    op.drop_table("figure_month")
