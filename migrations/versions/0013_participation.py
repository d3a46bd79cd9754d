"""participation: ideas' official answers, comments, per-category settings, progress updates

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 23:00:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'idea_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('previous_outcome', sa.String(length=20), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reason_en', sa.Text(), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['status_event.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('idea_answer', schema=None) as batch_op:
        batch_op.create_index('ix_idea_answer_submission_id', ['submission_id'], unique=False)

    op.create_table(
        'comment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('display_name', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('official', sa.Boolean(), nullable=False),
        sa.Column('author', sa.String(length=80), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('screening_score', sa.Float(), nullable=False),
        sa.Column('screening_reasons', sa.JSON(), nullable=False),
        sa.Column('hidden_reason', sa.Text(), nullable=False),
        sa.Column('moderated_by', sa.String(length=80), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_parent_id', ['parent_id'], unique=False)
        batch_op.create_index('ix_comment_submission_status', ['submission_id', 'status'],
                              unique=False)
        batch_op.create_index('ix_comment_status', ['status', 'id'], unique=False)

    op.create_table(
        'idea_setting',
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.Column('support_threshold', sa.Integer(), nullable=False),
        sa.Column('premoderation', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['category_id'], ['category.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('category_id'))

    op.create_table(
        'idea_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=12), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('note_en', sa.Text(), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('idea_progress', schema=None) as batch_op:
        batch_op.create_index('ix_idea_progress_submission_id', ['submission_id'], unique=False)


def downgrade():
    op.drop_table('idea_progress')
    op.drop_table('idea_setting')
    op.drop_table('comment')
    op.drop_table('idea_answer')
