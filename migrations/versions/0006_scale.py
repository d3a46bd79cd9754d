"""scale: index for the newest published submissions (home page, public list)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 11:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index('ix_submission_published_order',
                              ['published', 'published_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ix_submission_published_order')
