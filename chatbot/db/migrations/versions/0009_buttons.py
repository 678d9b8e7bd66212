"""button payloads and numbered choices shared by every replica

Revision ID: 0009_buttons
Revises: 0005_web
Create Date: 2026-11-30 02:15:00
"""

import sqlalchemy as sa
from alembic import op

import chatbot.db.coltypes


revision = '0009_buttons'
down_revision = '0008_city'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('button_choices',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('payloads', sa.Text(), nullable=False),
    sa.Column('expires_at', chatbot.db.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_button_choices'))
    )
    with op.batch_alter_table('button_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_button_choices_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('button_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_button_choices_expires_at'))
    op.drop_table('button_choices')
