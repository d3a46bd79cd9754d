"""participation: residents' abuse reports, "show my name" on comments and contacts, category
notices and emergency-only categories

Revision ID: 0017_participation
Revises: 0016_servicelevels
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_participation"
down_revision = "0016_servicelevels"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=12), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reporter", sa.String(length=80), nullable=False),
        sa.Column("address_hash", sa.String(length=32), nullable=False),
        sa.Column("hid", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("target_type", "target_id", "reporter", name="uq_report_reporter"))
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_submission_id", ["submission_id"], unique=False)
        batch_op.create_index("ix_report_open", ["decision", "target_type", "target_id"],
                              unique=False)

    op.create_table(
        "category_notice",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("emergency_only", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("category_id"))

    # Anonymous by default; a comment already posted with a name was posted under a field
    # that said the name would be shown, so those keep showing it.
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_name", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE comment SET show_name = (display_name <> '')")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_name", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("show_name")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_column("show_name")
    op.drop_table("category_notice")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_open")
        batch_op.drop_index("ix_report_submission_id")
    op.drop_table("report")
