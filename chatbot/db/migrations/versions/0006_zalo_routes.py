"""Zalo routes: route and reason per delivery, parent phones, templates, follow state, spend

Revision ID: 0006_zalo_routes
Revises: 0005_web
"""

import sqlalchemy as sa
from alembic import op

import chatbot.db.coltypes

revision = "0006_zalo_routes"
down_revision = "0005_web"
branch_labels = None
depends_on = None


def _tz() -> chatbot.db.coltypes.UTCDateTime:
    return chatbot.db.coltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("route", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("route_reason", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("student_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("cost_vnd", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_deliveries_student_id"), ["student_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deliveries_student_id_students"), "students", ["student_id"], ["id"],
            ondelete="CASCADE",
        )

    op.create_table(
        "parent_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", _tz(), nullable=True),
        sa.Column("zns_opt_out_at", _tz(), nullable=True),
        sa.Column("invite_sent_at", _tz(), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["chat_accounts.id"],
            name=op.f("fk_parent_phones_account_id_chat_accounts"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["students.id"],
            name=op.f("fk_parent_phones_student_id_students"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_phones")),
        sa.UniqueConstraint("student_id", "phone", name=op.f("uq_parent_phones_student_id_phone")),
    )
    with op.batch_alter_table("parent_phones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parent_phones_student_id"), ["student_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parent_phones_account_id"), ["account_id"], unique=False)

    op.create_table(
        "zalo_follows",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("changed_at", _tz(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["chat_accounts.id"],
            name=op.f("fk_zalo_follows_account_id_chat_accounts"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_zalo_follows")),
    )
    op.create_table(
        "zalo_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("route", sa.String(length=24), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("params", sa.String(length=500), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zalo_templates")),
        sa.UniqueConstraint("kind", "route", name=op.f("uq_zalo_templates_kind_route")),
    )
    op.create_table(
        "zalo_spend",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("spent_vnd", sa.Integer(), nullable=False),
        sa.Column("alerted_at", _tz(), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_zalo_spend")),
    )


def downgrade() -> None:
    op.drop_table("zalo_spend")
    op.drop_table("zalo_templates")
    op.drop_table("zalo_follows")
    with op.batch_alter_table("parent_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parent_phones_account_id"))
        batch_op.drop_index(batch_op.f("ix_parent_phones_student_id"))
    op.drop_table("parent_phones")
    op.execute("DELETE FROM deliveries WHERE account_id IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deliveries_student_id_students"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_deliveries_student_id"))
        batch_op.drop_column("cost_vnd")
        batch_op.drop_column("phone")
        batch_op.drop_column("student_id")
        batch_op.drop_column("route_reason")
        batch_op.drop_column("route")
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
