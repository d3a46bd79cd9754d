"""Service levels: deadline rules, deadlines, escalations, follow-ups, the task's position.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

from portal.core.time import UTCDateTime

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'service_level_position',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'))
    op.create_table(
        'service_level_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('urgent', sa.Boolean(), nullable=True),
        sa.Column('acknowledge_hours', sa.Float(), nullable=False),
        sa.Column('resolve_days', sa.Float(), nullable=False),
        sa.Column('updated_by', sa.String(length=80), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['category.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'category_id', 'urgent', name='uq_service_level_rule'))
    op.create_table(
        'deadline',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=True),
        sa.Column('acknowledge_due', UTCDateTime(), nullable=True),
        sa.Column('resolve_from', UTCDateTime(), nullable=True),
        sa.Column('resolve_due', UTCDateTime(), nullable=True),
        sa.Column('acknowledged_at', UTCDateTime(), nullable=True),
        sa.Column('resolved_at', UTCDateTime(), nullable=True),
        sa.Column('acknowledge_hours', sa.Float(), nullable=True),
        sa.Column('resolve_days', sa.Float(), nullable=True),
        sa.Column('open', sa.Boolean(), nullable=False),
        sa.Column('next_check_at', UTCDateTime(), nullable=True),
        sa.Column('reminded_at', UTCDateTime(), nullable=True),
        sa.Column('escalation_level', sa.Integer(), nullable=False),
        sa.Column('reopen_count', sa.Integer(), nullable=False),
        sa.Column('last_change_id', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('submission_id'))
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_next_check_at'), ['next_check_at'])
    op.create_table(
        'escalation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=120), nullable=False),
        sa.Column('due_at', UTCDateTime(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('submission_id', 'level', 'due_at', name='uq_escalation_step'))
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_submission_id'), ['submission_id'])
    op.create_table(
        'follow_up',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=12), nullable=False),
        sa.Column('fixed', sa.Boolean(), nullable=True),
        sa.Column('satisfaction', sa.String(length=20), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('comment_held', sa.Boolean(), nullable=False),
        sa.Column('screening_reasons', sa.JSON(), nullable=False),
        sa.Column('reopened', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('submission_id'))


def downgrade():
    op.drop_table('follow_up')
    op.drop_table('escalation')
    op.drop_table('deadline')
    op.drop_table('service_level_rule')
    op.drop_table('service_level_position')
