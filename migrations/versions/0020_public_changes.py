"""public changes: change-log rows a page without the tracking code may show are marked, so
public pages are kept until one of those, not any change, is committed

Rows written before are left unmarked: the newest marked row is only a version number.

Revision ID: 0020_public_changes
Revises: 0019_figure_months
Create Date: 2026-12-02 17:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_public_changes"
down_revision = "0019_figure_months"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("change_log", sa.Column("public", sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    op.create_index("ix_change_log_public_id", "change_log", ["public", "id"])


def downgrade():
    op.drop_index("ix_change_log_public_id", table_name="change_log")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("public")
