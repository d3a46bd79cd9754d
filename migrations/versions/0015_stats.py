"""Figures, wall screen and hotspots: hotspots, their members, the detector's position.

Revision ID: 0015_stats
Revises: 0014_reference
"""
import sqlalchemy as sa
from alembic import op

from portal.core.time import UTCDateTime

revision = '0015_stats'
down_revision = '0014_reference'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stats_position',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('last_id', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'))
    op.create_table(
        'hotspot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('baseline', sa.Float(), nullable=False),
        sa.Column('p_value', sa.Float(), nullable=False),
        sa.Column('window_start', UTCDateTime(), nullable=False),
        sa.Column('window_end', UTCDateTime(), nullable=False),
        sa.Column('detected_at', UTCDateTime(), nullable=False),
        sa.Column('decided_by', sa.String(length=80), nullable=False),
        sa.Column('decided_at', UTCDateTime(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['area_id'], ['area.id']),
        sa.ForeignKeyConstraint(['category_id'], ['category.id']),
        sa.ForeignKeyConstraint(['lead_id'], ['submission.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('hotspot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspot_status'), ['status'])
        batch_op.create_index(batch_op.f('ix_hotspot_detected_at'), ['detected_at'])
    op.create_table(
        'hotspot_member',
        sa.Column('hotspot_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['hotspot_id'], ['hotspot.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('hotspot_id', 'submission_id'))
    with op.batch_alter_table('hotspot_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hotspot_member_submission_id'), ['submission_id'])


def downgrade():
    op.drop_table('hotspot_member')
    op.drop_table('hotspot')
    op.drop_table('stats_position')
