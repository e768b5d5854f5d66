"""subscribers, digest_sends, contact_messages: the digest subscription and the investors' contact form

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-30 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'subscribers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('consent_version', sa.String(length=20), nullable=False),
        sa.Column('consented_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('confirm_token_hash', sa.String(length=64), nullable=True),
        sa.Column('unsubscribe_token_hash', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email', name='uq_subscribers_email'),
        sa.UniqueConstraint('confirm_token_hash', name='uq_subscribers_confirm_token'),
        sa.UniqueConstraint('unsubscribe_token_hash', name='uq_subscribers_unsubscribe_token'),
    )
    op.create_table(
        'digest_sends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subscriber_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('unsubscribe_token_hash', sa.String(length=64), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['subscriber_id'], ['subscribers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('subscriber_id', 'month', name='uq_digest_send'),
        sa.UniqueConstraint('unsubscribe_token_hash', name='uq_digest_sends_unsubscribe_token'),
    )
    op.create_index('ix_digest_sends_subscriber_id', 'digest_sends', ['subscriber_id'])
    op.create_table(
        'contact_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('organisation', sa.String(length=300), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('consent_version', sa.String(length=20), nullable=False),
        sa.Column('consented_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('ip_hash', sa.String(length=64), nullable=False),
        sa.Column('forwarded_at', sa.DateTime(), nullable=True),
        sa.Column('forward_error', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_contact_messages_created_at', 'contact_messages', ['created_at'])
    op.create_index('ix_contact_messages_ip_hash', 'contact_messages', ['ip_hash'])


def downgrade() -> None:
    op.drop_table('contact_messages')
    op.drop_index('ix_digest_sends_subscriber_id', table_name='digest_sends')
    op.drop_table('digest_sends')
    op.drop_table('subscribers')
