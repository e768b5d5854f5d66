"""indicator_coverage: the catalogue's coverage facts, kept by the loader instead of aggregated on a request

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 18:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'indicator_coverage',
        sa.Column('indicator_code', sa.String(length=120), nullable=False),
        sa.Column('edition', sa.String(length=200), nullable=False),
        sa.Column('period_kind', sa.String(length=12), nullable=False),
        sa.Column('regions', sa.Integer(), nullable=False),
        sa.Column('first_period', sa.String(length=12), nullable=True),
        sa.Column('last_period', sa.String(length=12), nullable=True),
        sa.Column('first_year', sa.Integer(), nullable=True),
        sa.Column('last_year', sa.Integer(), nullable=True),
        sa.Column('observations', sa.Integer(), nullable=False),
        sa.Column('published', sa.Integer(), nullable=False),
        sa.Column('updated_by_load_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('indicator_code', 'edition', 'period_kind'),
    )
    # A database loaded before this revision gets its coverage once, here; loads keep it from now on.
    op.execute(
        "INSERT INTO indicator_coverage (indicator_code, edition, period_kind, regions, first_period, last_period, "
        "first_year, last_year, observations, published, updated_by_load_id) "
        "SELECT indicator_code, edition, period_kind, COUNT(DISTINCT region_code), "
        "MIN(CASE WHEN value IS NOT NULL THEN period END), MAX(CASE WHEN value IS NOT NULL THEN period END), "
        "MIN(CASE WHEN value IS NOT NULL THEN year END), MAX(CASE WHEN value IS NOT NULL THEN year END), "
        "COUNT(*), COUNT(value), MAX(load_id) "
        "FROM observations GROUP BY indicator_code, edition, period_kind"
    )


def downgrade() -> None:
    op.drop_table('indicator_coverage')
