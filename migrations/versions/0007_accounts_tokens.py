"""accounts: staff API tokens expire and record why they were revoked; sign-in attempts
remember the known device they came from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:40:00

"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=30), nullable=True))
    # Tokens issued before expiry existed get the default lifetime from the upgrade on.
    op.execute(sa.text("UPDATE api_token SET expires_at = :when").bindparams(
        sa.bindparam('when', datetime.now(timezone.utc) + timedelta(days=90),
                     type_=sa.DateTime(timezone=True))))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_attempt_device'), ['device'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_device'))
        batch_op.drop_column('device')

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('expires_at')
