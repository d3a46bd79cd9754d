"""places: area boundaries, and the area a submission's point lies in

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa

import portal.core.time


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'boundary',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('geojson', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('loaded_at', portal.core.time.UTCDateTime(), nullable=False),
        sa.Column('loaded_by', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['area_id'], ['area.id'], name='fk_boundary_area_id_area'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('area_id', name='uq_boundary_area_id'),
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('located_area_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_submission_located_area_id_area', 'area',
                                    ['located_area_id'], ['id'])


def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_constraint('fk_submission_located_area_id_area', type_='foreignkey')
        batch_op.drop_column('located_area_id')
    op.drop_table('boundary')
