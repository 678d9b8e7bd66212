"""hardening: keyed invite code hashes, reporter index

Revision ID: 0004_hardening_core
Revises: 0003_hardening_delivery

Codes already in the database were stored as plain SHA-256: they are marked ``sha256`` and
keep working until they expire (the codes themselves are not stored, so they cannot be
re-hashed). New codes are ``hmac-sha256``.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_hardening_core"
down_revision = "0003_hardening_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hash_scheme", sa.String(length=16), nullable=False, server_default="sha256")
        )
    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.alter_column("hash_scheme", server_default="hmac-sha256")
    with op.batch_alter_table("incident_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_reports_reporter_account_id"), ["reporter_account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_reports_reporter_account_id"))
    with op.batch_alter_table("invite_codes", schema=None) as batch_op:
        batch_op.drop_column("hash_scheme")
