"""translations: Russian for values the data records in English only (cluster texts, ATC group names)

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'translations',
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('text_ru', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('load_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['load_id'], ['loads.id']),
        sa.PrimaryKeyConstraint('field', 'value'),
    )


def downgrade() -> None:
    op.drop_table('translations')
