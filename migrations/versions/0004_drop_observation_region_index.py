"""drop ix_observation_region: every read names its indicator (the unique key's prefix serves it),
and maintaining a second index over every figure doubled the cost of a load

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 18:05:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index('ix_observation_region')


def downgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_index('ix_observation_region', ['region_code', 'indicator_code'], unique=False)
