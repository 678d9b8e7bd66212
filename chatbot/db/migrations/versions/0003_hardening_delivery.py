"""hardening of delivery and channels

Adds the last inbound time of chat accounts, chunk progress of deliveries and the
"being handled" mark of processed webhook events; deactivates Telegram group chats that were
linked as accounts (only private chats link to students now).

Revision ID: 0003_hardening_delivery
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import chatbot.db.coltypes

revision = "0003_hardening_delivery"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_inbound_at", chatbot.db.coltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chunks_sent", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("in_progress", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Telegram group chats have negative ids; a group is not one family.
    op.execute(
        "UPDATE chat_accounts SET active = false, deactivated_reason = 'group chat' "
        "WHERE channel = 'telegram' AND external_id LIKE '-%'"
    )


def downgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_column("in_progress")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("chunks_sent")
    with op.batch_alter_table("chat_accounts", schema=None) as batch_op:
        batch_op.drop_column("last_inbound_at")
