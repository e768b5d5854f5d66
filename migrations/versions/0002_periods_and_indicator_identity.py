"""periods with a kind, indicator identity and metadata, header cells, load source path

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 17:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('loads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_path', sa.String(length=1000), nullable=True))
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_kind', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('additive', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('section', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('table_number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('identity', sa.Text(), nullable=True))
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.alter_column('period', existing_type=sa.String(length=10), type_=sa.String(length=12),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('period_kind', sa.String(length=12), nullable=False,
                                      server_default='year'))
        batch_op.add_column(sa.Column('value_text', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('source_header', sa.String(length=200), nullable=True))
    # The default only filled existing rows; the model has no server default.
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.alter_column('period_kind', server_default=None, existing_type=sa.String(length=12),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('source_header')
        batch_op.drop_column('value_text')
        batch_op.drop_column('period_kind')
        batch_op.alter_column('period', existing_type=sa.String(length=12), type_=sa.String(length=10),
                              existing_nullable=False)
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        for column in ('identity', 'table_number', 'section', 'additive', 'period_kind'):
            batch_op.drop_column(column)
    with op.batch_alter_table('loads', schema=None) as batch_op:
        batch_op.drop_column('source_path')
