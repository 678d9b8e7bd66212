"""one deployment for the city: each school's own channels (sealed credentials)

Revision ID: 0008_city
Revises: 0005_web
Create Date: 2026-11-30 01:50:00
"""

import sqlalchemy as sa
from alembic import op

import chatbot.db.coltypes

revision = "0008_city"
down_revision = "0007_family_talk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "school_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("secrets", sa.LargeBinary(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=True),
        sa.Column("created_at", chatbot.db.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", chatbot.db.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name=op.f("fk_school_channels_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school_channels")),
        sa.UniqueConstraint("school_id", "channel", name=op.f("uq_school_channels_school_id_channel")),
    )
    with op.batch_alter_table("school_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_channels_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("school_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_channels_school_id"))
    op.drop_table("school_channels")
