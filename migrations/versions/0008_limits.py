"""limits: "me too" supports (per visitor, address hash, device) and failed tracking-code lookups

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:50.626690

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tracking_miss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_hash', sa.String(length=32), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_miss')),
    sa.UniqueConstraint('address_hash', 'hour', name='uq_tracking_miss_hour')
    )
    with op.batch_alter_table('tracking_miss', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_miss_hour'), ['hour'], unique=False)

    op.create_table('support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('visitor_key', sa.String(length=80), nullable=False),
    sa.Column('address_hash', sa.String(length=32), nullable=False),
    sa.Column('device', sa.String(length=40), nullable=True),
    sa.Column('idempotency_key', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_support_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support')),
    sa.UniqueConstraint('submission_id', 'idempotency_key', name='uq_support_idempotency'),
    sa.UniqueConstraint('submission_id', 'visitor_key', name='uq_support_visitor')
    )
    with op.batch_alter_table('support', schema=None) as batch_op:
        batch_op.create_index('ix_support_address_time', ['address_hash', 'created_at'], unique=False)
        batch_op.create_index('ix_support_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_support_device_time', ['device', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('support', schema=None) as batch_op:
        batch_op.drop_index('ix_support_device_time')
        batch_op.drop_index('ix_support_created_at')
        batch_op.drop_index('ix_support_address_time')

    op.drop_table('support')
    with op.batch_alter_table('tracking_miss', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_miss_hour'))

    op.drop_table('tracking_miss')
