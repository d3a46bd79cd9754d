"""public change index: the public changes get a partial index by id, which answers "the newest
public change" (the public pages' version) in one step whatever the planner's statistics say

Revision ID: 0022_public_change_index
Revises: 0021_notice_edits
Create Date: 2026-12-06 09:40:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_public_change_index"
down_revision = "0021_notice_edits"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_change_log_public_id", table_name="change_log")
    op.create_index("ix_change_log_public", "change_log", ["id"],
                    postgresql_where=sa.text("public = true"), sqlite_where=sa.text("public = 1"))


def downgrade():
    op.drop_index("ix_change_log_public", table_name="change_log")
    op.create_index("ix_change_log_public_id", "change_log", ["public", "id"])
