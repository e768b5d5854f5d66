"""observations: the natural key becomes the primary key (no surrogate id), and load_id's index is BRIN on
PostgreSQL: each figure a load writes then costs one index entry fewer, no sequence call, and a cheap
load_id summary instead of a B-tree entry (see etl.schema.Observation)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

NATURAL_KEY = ['indicator_code', 'region_code', 'period', 'edition']


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_observations_load_id', table_name='observations')
        op.drop_constraint('observations_pkey', 'observations', type_='primary')
        op.drop_column('observations', 'id')
        op.drop_constraint('uq_observation', 'observations', type_='unique')
        op.create_primary_key('observations_pkey', 'observations', NATURAL_KEY)
        op.create_index('ix_observations_load_id', 'observations', ['load_id'], postgresql_using='brin')
        return
    # NOTE: SQLite cannot change a primary key in place: the batch copies the table into its new shape.
    with op.batch_alter_table('observations', recreate='always') as batch_op:
        batch_op.drop_index('ix_observations_load_id')
        batch_op.drop_constraint('uq_observation', type_='unique')
        batch_op.drop_column('id')
        batch_op.create_primary_key('observations_pkey', NATURAL_KEY)
        batch_op.create_index('ix_observations_load_id', ['load_id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_observations_load_id', table_name='observations')
        op.drop_constraint('observations_pkey', 'observations', type_='primary')
        op.create_unique_constraint('uq_observation', 'observations', NATURAL_KEY)
        op.add_column('observations', sa.Column('id', sa.Integer(), sa.Identity(), nullable=False))
        op.create_primary_key('observations_pkey', 'observations', ['id'])
        op.create_index('ix_observations_load_id', 'observations', ['load_id'])
        return
    with op.batch_alter_table('observations', recreate='always') as batch_op:
        batch_op.drop_index('ix_observations_load_id')
        batch_op.drop_constraint('observations_pkey', type_='primary')
        batch_op.add_column(sa.Column('id', sa.Integer(), nullable=False, primary_key=True))
        batch_op.create_unique_constraint('uq_observation', NATURAL_KEY)
        batch_op.create_index('ix_observations_load_id', ['load_id'])
