"""editions: titles and pages of the publication editions observations cite

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'editions',
        sa.Column('code', sa.String(length=200), nullable=False),
        sa.Column('name_ru', sa.Text(), nullable=False),
        sa.Column('name_en', sa.Text(), nullable=True),
        sa.Column('short_ru', sa.String(length=100), nullable=True),
        sa.Column('short_en', sa.String(length=100), nullable=True),
        sa.Column('publisher', sa.String(length=200), nullable=True),
        sa.Column('url', sa.String(length=600), nullable=True),
        sa.Column('load_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['load_id'], ['loads.id'], ),
        sa.PrimaryKeyConstraint('code'),
    )


def downgrade() -> None:
    op.drop_table('editions')
