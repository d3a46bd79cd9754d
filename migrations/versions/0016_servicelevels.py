"""Service levels: returns and re-dispatch with arbitration, reply templates.

Revision ID: 0016_servicelevels
Revises: 0015_stats
"""
import sqlalchemy as sa
from alembic import op

from portal.core.time import UTCDateTime

revision = '0016_servicelevels'
down_revision = '0015_stats'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dispatch',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('team', sa.String(length=40), nullable=True),
        sa.Column('returns', sa.Integer(), nullable=False),
        sa.Column('tried', sa.JSON(), nullable=False),
        sa.Column('arbitration', sa.Boolean(), nullable=False),
        sa.Column('arbitration_since', UTCDateTime(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('submission_id'))
    op.create_index('ix_dispatch_arbitration', 'dispatch', ['arbitration'])
    op.create_table(
        'case_return',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('from_team', sa.String(length=40), nullable=False),
        sa.Column('to_team', sa.String(length=40), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_case_return_submission_id', 'case_return', ['submission_id'])
    op.create_table(
        'reply_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('text_zh', sa.Text(), nullable=False),
        sa.Column('text_en', sa.Text(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['category.id']),
        sa.PrimaryKeyConstraint('id'))


def downgrade():
    op.drop_table('reply_template')
    op.drop_index('ix_case_return_submission_id', table_name='case_return')
    op.drop_table('case_return')
    op.drop_index('ix_dispatch_arbitration', table_name='dispatch')
    op.drop_table('dispatch')
