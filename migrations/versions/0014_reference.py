"""reference data: rows an administrator edited (the seed command leaves them alone)

Revision ID: 0014_reference
Revises: 0013
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa

import portal.core.time


# revision identifiers, used by Alembic.
revision = '0014_reference'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ('area', 'station', 'category')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('edited_at', portal.core.time.UTCDateTime(),
                                          nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('edited_at')
